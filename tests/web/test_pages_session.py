"""Recording a session in the browser: the checklist filling in, a refusal in plain words, the owner's
override, the recorded session with its handout link and follow-ups, and erasure refused after treatment."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient

from smpstudio.services import clients, consent, lots
from tests.records.conftest import answers
from tests.web.conftest import World, ctx_for


@pytest.fixture
def ready(world: World) -> World:
    """The world with lots in stock and its client screened clear (no consent yet)."""
    owner = ctx_for(world.store, world.users["owner"])
    far = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    for kind, code in (("pigment", "PIG-7"), ("needle", "NDL-7"), ("diluent", "DIL-7")):
        lots.add_lot(
            owner,
            lots.AddLotRequest.of(kind=kind, product=f"{kind} brand", lot=code, expires=far, quantity=5),
        )
    clients.screen_client(owner, clients.ScreenClientRequest.of(client_id=world.client, answers=answers()))
    return world


def session_form(world: World, **extra: str) -> dict[str, str]:
    return {
        "practitioner_id": str(world.users["practitioner"]),
        "pigment_lot": "PIG-7",
        "needle_lot": "NDL-7",
        "ink_fraction": "1",
        **extra,
    }


def sign(world: World) -> None:
    consent.sign_consent(
        ctx_for(world.store, world.users["front-desk"]),
        consent.SignConsentRequest.of(client_id=world.client, signed_name="Alex Doe"),
    )


def states(html: str) -> dict[str, str]:
    """Each check of a checklist partial and its state (pass, fail or todo)."""
    found = re.findall(r'<li class="(pass|fail|todo)" data-check="([a-z_]+)"', html)
    return {code: state for state, code in found}


def test_the_form_is_ready_for_a_scanner_and_refreshes_its_checklist(ready: World) -> None:
    c = ready.signed_in("practitioner")
    page = c.get(f"/clients/{ready.client}/sessions/new").text
    assert f'hx-post="/clients/{ready.client}/sessions/check"' in page
    assert 'hx-trigger="change, keyup changed delay:400ms"' in page and 'hx-target="#checklist"' in page
    assert re.search(r'id="f-pigment_lot"[^>]*data-scan', page) and re.search(
        r'id="f-needle_lot"[^>]*data-scan', page
    )
    assert '<ul class="checklist">' in page and ">Record the session</button>" in page
    assert f'<option value="{ready.users["practitioner"]}" selected>' in page  # the practitioner treats
    empty = c.post(
        f"/clients/{ready.client}/sessions/check", data={"practitioner_id": ready.users["practitioner"]}
    )
    assert empty.status_code == 200 and "<html" not in empty.text
    found = states(empty.text)
    assert found["pigment_lot"] == "todo" and found["needle_lot"] == "todo"
    assert found["screening"] == "pass" and found["consent"] == "fail"
    assert "Enter or scan the lot." in empty.text and "✗" in empty.text and "✓" in empty.text
    lots_in = states(c.post(f"/clients/{ready.client}/sessions/check", data=session_form(ready)).text)
    assert (
        lots_in["pigment_lot"] == "pass" and lots_in["needle_lot"] == "pass" and lots_in["consent"] == "fail"
    )
    sign(ready)
    signed = c.post(f"/clients/{ready.client}/sessions/check", data=session_form(ready)).text
    assert set(states(signed).values()) == {"pass"} and "All checks pass" in signed
    unknown = states(
        c.post(f"/clients/{ready.client}/sessions/check", data=session_form(ready, pigment_lot="NOPE")).text
    )
    assert unknown["pigment_lot"] == "fail"


def test_a_refused_session_gives_the_reasons_then_is_recorded_with_its_handout(ready: World) -> None:
    c = ready.signed_in("practitioner")
    refused = c.post(f"/clients/{ready.client}/sessions/new", data=session_form(ready))
    assert refused.status_code == 409
    assert "The session was not recorded." in refused.text and "No valid treatment consent" in refused.text
    assert 'name="override_reason"' not in refused.text  # no override for a practitioner
    assert re.search(r'id="f-pigment_lot"[^>]*value="PIG-7"', refused.text)  # the form keeps its values
    sign(ready)
    recorded = c.post(f"/clients/{ready.client}/sessions/new", data=session_form(ready, notes="went well"))
    assert recorded.status_code == 303
    location = recorded.headers["location"]
    session_id = int(re.search(r"/sessions/(\d+)\?done=recorded$", location).group(1))  # type: ignore[union-attr]
    page = c.get(location)
    assert page.status_code == 200 and "The session was recorded." in page.text
    handout = f"/api/v1/clients/{ready.client}/sessions/{session_id}/handout.pdf"
    assert f'href="{handout}" download' in page.text and "Print the aftercare handout" in page.text
    assert "pigment brand, lot PIG-7" in page.text and "went well" in page.text
    assert "No follow-up booked" not in page.text and "Touch-up reminder" in page.text
    record = ready.signed_in("front-desk").get(f"/clients/{ready.client}").text
    assert "Treatment session" in record and f"/clients/{ready.client}/sessions/{session_id}" in record
    assert "the next one from" in record and "Ready for a session." not in record  # 7 days apart
    desk = ready.signed_in("front-desk").get(location)
    assert desk.status_code == 200  # any role reading the record sees the session
    assert c.get(f"/clients/{ready.client}/sessions/{session_id + 99}").status_code == 404
    other = ready.signed_in("other").get(location)
    assert other.status_code == 404 and "Alex Doe" not in other.text


def test_a_form_problem_names_the_field(ready: World) -> None:
    c = ready.signed_in("practitioner")
    answer = c.post(f"/clients/{ready.client}/sessions/new", data=session_form(ready, ink_fraction="0.5"))
    assert answer.status_code == 422 and "diluent lot" in answer.text and 'id="e-diluent_lot"' in answer.text
    partial = c.post(f"/clients/{ready.client}/sessions/check", data=session_form(ready, ink_fraction="0.5"))
    assert partial.status_code == 200 and "diluent lot" in partial.text


def _owner_refused(ready: World) -> tuple[TestClient, str]:
    sign(ready)
    owner = ready.signed_in("owner")
    assert owner.post(f"/clients/{ready.client}/sessions/new", data=session_form(ready)).status_code == 303
    again = owner.post(f"/clients/{ready.client}/sessions/new", data=session_form(ready))
    return owner, again.text if again.status_code == 409 else ""


def test_the_owner_overrides_a_refusal_the_rules_allow_and_erasure_is_refused_after(ready: World) -> None:
    owner, refused = _owner_refused(ready)
    assert "The session was not recorded." in refused and "an owner may override this" in refused
    assert 'name="override_reason"' in refused and 'name="historical"' in refused
    practitioner = ready.signed_in("practitioner")
    no_override = practitioner.post(f"/clients/{ready.client}/sessions/new", data=session_form(ready))
    assert no_override.status_code == 409 and 'name="override_reason"' not in no_override.text
    forced = owner.post(
        f"/clients/{ready.client}/sessions/new",
        data=session_form(ready, override_reason="the client travels abroad tomorrow; checked the healing"),
    )
    assert forced.status_code == 303
    session_page = owner.get(forced.headers["location"]).text
    assert "Overridden by the owner" in session_page and "travels abroad" in session_page
    erase = owner.post(f"/clients/{ready.client}/erase")
    assert erase.status_code == 409
    assert (
        "Not erased: the record must be kept until" in erase.text
        and "years after the last session" in erase.text
    )
