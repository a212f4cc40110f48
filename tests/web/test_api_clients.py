"""The clients API: the list and the search, adding and changing a client, the whole record, the export, the
erasure with its retention answer, the audit entries about a client and the consent text; each route's role
table, and another clinic's client answering 404."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient

from smpstudio.services import clients, consent, lots, sessions
from smpstudio.web.api.access import API_PERMISSIONS
from smpstudio.web.permissions import allows
from tests.records.conftest import answers
from tests.web.conftest import World, ctx_for

#: Every route of this module with a valid body, the client's id left as ``{client_id}``.
ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/v1/clients", None),
    ("POST", "/api/v1/clients/search", {"query": "doe"}),
    ("POST", "/api/v1/clients", {"name": "New Client", "date_of_birth": "1990-03-04"}),
    ("GET", "/api/v1/clients/{client_id}", None),
    ("PATCH", "/api/v1/clients/{client_id}", {"phone": "+44 1"}),
    ("GET", "/api/v1/clients/{client_id}/export", None),
    ("POST", "/api/v1/clients/{client_id}/erase", None),
    ("GET", "/api/v1/clients/{client_id}/audit", None),
    ("GET", "/api/v1/consent-texts/treatment", None),
]


def call(c: TestClient, method: str, path: str, body: dict[str, Any] | None, client_id: int) -> Any:
    return c.request(method, path.replace("{client_id}", str(client_id)), json=body)


def template(path: str) -> str:
    return path.replace("/treatment", "/{kind}")


def test_every_route_of_this_module_is_in_the_route_table() -> None:
    for method, path, _ in ROUTES:
        assert (method, template(path)) in API_PERMISSIONS


DENIED = [
    (role, method, path, body)
    for role in ("practitioner", "front-desk")
    for method, path, body in ROUTES
    if not allows(role, API_PERMISSIONS[(method, template(path))])
]


@pytest.mark.parametrize(
    ("role", "method", "path", "body"), DENIED, ids=[f"{r} {m} {p}" for r, m, p, _ in DENIED]
)
def test_a_role_without_the_permission_is_refused_403(
    world: World, role: str, method: str, path: str, body: dict[str, Any] | None
) -> None:
    answer = call(world.signed_in(role), method, path, body, world.client)
    assert answer.status_code == 403 and answer.json()["kind"] == "forbidden"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [r for r in ROUTES if "{client_id}" in r[1]],
    ids=[f"{m} {p}" for m, p, _ in ROUTES if "{client_id}" in p],
)
def test_another_clinics_client_is_not_found(
    world: World, method: str, path: str, body: dict[str, Any] | None
) -> None:
    answer = call(world.signed_in("owner"), method, path, body, world.other_client)
    assert answer.status_code == 404 and answer.json()["code"] == "no_client", answer.text


def test_the_list_pages_through_the_clinics_clients_only(world: World) -> None:
    owner = ctx_for(world.store, world.users["owner"])
    for name in ("Cy Three", "Bea Two"):
        clients.add_client(owner, clients.AddClientRequest.of(name=name, date_of_birth="1990-01-01"))
    c = world.bearer("front-desk")
    first = c.get("/api/v1/clients", params={"page": 1, "per_page": 2})
    assert first.status_code == 200
    body = first.json()
    assert [x["name"] for x in body["clients"]] == ["Alex Doe", "Bea Two"]
    assert (body["total"], body["page"], body["per_page"]) == (3, 1, 2)
    second = c.get("/api/v1/clients", params={"page": 2, "per_page": 2}).json()
    assert [x["name"] for x in second["clients"]] == ["Cy Three"]
    for bad in ({"per_page": 101}, {"page": 0}, {"page": "x"}):
        answer = c.get("/api/v1/clients", params=bad)
        assert answer.status_code == 422 and answer.json()["field"] == next(iter(bad))
    theirs = world.bearer("other").get("/api/v1/clients").json()
    assert [x["name"] for x in theirs["clients"]] == ["Bo Other"]


def test_the_search_takes_the_name_in_the_body(world: World) -> None:
    c = world.signed_in("front-desk")
    found = c.post("/api/v1/clients/search", json={"query": "ALEX"})
    assert found.status_code == 200 and [x["id"] for x in found.json()["clients"]] == [world.client]
    assert c.post("/api/v1/clients/search", json={"query": "bo other"}).json()["total"] == 0  # clinic B's
    missing = c.post("/api/v1/clients/search", json={"page": 1})
    assert missing.status_code == 422 and missing.json()["field"] == "query"
    extra = c.post("/api/v1/clients/search", json={"query": "a", "name": "x"})
    assert extra.status_code == 422 and extra.json()["field"] == "name"


def test_adding_a_client_answers_201_and_checks_each_field(world: World) -> None:
    c = world.signed_in("front-desk")
    body = {
        "name": "Sam New",
        "date_of_birth": "1985-06-07",
        "email": "sam@example.org",
        "phone": "+44 7700 900000",
        "skin_type": "IV",
    }
    added = c.post("/api/v1/clients", json=body)
    assert added.status_code == 201
    record = c.get(f"/api/v1/clients/{added.json()['id']}").json()
    assert {k: record["client"][k] for k in body} == body
    for field, value in (
        ("email", "nope"),
        ("phone", "none"),
        ("skin_type", "VII"),
        ("date_of_birth", "2999-01-01"),
        ("date_of_birth", "07/06/1985"),
        ("name", ""),
    ):
        answer = c.post("/api/v1/clients", json={**body, field: value})
        assert answer.status_code == 422 and answer.json()["field"] == field, (field, answer.text)
    answer = c.post("/api/v1/clients", json={"date_of_birth": "1985-06-07"})
    assert answer.status_code == 422 and answer.json()["field"] == "name"


def test_the_whole_record_is_read_and_the_read_audited(world: World) -> None:
    answer = world.signed_in("practitioner").get(f"/api/v1/clients/{world.client}")
    assert answer.status_code == 200
    record = answer.json()
    assert record["client"]["name"] == "Alex Doe" and record["sessions"] == []
    assert set(record) >= {"screenings", "consents", "patch_tests", "designs", "photos", "follow_ups"}
    trail = world.signed_in("owner").get(f"/api/v1/clients/{world.client}/audit").json()
    newest = trail["entries"][0]
    assert (newest["action"], newest["entity"], newest["user_id"]) == (
        "read",
        "client",
        world.users["practitioner"],
    )


def test_patch_changes_only_the_fields_given(world: World) -> None:
    c = world.signed_in("front-desk")
    url = f"/api/v1/clients/{world.client}"
    answer = c.patch(url, json={"phone": "+44 20 7946 0000", "email": None})
    assert answer.status_code == 200 and answer.json() == {"id": world.client, "changed": ["email", "phone"]}
    details = c.get(url).json()["client"]
    assert (details["phone"], details["email"], details["skin_type"]) == ("+44 20 7946 0000", None, "III")
    assert c.patch(url, json={}).json()["changed"] == []
    for body, field in (
        ({"email": "nope"}, "email"),
        ({"name": None}, "name"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"client_id": world.other_client}, "client_id"),
        ({"notes": "x"}, "notes"),
    ):
        bad = c.patch(url, json=body)
        assert bad.status_code == 422 and bad.json()["field"] == field, (body, bad.text)
    entries = world.signed_in("owner").get(f"{url}/audit").json()["entries"]
    update = next(e for e in entries if e["action"] == "update")
    assert update["detail"] == {"fields": []}
    assert "7946" not in json.dumps(entries)


def test_the_export_is_a_zip_attachment_without_the_clients_name_in_its_file_name(world: World) -> None:
    answer = world.signed_in("owner").get(f"/api/v1/clients/{world.client}/export")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    disposition = answer.headers["content-disposition"]
    assert disposition == f'attachment; filename="client-{world.client}-export.zip"'
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        record = json.loads(archive.read("record.json"))
    assert record["client"]["name"] == "Alex Doe"


def _treated(world: World) -> None:
    """Clinic A's client screened, consented and treated today (so the retention period holds the record)."""
    owner = ctx_for(world.store, world.users["owner"])
    prac = ctx_for(world.store, world.users["practitioner"])
    clients.screen_client(prac, clients.ScreenClientRequest.of(client_id=world.client, answers=answers()))
    consent.sign_consent(prac, consent.SignConsentRequest.of(client_id=world.client, signed_name="Alex Doe"))
    for kind, code in (("pigment", "P1"), ("needle", "N1")):
        lots.add_lot(
            owner,
            lots.AddLotRequest.of(kind=kind, product=kind, lot=code, expires="2999-01-01", quantity=5),
        )
    request = sessions.SessionRequest.of(
        client_id=world.client, practitioner_id=world.users["practitioner"], pigment_lot="P1", needle_lot="N1"
    )
    assert isinstance(sessions.record_session(prac, request), sessions.SessionRecorded)


def test_erasure_is_refused_409_with_the_retention_answer_then_done_when_allowed(world: World) -> None:
    _treated(world)
    c = world.signed_in("owner")
    refused = c.post(f"/api/v1/clients/{world.client}/erase")
    assert refused.status_code == 409
    body = refused.json()
    assert (body["code"], body["kind"]) == ("erasure_refused", "refused")
    assert body["detail"]["erased"] is False and body["detail"]["retained_until"] > "2030-01-01"
    assert "years after the last session" in body["detail"]["reason"]
    assert c.get(f"/api/v1/clients/{world.client}").json()["client"]["name"] == "Alex Doe"
    never_treated = c.post("/api/v1/clients", json={"name": "Gone Soon", "date_of_birth": "1990-01-01"})
    erased = c.post(f"/api/v1/clients/{never_treated.json()['id']}/erase")
    assert erased.status_code == 200 and erased.json() == {
        "erased": True,
        "client": never_treated.json()["id"],
    }


def test_the_audit_is_paged_newest_first(world: World) -> None:
    c = world.signed_in("owner")
    for _ in range(3):
        c.get(f"/api/v1/clients/{world.client}")
    whole = c.get(f"/api/v1/clients/{world.client}/audit").json()
    page = c.get(f"/api/v1/clients/{world.client}/audit", params={"page": 2, "per_page": 2}).json()
    assert (page["page"], page["per_page"], page["total"]) == (2, 2, whole["total"] + 1)
    assert [e["seq"] for e in page["entries"]] == [e["seq"] for e in whole["entries"]][1:3]
    assert all(
        set(e) == {"seq", "at", "user_id", "user_name", "action", "entity", "entity_id", "detail"}
        for e in whole["entries"]
    )
    bad = c.get(f"/api/v1/clients/{world.client}/audit", params={"per_page": 500})
    assert bad.status_code == 422 and bad.json()["field"] == "per_page"


def test_the_consent_text_is_the_clinics_current_one_in_full(world: World) -> None:
    c = world.signed_in("front-desk")
    text = c.get("/api/v1/consent-texts/treatment")
    assert text.status_code == 200
    body = text.json()
    assert body["kind"] == "treatment" and len(body["body"]) > 100 and body["clinic_own"] is False
    assert c.get("/api/v1/consent-texts/photography").json()["kind"] == "photography"
    bad = c.get("/api/v1/consent-texts/tattoo")
    assert bad.status_code == 422 and bad.json()["field"] == "kind"
    missing = c.get("/api/v1/consent-texts/treatment", params={"version": "v999"})
    assert missing.status_code == 404 and missing.json()["field"] == "version"
