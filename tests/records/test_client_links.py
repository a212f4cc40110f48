"""Clients' own links: a token shown once and kept hashed, expiry and withdrawal, the client's page (first
name only), the triage report that lands in the record and on the dashboard, the handout and the calendar
file in the clinic's timezone, and an audit trail of every use with no client data in it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select, update

from smpstudio.errors import AccessError, InputError, NotFoundError, RateLimitedError
from smpstudio.records.clinic_day import Appointment, ClientLink
from smpstudio.records.models import AuditEntry, Client, Session, SymptomReport
from smpstudio.records.store import Store
from smpstudio.services import client_links as links
from smpstudio.services import client_portal, clients, clinic_settings, clinics, dashboard
from smpstudio.services.context import Clock, ServiceContext
from tests.records.conftest import acting
from tests.records.helpers import recorded, session, setup_clinic

SECRET = b"s" * 32
ZONE = "Pacific/Auckland"  # far from UTC: a session's day there is often not its UTC day


@dataclasses.dataclass(frozen=True)
class Clinic:
    store: Store
    ids: dict[str, int]
    session_id: int
    started_at: dt.datetime  # the session's start, aware

    def staff(self, who: str, at: dt.datetime | None = None) -> ServiceContext:
        ctx = dataclasses.replace(acting(self.store, self.ids[who]), secret=SECRET)
        return ctx if at is None else dataclasses.replace(ctx, clock=Clock.fixed(at))

    def public(self, at: dt.datetime) -> ServiceContext:
        """The context of a client's page: no acting user, the studio's secret, the clock at ``at``."""
        return ServiceContext(store=self.store, secret=SECRET, clock=Clock.fixed(at))

    def on_day(self, day: int, hour: int = 12) -> dt.datetime:
        """Noon (clinic time) of the ``day``-th day after the session's day, in the clinic's timezone."""
        local = self.started_at.astimezone(ZoneInfo(ZONE)).date() + dt.timedelta(days=day)
        return dt.datetime.combine(local, dt.time(hour), tzinfo=ZoneInfo(ZONE))


@pytest.fixture
def clinic(store: Store, tmp_path: Path) -> Clinic:
    ids = setup_clinic(store, tmp_path)
    clinic_settings.update_clinic(
        acting(store, ids["owner"]),
        clinic_settings.UpdateClinicRequest.of(timezone=ZONE, phone="+64 9 555 0100"),
    )
    sid = recorded(session(store, ids)).id
    started = store.read(lambda db: db.get(Session, sid).started_at)
    return Clinic(store, ids, sid, started if started.tzinfo else started.replace(tzinfo=dt.UTC))


def _issue(c: Clinic, at: dt.datetime | None = None, days: int = 30) -> links.LinkIssued:
    return links.issue_client_link(
        c.staff("desk", at), links.IssueLinkRequest.of(client_id=c.ids["client"], days=days)
    )


def _triage(c: Clinic, token: str, at: dt.datetime, **values: Any) -> client_portal.PortalTriaged:
    base: dict[str, Any] = {"token": token, "form_key": client_portal.form_key(SECRET, token), "day": 3}
    return client_portal.portal_triage(c.public(at), client_portal.PortalTriageRequest.of(**(base | values)))


def test_a_link_is_shown_once_and_kept_as_its_hash(clinic: Clinic) -> None:
    made = _issue(clinic)
    assert len(made.token) >= 43 and made.url == f"http://127.0.0.1:8000/c/{made.token}"
    row = clinic.store.read(lambda db: db.get(ClientLink, made.id))
    assert row.token_hash == hashlib.sha256(made.token.encode()).hexdigest()
    stored = clinic.store.read(lambda db: [repr(tuple(r)) for r in db.execute(select(ClientLink.__table__))])
    assert not any(made.token in line for line in stored)
    listed = links.client_links(
        clinic.staff("desk"), links.ClientLinksRequest.of(client_id=clinic.ids["client"])
    )
    assert [link.status for link in listed.links] == ["active"]
    assert made.token not in json.dumps(listed.to_json())


@pytest.mark.parametrize("days", [0, 91, "x"])
def test_a_link_lasts_one_to_ninety_days(days: object) -> None:
    with pytest.raises(InputError) as caught:
        links.IssueLinkRequest.of(client_id=1, days=days)
    assert caught.value.field == "days"


def test_the_clients_page_shows_the_first_name_and_the_plan_in_the_clinics_days(clinic: Clinic) -> None:
    made = _issue(clinic)
    view = client_portal.portal_view(
        clinic.public(clinic.on_day(3)), client_portal.PortalRequest.of(token=made.token)
    )
    text = json.dumps(view.to_json())
    assert view.first_name == "Alex" and "Doe" not in text
    for private in ("1980-01-02", "a@example.org", "+44 1"):
        assert private not in text
    local_day = clinic.started_at.astimezone(ZoneInfo(ZONE)).date()
    assert view.session_date == local_day and view.day == 3
    washing = next(r for r in view.plan if "wash" in r.avoid)
    assert washing.until_date == local_day + dt.timedelta(days=washing.until_day) and washing.ongoing
    assert view.clinic_phone == "+64 9 555 0100" and view.not_normal
    assert view.form_key == client_portal.form_key(SECRET, made.token)


def test_an_unknown_an_expired_and_a_withdrawn_link_answer_alike(clinic: Clinic) -> None:
    issued_at = clinic.on_day(0, hour=18)
    made = _issue(clinic, at=issued_at, days=2)
    before_end = issued_at + dt.timedelta(days=2, seconds=-1)
    assert (
        client_portal.portal_view(
            clinic.public(before_end), client_portal.PortalRequest.of(token=made.token)
        ).day
        == 2
    )
    answers = []
    for token, at in (
        (made.token, issued_at + dt.timedelta(days=2)),  # expired
        ("A" * 43, issued_at),  # unknown
        ("not a token", issued_at),  # not even shaped like one
    ):
        with pytest.raises(NotFoundError) as caught:
            client_portal.portal_view(clinic.public(at), client_portal.PortalRequest.of(token=token))
        answers.append(caught.value.to_dict())
    other = _issue(clinic)
    links.revoke_client_link(
        clinic.staff("desk"), links.LinkRequest.of(client_id=clinic.ids["client"], link_id=other.id)
    )
    again = links.revoke_client_link(  # withdrawing again changes nothing
        clinic.staff("desk"), links.LinkRequest.of(client_id=clinic.ids["client"], link_id=other.id)
    )
    assert again.id == other.id
    with pytest.raises(NotFoundError) as caught:
        client_portal.portal_view(
            clinic.public(clinic.on_day(1)), client_portal.PortalRequest.of(token=other.token)
        )
    answers.append(caught.value.to_dict())
    assert all(a == answers[0] for a in answers) and answers[0]["code"] == "link_gone"


def test_an_erased_clients_link_stops_working(clinic: Clinic) -> None:
    made = _issue(clinic)
    now = dt.datetime.now(dt.UTC)
    clinic.store.write(
        lambda db: db.execute(update(Client).where(Client.id == clinic.ids["client"]).values(erased_at=now))
    )
    with pytest.raises(NotFoundError):
        client_portal.portal_view(
            clinic.public(clinic.on_day(1)), client_portal.PortalRequest.of(token=made.token)
        )


def test_another_clinic_cannot_list_or_withdraw_the_link(clinic: Clinic) -> None:
    made = _issue(clinic)
    other = clinics.init_clinic(
        acting(clinic.store, clinic.ids["owner"]), clinics.InitClinicRequest.of(name="Other Clinic")
    ).owner_id
    theirs = acting(clinic.store, other)
    with pytest.raises(NotFoundError):
        links.client_links(theirs, links.ClientLinksRequest.of(client_id=clinic.ids["client"]))
    with pytest.raises(NotFoundError) as caught:
        links.revoke_client_link(
            theirs, links.LinkRequest.of(client_id=clinic.ids["client"], link_id=made.id)
        )
    assert caught.value.code == "no_client"
    row = clinic.store.read(lambda db: db.get(ClientLink, made.id))
    assert row.revoked_at is None


def test_a_link_is_found_only_under_its_own_client(clinic: Clinic) -> None:
    made = _issue(clinic)
    second = clients.add_client(
        acting(clinic.store, clinic.ids["owner"]),
        clients.AddClientRequest.of(name="Sam Second", date_of_birth="1990-01-01"),
    ).id
    with pytest.raises(NotFoundError) as caught:
        links.revoke_client_link(
            clinic.staff("desk"), links.LinkRequest.of(client_id=second, link_id=made.id)
        )
    assert caught.value.code == "no_client_link"


def test_day_three_scabs_are_normal_healing_and_land_in_the_record(clinic: Clinic) -> None:
    made = _issue(clinic)
    answer = _triage(clinic, made.token, clinic.on_day(3), symptoms=["scabs"])
    assert answer.disposition == "expected"
    assert (
        "scabs" in answer.per_symptom[0]["explanation"] and "normal" in answer.per_symptom[0]["explanation"]
    )
    assert "not a diagnosis" in answer.note and answer.clinic_phone == "+64 9 555 0100"
    big = _triage(clinic, made.token, clinic.on_day(3), symptoms=["large_dots"])
    assert "these are scabs" in big.explanation
    row = clinic.store.read(lambda db: db.get(SymptomReport, answer.id))
    assert (row.via, row.link_id, row.session_id, row.reviewed_at) == (
        "client",
        made.id,
        clinic.session_id,
        None,
    )
    assert row.symptoms["day"] == 3 and row.symptoms["symptoms"] == ["scabs"]


def test_client_reports_are_on_the_dashboard_an_urgent_one_first_until_reviewed(clinic: Clinic) -> None:
    made = _issue(clinic)
    calm = _triage(clinic, made.token, clinic.on_day(3), symptoms=["scabs"])
    urgent = _triage(clinic, made.token, clinic.on_day(3), symptoms=["pus"], day=5)
    assert urgent.disposition == "urgent" and "medical" in urgent.explanation
    board = dashboard.dashboard(clinic.staff("prac"))
    assert board.alerts[0].kind == "client_report_urgent" and board.alerts[0].severity == "danger"
    assert board.alerts[0].target == "client" and board.alerts[0].target_id == clinic.ids["client"]
    assert "Alex Doe" in board.alerts[0].title
    kinds = [a.kind for a in board.alerts]
    assert kinds.count("client_report") == 1
    desk_board = dashboard.dashboard(clinic.staff("desk"))  # the front desk calls the client back
    assert desk_board.alerts[0].kind == "client_report_urgent"
    with pytest.raises(AccessError):  # reviewing is a practitioner's
        links.mark_report_reviewed(clinic.staff("desk"), links.ReviewReportRequest.of(report_id=urgent.id))
    done = links.mark_report_reviewed(clinic.staff("prac"), links.ReviewReportRequest.of(report_id=urgent.id))
    assert done.reviewed_by == clinic.ids["prac"] and done.client_id == clinic.ids["client"]
    left = [a.kind for a in dashboard.dashboard(clinic.staff("prac")).alerts]
    assert "client_report_urgent" not in left and left.count("client_report") == 1
    listed = links.client_links(
        clinic.staff("prac"), links.ClientLinksRequest.of(client_id=clinic.ids["client"])
    )
    reviewed = {r.id: r.reviewed_at is not None for r in listed.reports}
    assert reviewed == {urgent.id: True, calm.id: False}


def test_a_form_not_from_the_page_is_refused_and_nothing_is_kept(clinic: Clinic) -> None:
    made = _issue(clinic)
    with pytest.raises(AccessError) as caught:
        _triage(clinic, made.token, clinic.on_day(3), symptoms=["scabs"], form_key="0" * 64)
    assert caught.value.code == "form_not_from_page"
    with pytest.raises(AccessError):  # a key made for another link does not fit
        _triage(
            clinic,
            made.token,
            clinic.on_day(3),
            symptoms=["scabs"],
            form_key=client_portal.form_key(SECRET, "x"),
        )
    kept = clinic.store.read(
        lambda db: db.scalars(select(SymptomReport).where(SymptomReport.via == "client")).all()
    )
    assert kept == []


def test_the_same_form_sent_twice_is_kept_once(clinic: Clinic) -> None:
    made = _issue(clinic)
    first = _triage(clinic, made.token, clinic.on_day(3), symptoms=["itch"], nonce="abcdef12")
    again = _triage(clinic, made.token, clinic.on_day(3), symptoms=["itch"], nonce="abcdef12")
    assert again.id == first.id and again.replayed
    changed = _triage(clinic, made.token, clinic.on_day(3), symptoms=["redness"], nonce="abcdef12")
    assert changed.id != first.id and not changed.replayed


def test_a_link_takes_twenty_reports_a_day(clinic: Clinic) -> None:
    made = _issue(clinic)
    at = clinic.on_day(3)
    for _ in range(client_portal.REPORTS_PER_DAY):
        _triage(clinic, made.token, at, symptoms=["itch"])
    with pytest.raises(RateLimitedError) as caught:
        _triage(clinic, made.token, at, symptoms=["itch"])
    assert caught.value.http_status == 429
    assert _triage(clinic, made.token, at + dt.timedelta(days=1, minutes=1), symptoms=["itch"]).id > 0


def test_a_triage_form_needs_a_symptom_and_a_day_in_range(clinic: Clinic) -> None:
    made = _issue(clinic)
    with pytest.raises(InputError) as caught:
        _triage(clinic, made.token, clinic.on_day(3), symptoms=[])
    assert caught.value.field == "symptom"
    with pytest.raises(InputError) as caught:
        _triage(clinic, made.token, clinic.on_day(3), symptoms=["itch"], day=-1)
    assert caught.value.field == "day"


def test_the_handout_is_a_pdf(clinic: Clinic) -> None:
    made = _issue(clinic)
    pdf = client_portal.portal_handout(
        clinic.public(clinic.on_day(1)), client_portal.PortalRequest.of(token=made.token)
    )
    assert pdf.content.startswith(b"%PDF") and pdf.media_type == "application/pdf"
    assert pdf.filename == "aftercare.pdf"


def test_the_calendar_holds_the_aftercare_and_the_appointments_in_the_clinics_time(clinic: Clinic) -> None:
    made = _issue(clinic)
    zone = ZoneInfo(ZONE)
    now = clinic.on_day(1)
    starts = dt.datetime.combine(now.date() + dt.timedelta(days=20), dt.time(10, 30), tzinfo=zone)

    def book(db: Any) -> None:
        for status, when in (("booked", starts), ("cancelled", starts + dt.timedelta(days=1))):
            db.add(
                Appointment(
                    clinic_id=clinic.store.read(lambda d: d.get(Client, clinic.ids["client"]).clinic_id),
                    client_id=clinic.ids["client"],
                    practitioner_id=clinic.ids["prac"],
                    kind="touch-up",
                    starts_at=when.astimezone(dt.UTC),
                    ends_at=(when + dt.timedelta(minutes=60)).astimezone(dt.UTC),
                    minutes=60,
                    status=status,
                    created_by=clinic.ids["desk"],
                )
            )

    clinic.store.write(book)
    ics = client_portal.portal_calendar(clinic.public(now), client_portal.PortalRequest.of(token=made.token))
    cal = Calendar.from_ical(ics.content)
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    local_day = clinic.started_at.astimezone(zone).date()
    washing = events["Aftercare: no washing"]
    assert washing.decoded("dtstart") == local_day and washing.decoded("dtend") == local_day + dt.timedelta(
        days=4
    )
    visit = [e for title, e in events.items() if title.startswith("Scalp appointment")]
    assert len(visit) == 1 and visit[0].decoded("dtstart") == starts
    assert visit[0].decoded("dtstart").utcoffset() == starts.utcoffset()
    assert any(title.startswith("Call from") for title in events)
    titles = " ".join(events).lower()
    for word in ("pus", "infection", "scab", "redness", "alex", "doe"):
        assert word not in titles
    assert b"Alex" not in ics.content and b"Doe" not in ics.content


def test_every_use_of_a_link_is_audited_with_ids_only(clinic: Clinic) -> None:
    seq = clinic.store.read(lambda db: db.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc())))
    made = _issue(clinic)
    at = clinic.on_day(3)
    token = client_portal.PortalRequest.of(token=made.token)
    client_portal.portal_view(clinic.public(at), token)
    client_portal.portal_handout(clinic.public(at), token)
    client_portal.portal_calendar(clinic.public(at), token)
    _triage(clinic, made.token, at, symptoms=["scabs"])
    with pytest.raises(AccessError):
        _triage(clinic, made.token, at, symptoms=["scabs"], form_key="bad")
    entries = clinic.store.read(
        lambda db: db.scalars(select(AuditEntry).where(AuditEntry.seq > seq).order_by(AuditEntry.seq)).all()
    )
    uses = [e for e in entries if e.entity == "client_link" and e.actor_id is None]
    assert [json.loads(e.detail).get("use") for e in uses] == [
        "page",
        "handout",
        "calendar",
        "triage",
        "triage",
    ]
    assert uses[-1].action == "refuse" and all(e.entity_id == str(made.id) for e in uses)
    created = [e for e in entries if e.entity == "symptom_report"]
    assert len(created) == 1 and created[0].actor_id is None
    for e in entries:
        for private in ("Alex", "Doe", "a@example.org", "1980", made.token, "scabs"):
            assert private not in (e.detail or "") and private not in (e.entity_id or "")
    last_used = clinic.store.read(lambda db: db.get(ClientLink, made.id).last_used_at)
    assert last_used is not None
