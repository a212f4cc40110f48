"""The parts of a client's record through the API: screening, consents (a drawn signature), patch tests,
designs, photos, sessions (refused with every reason, then recorded; the owner's override), the dry-run
checklist, the aftercare handout and the follow-ups; each route's role table and another clinic's client."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from smpstudio.services import clinic_settings, lots
from smpstudio.web.api.access import API_PERMISSIONS
from smpstudio.web.api.client_record import SessionBody
from smpstudio.web.permissions import allows
from tests.records.conftest import answers
from tests.records.test_client_services import pdf_text
from tests.web.conftest import World, ctx_for
from tests.web.populated import design_document, png_bytes

SESSION = {"practitioner_id": 0, "pigment_lot": "P1", "needle_lot": "N1"}
PATCH_TEST = {
    "lot": "P1",
    "applied": "2020-01-01T10:00",
    "read": "2020-01-03T10:00",
    "result": "negative",
}


def routes(world: World) -> list[tuple[str, str, dict[str, Any] | None]]:
    """Every route of this module with a valid body (``{client_id}`` left in the path)."""
    session = {**SESSION, "practitioner_id": world.users["practitioner"]}
    return [
        ("GET", "/api/v1/clients/{client_id}/screening", None),
        ("POST", "/api/v1/clients/{client_id}/screening", answers()),
        ("GET", "/api/v1/clients/{client_id}/consents", None),
        ("POST", "/api/v1/clients/{client_id}/consents", {"signed_name": "Alex Doe"}),
        ("POST", "/api/v1/clients/{client_id}/consents/1/withdraw", None),
        ("GET", "/api/v1/clients/{client_id}/patch-tests", None),
        ("POST", "/api/v1/clients/{client_id}/patch-tests", PATCH_TEST),
        ("GET", "/api/v1/clients/{client_id}/designs", None),
        ("POST", "/api/v1/clients/{client_id}/designs", {"document": design_document()}),
        ("GET", "/api/v1/clients/{client_id}/photos", None),
        ("GET", "/api/v1/clients/{client_id}/sessions", None),
        ("POST", "/api/v1/clients/{client_id}/sessions", session),
        ("POST", "/api/v1/clients/{client_id}/sessions/check", session),
        ("GET", "/api/v1/clients/{client_id}/sessions/1/handout.pdf", None),
        ("GET", "/api/v1/clients/{client_id}/follow-ups", None),
    ]


def template(path: str) -> str:
    return path.replace("/consents/1/", "/consents/{consent_id}/").replace(
        "/sessions/1/", "/sessions/{session_id}/"
    )


def call(c: TestClient, method: str, path: str, body: Any, client_id: int) -> Any:
    return c.request(method, path.replace("{client_id}", str(client_id)), json=body)


def stock(world: World, *, phone: str | None = None) -> None:
    """Lots in clinic A (and the clinic's details for handouts)."""
    owner = ctx_for(world.store, world.users["owner"])
    for kind, code in (("pigment", "P1"), ("needle", "N1"), ("diluent", "D1")):
        lots.add_lot(
            owner, lots.AddLotRequest.of(kind=kind, product=kind, lot=code, expires="2999-01-01", quantity=5)
        )
    if phone is not None:
        details = clinic_settings.UpdateClinicRequest.of(phone=phone, address="2 Mill Lane\nLeeds LS1 4AP")
        clinic_settings.update_clinic(owner, details)


def test_the_route_table_and_the_session_body_match_the_service(world: World) -> None:
    for method, path, _ in routes(world):
        assert (method, template(path)) in API_PERMISSIONS
    body = SessionBody.model_json_schema()["properties"]
    from smpstudio.services.sessions import SessionRequest

    assert set(body) == set(SessionRequest.model_fields) - {"client_id"}


@pytest.mark.parametrize("role", ["practitioner", "front-desk"])
def test_a_role_without_the_permission_is_refused_403(world: World, role: str) -> None:
    c = world.signed_in(role)
    refused = 0
    for method, path, body in routes(world):
        if allows(role, API_PERMISSIONS[(method, template(path))]):
            continue
        answer = call(c, method, path, body, world.client)
        assert answer.status_code == 403, (method, path, answer.text)
        refused += 1
    assert refused >= (0 if role == "practitioner" else 9)


def test_another_clinics_client_is_not_found_on_every_route(world: World) -> None:
    stock(world)
    c = world.signed_in("owner")
    for method, path, body in routes(world):
        answer = call(c, method, path, body, world.other_client)
        assert answer.status_code == 404, (method, path, answer.text)
        assert answer.json()["kind"] == "not_found"


def test_screening_is_recorded_and_listed(world: World) -> None:
    c = world.signed_in("practitioner")
    url = f"/api/v1/clients/{world.client}/screening"
    done = c.post(url, json={"answers": answers(isotretinoin_recent=False)["answers"]})
    assert done.status_code == 201 and done.json()["outcome"] == "proceed"
    assert [s["id"] for s in c.get(url).json()["screenings"]] == [done.json()["id"]]
    for body, field in (
        ({"answers": {"diabetes": "yes"}}, "answers.diabetes"),
        ({"answers": {"no_such_question": True}}, "answers"),
        ({"answers": {}, "date_of_birth": "1999-09-09"}, "date_of_birth"),
        ({}, "answers"),
    ):
        bad = c.post(url, json=body)
        assert bad.status_code == 422 and bad.json()["field"] == field, (body, bad.text)


def test_a_consent_is_signed_with_a_drawn_signature_and_withdrawn(world: World) -> None:
    c = world.signed_in("front-desk")
    url = f"/api/v1/clients/{world.client}/consents"
    drawn = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    signed = c.post(url, json={"signed_name": "Alex Doe", "signature_png": drawn})
    assert signed.status_code == 201, signed.text
    assert signed.json()["kind"] == "treatment" and signed.json()["warnings"] == []
    plain = c.post(url, json={"signed_name": "Alex Doe", "kind": "photography", "signature_png": drawn[22:]})
    assert plain.status_code == 201 and plain.json()["kind"] == "photography"
    listed = c.get(url).json()["consents"]
    assert [x["id"] for x in listed] == [signed.json()["id"], plain.json()["id"]]
    assert listed[0]["signature_sha256"] is not None
    for body, field in (
        ({"signed_name": "A", "signature_png": "data:text/html;base64,AAAA"}, "signature_png"),
        ({"signed_name": "A", "signature_png": "not base64!"}, "signature_png"),
        ({"signed_name": "A", "signature_png": base64.b64encode(b"not an image").decode()}, "signature"),
        ({"signed_name": ""}, "signed_name"),
        ({"signed_name": "A", "kind": "tattoo"}, "kind"),
        ({"signed_name": "A", "version": "v999"}, "version"),
    ):
        bad = c.post(url, json=body)
        assert bad.status_code == 422 and bad.json()["field"] == field, (body, bad.text)
    withdraw = f"{url}/{signed.json()['id']}/withdraw"
    assert c.post(withdraw).json() == {"withdrawn": [signed.json()["id"]]}
    again = c.post(withdraw)
    assert again.status_code == 404 and again.json()["code"] == "no_consent"
    still = c.get(url).json()["consents"]
    assert still[0]["withdrawn_at"] is not None and still[1]["withdrawn_at"] is None


def test_patch_tests_designs_and_photos(world: World) -> None:
    stock(world)
    c = world.signed_in("practitioner")
    base = f"/api/v1/clients/{world.client}"
    test = c.post(f"{base}/patch-tests", json=PATCH_TEST)
    assert test.status_code == 201 and test.json()["hours"] == 48.0
    assert [t["id"] for t in c.get(f"{base}/patch-tests").json()["patch_tests"]] == [test.json()["id"]]
    bad = c.post(f"{base}/patch-tests", json={**PATCH_TEST, "lot": "N1"})
    assert bad.status_code == 422 and bad.json()["field"] == "lot"
    extra = c.post(f"{base}/patch-tests", json={**PATCH_TEST, "client_id": world.other_client})
    assert extra.status_code == 422 and extra.json()["field"] == "client_id"
    design = c.post(f"{base}/designs", json={"document": design_document()})
    assert design.status_code == 201 and design.json()["version"] == 1
    assert c.get(f"{base}/designs").json()["designs"][0]["sha256"] == design.json()["sha256"]
    assert c.post(f"{base}/designs", json={"document": []}).status_code == 422
    photo = {"file": ("p.png", png_bytes((64, 64)), "image/png")}
    no_consent = c.post(f"{base}/photos", files=photo, data={"view": "front"})
    assert no_consent.status_code == 422 and no_consent.json()["code"] == "photo_consent_missing"
    c.post(f"{base}/consents", json={"signed_name": "Alex Doe", "kind": "photography"})
    stored = c.post(f"{base}/photos", files=photo, data={"view": "front", "kind": "before"})
    assert stored.status_code == 201 and stored.json()["media_type"] == "image/png"
    assert c.get(f"{base}/photos").json()["photos"][0]["view"] == "front"
    not_image = {"file": ("p.png", b"<html>", "image/png")}
    assert c.post(f"{base}/photos", files=not_image, data={"view": "front"}).status_code == 422
    missing_view = c.post(f"{base}/photos", files=photo)
    assert missing_view.status_code == 422 and missing_view.json()["field"] == "view"
    bad_marks = c.post(f"{base}/photos", files=photo, data={"view": "top", "landmarks": "{"})
    assert bad_marks.status_code == 422 and bad_marks.json()["field"] == "landmarks"


def test_a_session_is_refused_with_every_reason_then_recorded_with_its_handout(world: World) -> None:
    stock(world, phone="+44 113 496 0000")
    prac = world.signed_in("practitioner")
    base = f"/api/v1/clients/{world.client}"
    session = {**SESSION, "practitioner_id": world.users["practitioner"]}
    check = prac.post(f"{base}/sessions/check", json=session)
    assert check.status_code == 200 and check.json()["ready"] is False
    failing = [i["code"] for i in check.json()["items"] if not i["passed"]]
    assert failing == ["screening", "consent"]
    refused = prac.post(f"{base}/sessions", json=session)
    assert refused.status_code == 409
    body = refused.json()
    assert (body["code"], body["kind"]) == ("session_refused", "refused")
    assert [r["code"] for r in body["detail"]["reasons"]] == ["screening_missing", "consent_missing"]
    assert "screen the client first" in body["error"]
    assert prac.get(f"{base}/sessions").json()["sessions"] == []
    prac.post(f"{base}/screening", json=answers())
    halfway = prac.post(f"{base}/sessions/check", json=session).json()
    assert [i["code"] for i in halfway["items"] if not i["passed"]] == ["consent"]
    prac.post(f"{base}/consents", json={"signed_name": "Alex Doe"})
    ready = prac.post(f"{base}/sessions/check", json=session).json()
    assert ready["ready"] is True and all(i["passed"] for i in ready["items"])
    recorded = prac.post(f"{base}/sessions", json=session)
    assert recorded.status_code == 201, recorded.text
    session_id = recorded.json()["id"]
    assert recorded.json()["follow_ups"]
    listed = prac.get(f"{base}/sessions").json()["sessions"]
    assert [s["id"] for s in listed] == [session_id] and listed[0]["pigment_lot"]["lot"] == "P1"
    due = prac.get(f"{base}/follow-ups").json()["follow_ups"]
    assert {f["id"] for f in due} == {f["id"] for f in recorded.json()["follow_ups"]}
    pdf = world.signed_in("front-desk").get(f"{base}/sessions/{session_id}/handout.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == f'attachment; filename="aftercare-session-{session_id}.pdf"'
    text = pdf_text(pdf.content)
    assert (
        "Alex Doe" in text and "+44 113 496 0000" in text and "Clinic A" in text and "Leeds LS1 4AP" in text
    )
    assert "Rules" not in text and "[" not in text
    missing = prac.get(f"{base}/sessions/{session_id + 100}/handout.pdf")
    assert missing.status_code == 404 and missing.json()["code"] == "no_session"


def test_the_owner_overrides_an_overridable_refusal(world: World) -> None:
    stock(world)
    owner = world.signed_in("owner")
    base = f"/api/v1/clients/{world.client}"
    owner.post(f"{base}/screening", json=answers())
    owner.post(f"{base}/consents", json={"signed_name": "Alex Doe"})
    session = {**SESSION, "practitioner_id": world.users["practitioner"]}
    assert owner.post(f"{base}/sessions", json=session).status_code == 201
    again = owner.post(f"{base}/sessions", json=session)
    assert again.status_code == 409 and [r["code"] for r in again.json()["detail"]["reasons"]] == ["too_soon"]
    assert again.json()["detail"]["reasons"][0]["overridable"] is True
    checklist = owner.post(f"{base}/sessions/check", json=session).json()
    assert checklist["ready"] is False and checklist["overridable"] is True
    by_prac = world.signed_in("practitioner").post(
        f"{base}/sessions", json={**session, "override_reason": "client travelling abroad"}
    )
    assert by_prac.status_code == 409 and by_prac.json()["detail"]["override"] == "only an owner may override"
    done = owner.post(f"{base}/sessions", json={**session, "override_reason": "client travelling abroad"})
    assert done.status_code == 201 and done.json()["overridden"] == ["too_soon"]


def test_session_bodies_are_checked_naming_the_field(world: World) -> None:
    stock(world)
    c = world.signed_in("practitioner")
    base = f"/api/v1/clients/{world.client}"
    session = {**SESSION, "practitioner_id": world.users["practitioner"]}
    later = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    for body, field in (
        ({**session, "ink_fraction": 2}, "ink_fraction"),
        ({**session, "ink_fraction": 0.5}, "diluent_lot"),
        ({**session, "zones": ["ear"]}, "zones"),
        ({**session, "pigment_lot": ""}, "pigment_lot"),
        ({**session, "started": "soon"}, "started"),
        ({**session, "client_id": world.client}, "client_id"),
        ({k: v for k, v in session.items() if k != "needle_lot"}, "needle_lot"),
    ):
        for route in ("sessions", "sessions/check"):
            bad = c.post(f"{base}/{route}", json=body)
            assert bad.status_code == 422 and bad.json()["field"] == field, (route, body, bad.text)
    future = c.post(f"{base}/sessions/check", json={**session, "started": f"{later}T10:00"}).json()
    assert next(i["code"] for i in future["items"] if not i["passed"]) == "when"
    unknown = c.post(f"{base}/sessions/check", json={**session, "needle_lot": "NOPE"}).json()
    needle = next(i for i in unknown["items"] if i["code"] == "needle_lot")
    assert needle["passed"] is False and needle["reasons"][0]["code"] == "lot_unknown"
    other_prac = c.post(f"{base}/sessions/check", json={**session, "practitioner_id": world.users["other"]})
    assert other_prac.status_code == 404 and other_prac.json()["field"] == "practitioner"
