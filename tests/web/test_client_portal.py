"""The client's own pages through the studio: a link made by the front desk opens, with no login, a page
that shows the client's first name and nothing else of the record; day-3 scabs reported on the phone read
as normal healing and reach the record and the dashboard (an urgent report at the very top); a withdrawn or
expired link opens nothing; another clinic cannot see or withdraw the link; the handout and the calendar
file download; every use is audited with ids only."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy import select, update

from smpstudio.care.triage import SYMPTOMS
from smpstudio.records.models import AuditEntry, Client, SymptomReport
from smpstudio.services.context import Clock
from smpstudio.web.pages.client_portal import SYMPTOM_WORDS
from tests.web.clinic_html import csrf_field, structure_problems, text_of
from tests.web.populated import Populated, populated_fixture, populated_template_fixture  # noqa: F401
from tests.web.route_calls import last_audit_seq

#: What the client's pages must never show: the rest of the record and anyone else.
PRIVATE = ("Doe", "1980-01-02", "alex@example.org", "A private note", "Jo Neighbour", "Bo Other", "Sam Staff")


def _link(populated: Populated, role: str = "front-desk", **body: Any) -> dict[str, Any]:
    answer = populated.cookie(role).post(f"/api/v1/clients/{populated.a.client_id}/links", json=body)
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    return made


def _private_record(populated: Populated) -> None:
    owner = populated.cookie("owner")
    client_id = populated.a.client_id
    populated.store.write(
        lambda db: db.execute(update(Client).where(Client.id == client_id).values(notes="A private note"))
    )
    added = owner.post("/api/v1/clients", json={"name": "Jo Neighbour", "date_of_birth": "1991-02-03"})
    assert added.status_code == 201, added.text


def _form_values(page: httpx.Response) -> dict[str, str]:
    found = dict(re.findall(r'<input type="hidden" name="(form_key|nonce)" value="([^"]+)"', page.text))
    assert set(found) == {"form_key", "nonce"}, page.text[:2000]
    return found


def _report(client: TestClient, path: str, day: int, *symptoms: str, **extra: str) -> httpx.Response:
    form = _form_values(client.get(f"{path}/triage"))
    return client.post(f"{path}/triage", data={**form, "day": str(day), "symptoms": list(symptoms), **extra})


def _assert_private(answer: httpx.Response) -> None:
    for private in PRIVATE:
        assert private not in answer.text, private


def test_the_link_opens_the_clients_page_with_their_first_name_only(populated: Populated) -> None:
    _private_record(populated)
    made = _link(populated)
    assert made["url"].endswith(f"/c/{made['token']}")
    path = f"/c/{made['token']}"
    visitor = populated.anonymous()
    home = visitor.get(path)
    assert home.status_code == 200
    assert "Hello Alex" in text_of(home) and "Clinic A" in home.text
    assert '<meta name="robots" content="noindex, nofollow, noarchive">' in home.text
    assert home.headers["cache-control"] == "no-store" and home.headers["referrer-policy"] == "no-referrer"
    assert f'href="{path}/handout.pdf"' in home.text and f'href="{path}/calendar.ics"' in home.text
    assert f'href="{path}/triage"' in home.text and "Tell us how it looks" in home.text
    assert "Sign out" not in home.text and "Dashboard" not in home.text  # no staff navigation
    form = visitor.get(f"{path}/triage")
    answer = _report(visitor, path, 3, "scabs")
    for page in (home, form, answer):
        assert not structure_problems(page.text), structure_problems(page.text)
        _assert_private(page)


def test_day_three_scabs_read_as_normal_healing_and_reach_the_record(populated: Populated) -> None:
    made = _link(populated)
    path = f"/c/{made['token']}"
    visitor = populated.anonymous()
    answer = _report(visitor, path, 3, "scabs")
    assert answer.status_code == 200, answer.text
    text = text_of(answer)
    assert "What you describe is normal healing." in text
    assert "Small dark scabs on every dot are normal" in text
    assert "This is guidance, not a diagnosis." in text
    big = text_of(_report(visitor, path, 3, "large_dots"))
    assert "these are scabs" in big
    home = text_of(visitor.get(path))
    assert "What you told us" in home and "Small dark crusts on the dots (scabs)" in home
    kept = populated.store.read(
        lambda db: db.scalars(select(SymptomReport).where(SymptomReport.via == "client")).all()
    )
    assert len(kept) == 2 and {r.link_id for r in kept} == {made["id"]}
    record = populated.cookie("practitioner").get(f"/clients/{populated.a.client_id}")
    assert "What the client told us through their link" in record.text and "Mark reviewed" in record.text
    listed = populated.cookie("front-desk").get(f"/api/v1/clients/{populated.a.client_id}/links").json()
    assert [r["disposition"] for r in listed["reports"]] == ["expected", "expected"]
    assert made["token"] not in json.dumps(listed)


def test_an_urgent_report_tops_the_dashboard_until_a_practitioner_reviews_it(populated: Populated) -> None:
    made = _link(populated)
    path = f"/c/{made['token']}"
    visitor = populated.anonymous()
    _report(visitor, path, 3, "scabs")
    urgent = _report(visitor, path, 4, "pus")
    assert "Get medical care today." in text_of(urgent) and "Get a medical review today." in text_of(urgent)
    board = populated.cookie("front-desk").get("/api/v1/dashboard").json()
    first = board["alerts"][0]
    assert first["kind"] == "client_report_urgent" and first["target_id"] == populated.a.client_id
    page = populated.cookie("practitioner").get("/")
    alerts = re.findall(r'data-kind="([a-z_]+)"', page.text)
    assert alerts[0] == "client_report_urgent" and "client_report" in alerts
    report_id = max(
        populated.store.read(
            lambda db: db.scalars(select(SymptomReport.id).where(SymptomReport.via == "client")).all()
        )
    )
    refused = populated.cookie("front-desk").post(f"/api/v1/symptom-reports/{report_id}/reviewed")
    assert refused.status_code == 403
    prac = populated.cookie("practitioner")
    done = prac.post(f"/symptom-reports/{report_id}/reviewed", data={"csrf_token": csrf_field(page)})
    assert done.status_code == 303 and done.headers["location"].startswith(
        f"/clients/{populated.a.client_id}"
    )
    kinds = [a["kind"] for a in prac.get("/api/v1/dashboard").json()["alerts"]]
    assert "client_report_urgent" not in kinds and "client_report" in kinds


def test_the_staff_panel_shows_a_new_link_once(populated: Populated) -> None:
    owner = populated.cookie("front-desk")
    record_path = f"/clients/{populated.a.client_id}"
    record = owner.get(record_path)
    assert "Client's own link" in record.text and "Make a link" in record.text
    made = owner.post(f"{record_path}/links", data={"csrf_token": csrf_field(record), "days": "14"})
    assert made.status_code == 200
    url = re.search(r'id="new-link-url" type="text" readonly value="([^"]+)"', made.text)
    assert url and "/c/" in url.group(1)
    assert 'data-copy="new-link-url"' in made.text and '<script src="/static/copy.js" defer>' in made.text
    assert not structure_problems(made.text), structure_problems(made.text)
    token = url.group(1).rsplit("/", 1)[1]
    again = owner.get(record_path)
    assert token not in again.text and "Withdraw" in again.text
    bad = owner.post(f"{record_path}/links", data={"csrf_token": csrf_field(record), "days": "365"})
    assert bad.status_code == 422 and "days" in bad.text


def test_a_withdrawn_link_opens_nothing_and_says_no_clinic(populated: Populated) -> None:
    made = _link(populated)
    path = f"/c/{made['token']}"
    visitor = populated.anonymous()
    assert visitor.get(path).status_code == 200
    withdrawn = populated.cookie("front-desk").post(
        f"/api/v1/clients/{populated.a.client_id}/links/{made['id']}/revoke"
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["id"] == made["id"]
    unknown = visitor.get("/c/" + "Z" * 43)
    for url in (path, f"{path}/triage", f"{path}/handout.pdf", f"{path}/calendar.ics"):
        gone = visitor.get(url)
        assert gone.status_code == 404 and gone.text == unknown.text
    assert "This link has expired or was withdrawn." in unknown.text and "Clinic A" not in unknown.text
    posted = visitor.post(f"{path}/triage", data={"day": "3", "symptoms": "scabs", "form_key": "x"})
    assert posted.status_code == 404 and posted.text == unknown.text


def test_a_link_expires_on_the_studios_clock(populated: Populated) -> None:
    made = _link(populated, days=1)
    path = f"/c/{made['token']}"
    visitor = populated.anonymous()
    assert visitor.get(path).status_code == 200
    studio = populated.app.state.studio
    later = Clock.fixed(dt.datetime.now(dt.UTC) + dt.timedelta(days=1, minutes=1))
    populated.app.state.studio = dataclasses.replace(
        studio, context=dataclasses.replace(studio.context, clock=later)
    )
    assert visitor.get(path).status_code == 404


def test_another_clinic_cannot_list_or_withdraw_the_link(populated: Populated) -> None:
    made = _link(populated)
    theirs = populated.cookie("other")
    client_id = populated.a.client_id
    listed = theirs.get(f"/api/v1/clients/{client_id}/links")
    revoked = theirs.post(f"/api/v1/clients/{client_id}/links/{made['id']}/revoke")
    mine_under_theirs = theirs.post(f"/api/v1/clients/{populated.b.client_id}/links/{made['id']}/revoke")
    assert [a.status_code for a in (listed, revoked, mine_under_theirs)] == [404, 404, 404]
    assert populated.anonymous().get(f"/c/{made['token']}").status_code == 200


def test_a_form_not_loaded_from_the_page_or_from_another_site_is_refused(populated: Populated) -> None:
    made = _link(populated)
    path = f"/c/{made['token']}"
    visitor = populated.anonymous()
    forged = visitor.post(f"{path}/triage", data={"day": "3", "symptoms": "scabs", "form_key": "0" * 64})
    assert forged.status_code == 403 and "Please open your link again." in forged.text
    form = _form_values(visitor.get(f"{path}/triage"))
    cross = visitor.post(
        f"{path}/triage",
        data={**form, "day": "3", "symptoms": "scabs"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert cross.status_code == 403
    empty = visitor.post(f"{path}/triage", data={**form, "day": "3"})
    assert empty.status_code == 422 and "Tick at least one thing you see." in empty.text
    kept = populated.store.read(
        lambda db: db.scalars(select(SymptomReport).where(SymptomReport.via == "client")).all()
    )
    assert kept == []


def test_the_handout_and_the_calendar_download(populated: Populated) -> None:
    made = _link(populated)
    path = f"/c/{made['token']}"
    visitor = populated.anonymous()
    pdf = visitor.get(f"{path}/handout.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and "attachment" in pdf.headers["content-disposition"]
    ics = visitor.get(f"{path}/calendar.ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(ics.content).walk("VEVENT")
    titles = [str(e["summary"]) for e in events]
    assert "Aftercare: no washing" in titles and any(t.startswith("Call from Clinic A") for t in titles)
    assert b"Doe" not in ics.content and b"Alex" not in ics.content


def test_a_booked_follow_up_call_is_a_call_with_no_address_and_no_second_date(populated: Populated) -> None:
    from smpstudio.records.models import FollowUp

    path = f"/c/{_link(populated)['token']}"
    visitor = populated.anonymous()

    def all_day_calls() -> int:
        events = Calendar.from_ical(visitor.get(f"{path}/calendar.ics").content).walk("VEVENT")
        return sum(
            1
            for e in events
            if str(e["summary"]) == "Call from Clinic A" and not isinstance(e.decoded("dtstart"), dt.datetime)
        )

    before = all_day_calls()
    due = populated.store.read(lambda db: db.get(FollowUp, populated.a.followup_id).due_on)
    body = {
        "client_id": populated.a.client_id,
        "practitioner_id": populated.a.staff_id,
        "kind": "follow-up-call",
        "starts_at": f"{due}T11:00",
        "minutes": 15,
        "followup_id": populated.a.followup_id,
    }
    booked = populated.cookie("front-desk").post("/api/v1/appointments", json=body)
    assert booked.status_code == 201, booked.text
    assert all_day_calls() == before - 1  # the booked call replaces the all-day date it fell due
    events = Calendar.from_ical(visitor.get(f"{path}/calendar.ics").content).walk("VEVENT")
    timed = [e for e in events if isinstance(e.decoded("dtstart"), dt.datetime)]
    call = next(e for e in timed if e.decoded("dtstart").date() == due)
    assert str(call["summary"]) == "Call from Clinic A" and "location" not in call
    assert all(str(e["summary"]) == "Scalp appointment at Clinic A" for e in timed if e is not call)
    home = visitor.get(path)
    assert f"{due:%A %d %B}, 11:00: a call from Clinic A" in text_of(home)


def test_every_use_is_audited_with_ids_only(populated: Populated) -> None:
    seq = last_audit_seq(populated.store)
    made = _link(populated)
    path = f"/c/{made['token']}"
    visitor = populated.anonymous()
    visitor.get(path)
    _report(visitor, path, 3, "scabs")
    visitor.get(f"{path}/calendar.ics")
    entries = populated.store.read(
        lambda db: db.scalars(select(AuditEntry).where(AuditEntry.seq > seq).order_by(AuditEntry.seq)).all()
    )
    uses = [json.loads(e.detail)["use"] for e in entries if e.entity == "client_link" and e.actor_id is None]
    assert uses == ["page", "page", "triage", "calendar"]  # the form's page is a use of the link too
    assert all(e.clinic_id == populated.clinic for e in entries)
    for e in entries:
        for private in (*PRIVATE, "Alex", made["token"], "scabs"):
            assert private not in e.detail


@pytest.mark.parametrize("symptom", SYMPTOMS)
def test_every_symptom_has_words_for_the_client(symptom: str) -> None:
    assert SYMPTOM_WORDS[symptom]
