"""The client pages: the list and its search, adding and editing a client, the record, screening with its
live outcome, consent with a drawn signature, patch tests, erasure and the record's audit trail."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from smpstudio.services import clients, lots
from smpstudio.web.pages.access import PAGE_PERMISSIONS
from smpstudio.web.pages.client_views import text_blocks
from smpstudio.web.route_table import ROUTE_PERMISSIONS
from tests.web.conftest import World, ctx_for

ROLES = ("owner", "practitioner", "front-desk")
#: The client pages a GET opens, with the roles that may open them.
PAGES = {
    "/clients": ROLES,
    "/clients/new": ROLES,
    "/clients/{client_id}": ROLES,
    "/clients/{client_id}/edit": ROLES,
    "/clients/{client_id}/screening": ("owner", "practitioner"),
    "/clients/{client_id}/consent": ROLES,
    "/clients/{client_id}/patch-tests": ("owner", "practitioner"),
    "/clients/{client_id}/sessions/new": ("owner", "practitioner"),
    "/clients/{client_id}/audit": ("owner",),
}


def csrf_of(html: str) -> str:
    """The CSRF token of a page's forms."""
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', html)
    assert found, "the page's forms carry the CSRF token"
    return found.group(1)


def form_only(c: TestClient, path: str) -> str:
    """Drop the client's CSRF header so a form must carry the token itself; returns the page's token."""
    token = csrf_of(c.get(path).text)
    del c.headers["X-CSRF-Token"]
    return token


def signature_data_url() -> str:
    """A drawn signature as the pad posts it: a small PNG as a data URL."""
    image = Image.new("RGB", (200, 60), "white")
    for x in range(20, 180):
        image.putpixel((x, 30 + (x % 7)), (0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def add_pigment(world: World, code: str = "PIG-1") -> None:
    far = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    lots.add_lot(
        ctx_for(world.store, world.users["owner"]),
        lots.AddLotRequest.of(kind="pigment", product="Black pigment", lot=code, expires=far, quantity=5),
    )


def test_every_client_page_is_in_the_route_table() -> None:
    for path in PAGES:
        assert ("GET", path) in PAGE_PERMISSIONS, path


@pytest.mark.parametrize("role", ROLES)
def test_each_page_opens_for_its_roles_and_is_refused_to_the_others(world: World, role: str) -> None:
    c = world.signed_in(role)
    for path, roles in PAGES.items():
        url = path.format(client_id=world.client)
        answer = c.get(url)
        if role in roles:
            assert answer.status_code == 200, (role, url, answer.text[:500])
            assert answer.headers["content-type"].startswith("text/html")
            assert answer.text.count("<h1") == 1 and "Traceback" not in answer.text
            twin = re.search(r'<link rel="alternate" type="application/json" href="([^"]+)">', answer.text)
            assert twin, f"{url} names its JSON twin"
            if role == "owner":  # who may read every twin
                data = c.get(twin.group(1))
                assert data.status_code == 200 and data.headers["content-type"] == "application/json", url
        else:
            assert answer.status_code == 403, (role, url)
            assert "Not allowed" in answer.text  # the error page, not a bare status


def test_another_clinics_client_is_the_not_found_page(world: World) -> None:
    owner = world.signed_in("owner")
    for path in PAGES:
        if "{client_id}" not in path:
            continue
        answer = owner.get(path.format(client_id=world.other_client))
        assert answer.status_code == 404 and "Not found" in answer.text, path
        assert "Bo Other" not in answer.text
    for path in ("/clients/{}/screening/preview", "/clients/{}/sessions/check", "/clients/{}/erase"):
        assert owner.post(path.format(world.other_client)).status_code == 404, path


def test_list_pages_through_clients_without_names_in_the_url(world: World) -> None:
    owner = ctx_for(world.store, world.users["owner"])
    for i in range(30):
        clients.add_client(
            owner, clients.AddClientRequest.of(name=f"Client {i:02d}", date_of_birth="1990-01-01")
        )
    c = world.signed_in("front-desk")
    first = c.get("/clients")
    assert first.status_code == 200 and "All clients (31)" in first.text
    assert 'href="/clients?page=2"' in first.text and "Page 1 of 2" in first.text
    second = c.get("/clients?page=2")
    assert "Page 2 of 2" in second.text and second.text.count('class="row-link"') == 6
    assert c.get("/clients?page=0").status_code == 422


def test_search_posts_the_name_and_shows_the_matches(world: World) -> None:
    c = world.signed_in("practitioner")
    answer = c.post("/clients/search", data={"query": "ALEX"})
    assert answer.status_code == 200
    assert "1 client found" in answer.text and f'href="/clients/{world.client}"' in answer.text
    assert "Bo Other" not in c.post("/clients/search", data={"query": "bo"}).text  # the other clinic's
    assert 'method="post" action="/clients/search"' in c.get("/clients").text
    assert "Search clients" in c.get("/clients").text


def test_a_client_is_added_through_the_form_with_its_csrf_field(world: World) -> None:
    c = world.signed_in("front-desk")
    token = form_only(c, "/clients/new")
    values = {
        "name": "Casey New",
        "date_of_birth": "1985-06-07",
        "phone": "+44 20 7946 0000",
        "skin_type": "IV",
    }
    assert c.post("/clients/new", data=values).status_code == 403  # no token: refused
    answer = c.post("/clients/new", data={**values, "csrf_token": token})
    assert answer.status_code == 303
    record = c.get(answer.headers["location"])
    assert record.status_code == 200 and "Casey New" in record.text and "The client was added." in record.text
    assert "Casey" not in answer.headers["location"]


def test_a_form_error_re_renders_the_form_naming_the_field(world: World) -> None:
    c = world.signed_in("owner")
    answer = c.post(
        "/clients/new", data={"name": "Dana", "date_of_birth": "1985-06-07", "email": "not-an-address"}
    )
    assert answer.status_code == 422
    assert "not an e-mail address" in answer.text
    assert re.search(r'id="f-email"[^>]*value="not-an-address"', answer.text)
    assert 'aria-invalid="true"' in answer.text and 'id="e-email"' in answer.text
    future = c.post("/clients/new", data={"name": "Dana", "date_of_birth": "2999-01-01"})
    assert future.status_code == 422 and 'id="e-date_of_birth"' in future.text


def test_editing_changes_only_the_details_posted_and_refuses_a_blank_name(world: World) -> None:
    c = world.signed_in("front-desk")
    page = c.get(f"/clients/{world.client}/edit")
    assert 'value="Alex Doe"' in page.text and 'value="1980-01-02"' in page.text
    values = {"name": "Alex Doe", "date_of_birth": "1980-01-02", "phone": "0161 496 0000", "email": ""}
    answer = c.post(f"/clients/{world.client}/edit", data=values)
    assert answer.status_code == 303
    record = c.get(f"/clients/{world.client}").text
    assert "0161 496 0000" in record and "alex@example.org" not in record  # the blank e-mail is cleared
    refused = c.post(f"/clients/{world.client}/edit", data={**values, "name": ""})
    assert refused.status_code == 422 and 'id="e-name"' in refused.text


def test_the_record_lists_next_steps_and_the_timeline(world: World) -> None:
    c = world.signed_in("owner")
    page = c.get(f"/clients/{world.client}").text
    assert "No screening yet." in page and f'href="/clients/{world.client}/screening"' in page
    assert "No treatment consent signed." in page and "Nothing recorded yet." in page
    if ("GET", "/api/v1/clients/{client_id}/export") in ROUTE_PERMISSIONS:
        assert f'href="/api/v1/clients/{world.client}/export" download' in page
    assert f'href="/clients/{world.client}/audit"' in page and "data-confirm=" in page  # owner's actions
    desk = world.signed_in("front-desk").get(f"/clients/{world.client}").text
    assert "/audit" not in desk and "/erase" not in desk and "/sessions/new" not in desk


def test_screening_preview_updates_the_outcome_and_recording_keeps_it(world: World) -> None:
    c = world.signed_in("practitioner")
    form = c.get(f"/clients/{world.client}/screening").text
    assert f'hx-post="/clients/{world.client}/screening/preview"' in form
    assert "<legend" in form and "Have you ever had keloid" in form and 'name="q_keloid_history"' in form
    preview = c.post(f"/clients/{world.client}/screening/preview", data={"q_keloid_history": "yes"})
    assert preview.status_code == 200 and "<html" not in preview.text  # a partial
    assert (
        "must not be treated" in preview.text and "keloid" in preview.text and "Still to ask" in preview.text
    )
    questions = re.findall(r'name="q_([a-z0-9_]+)" value="no"', form)
    all_no = {f"q_{q}": "no" for q in questions}
    clear = c.post(f"/clients/{world.client}/screening/preview", data=all_no)
    assert "may go ahead" in clear.text and "Still to ask" not in clear.text
    recorded = c.post(f"/clients/{world.client}/screening", data=all_no)
    assert recorded.status_code == 303 and recorded.headers["location"].endswith("?done=screened")
    record = c.get(f"/clients/{world.client}").text
    assert "the client may go ahead" in record and "No screening yet." not in record
    assert "Ready for a session." not in record  # no consent yet
    assert (
        world.signed_in("other").post(f"/clients/{world.client}/screening/preview", data=all_no).status_code
        == 404
    )


def test_consent_with_a_drawn_signature_and_photography_on_its_own(world: World) -> None:
    c = world.signed_in("front-desk")
    page = c.get(f"/clients/{world.client}/consent").text
    assert "Consent to scalp micropigmentation" in page and "the pigment, diluent and needle lots" in page
    assert 'data-signature-for="treatment-signature"' in page and 'id="treatment-signature"' in page
    assert 'data-signature-clear="treatment-signature"' in page and 'id="photography"' in page
    signed = c.post(
        f"/clients/{world.client}/consent",
        data={"kind": "treatment", "signed_name": "Alex Doe", "signature": signature_data_url()},
    )
    assert signed.status_code == 303, signed.text[:400]
    photo = c.post(
        f"/clients/{world.client}/consent", data={"kind": "photography", "signed_name": "Alex Doe"}
    )
    assert photo.status_code == 303
    after = c.get(f"/clients/{world.client}/consent").text
    assert (
        "drawn signature" in after and "typed name" in after and "Withdraw the photography consent" in after
    )
    record = c.get(f"/clients/{world.client}").text
    assert "Treatment consent signed" in record and "Photography consent signed" in record
    assert "No treatment consent signed." not in record
    withdrawn = c.post(f"/clients/{world.client}/consent/withdraw", data={"kind": "photography"})
    assert withdrawn.status_code == 303
    assert "Photography consent withdrawn" in c.get(f"/clients/{world.client}").text


def test_a_bad_signature_or_a_missing_name_re_renders_the_consent(world: World) -> None:
    c = world.signed_in("owner")
    bad = c.post(
        f"/clients/{world.client}/consent",
        data={"kind": "treatment", "signed_name": "Alex Doe", "signature": "data:image/png;base64,!!!"},
    )
    assert bad.status_code == 422 and "signature could not be read" in bad.text
    unnamed = c.post(f"/clients/{world.client}/consent", data={"kind": "treatment"})
    assert unnamed.status_code == 422 and "signed_name" in unnamed.text
    none_to_withdraw = c.post(f"/clients/{world.client}/consent/withdraw", data={"kind": "treatment"})
    assert none_to_withdraw.status_code == 422 and "no treatment consent to withdraw" in none_to_withdraw.text


def test_patch_tests_show_the_read_dates_and_record_one(world: World) -> None:
    add_pigment(world)
    c = world.signed_in("practitioner")
    first = (dt.date.today() + dt.timedelta(days=14)).isoformat()
    page = c.get(f"/clients/{world.client}/patch-tests?first_session={first}").text
    assert "Apply on" in page and "Read at" in page and "does not rule out an allergy" in page
    assert '<option value="PIG-1">' in page and "data-scan" in page
    applied = dt.datetime.combine(dt.date.today() - dt.timedelta(days=3), dt.time(10, 0))
    values = {
        "lot": "PIG-1",
        "applied": applied.isoformat(timespec="minutes"),
        "read": (applied + dt.timedelta(hours=48)).isoformat(timespec="minutes"),
        "result": "negative",
        "site": "behind the ear",
    }
    too_soon = c.post(f"/clients/{world.client}/patch-tests", data={**values, "read": values["applied"]})
    assert too_soon.status_code == 422 and 'id="e-read"' in too_soon.text
    assert c.post(f"/clients/{world.client}/patch-tests", data=values).status_code == 303
    assert "Patch test read negative" in c.get(f"/clients/{world.client}").text


def test_erasing_an_untreated_client_and_the_audit_page(world: World) -> None:
    c = world.signed_in("owner")
    assert world.signed_in("practitioner").post(f"/clients/{world.client}/erase").status_code == 403
    assert c.get(f"/clients/{world.client}").status_code == 200
    audit = c.get(f"/clients/{world.client}/audit")
    assert audit.status_code == 200 and "looked at" in audit.text and "Who saw or changed" in audit.text
    assert '<th scope="col">Who</th>' in audit.text
    erased = c.post(f"/clients/{world.client}/erase")
    assert erased.status_code == 303 and erased.headers["location"].endswith("?done=erased")
    record = c.get(erased.headers["location"]).text
    assert "The record was erased." in record and "Alex Doe" not in record


def test_consent_text_blocks_show_every_line_as_text() -> None:
    blocks = text_blocks("# Title\n\nA <b>paragraph</b>\nover two lines.\n\n- one\n- two\n  continued\n")
    assert [b.kind for b in blocks] == ["heading", "paragraph", "list"]
    assert blocks[1].lines == ["A <b>paragraph</b> over two lines."]
    assert blocks[2].lines == ["one", "two continued"]


def test_an_unfinished_screening_is_a_step_to_finish_and_the_record_is_not_ready(world: World) -> None:
    clients.screen_client(
        ctx_for(world.store, world.users["practitioner"]),
        clients.ScreenClientRequest.of(
            client_id=world.client, answers={"answers": {"keloid_history": False}}
        ),
    )
    page = world.signed_in("practitioner").get(f"/clients/{world.client}")
    assert page.status_code == 200
    assert "question(s) unanswered: no session until it is finished" in page.text
    assert "Ready for a session." not in page.text
