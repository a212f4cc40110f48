"""Clinic isolation on every route that takes an id: clinic A's owner asking with clinic B's ids (a client,
session, lot, cycle, follow-up, user, token, consent ...) gets 404, as for an id that does not exist, and the
request changes nothing, reads nothing into the audit trail and writes nothing to clinic B's.

A route with several ids is also asked with A's own ids but one of B's (B's session under A's client, B's
token under A's user), so a record is found only through its own parent. Every route's path parameters
must have a source in :data:`tests.web.populated.PATH_IDS`: a new id-taking route fails here until it has one.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from smpstudio.records.models import AuditEntry
from smpstudio.web.route_table import ROUTE_PERMISSIONS
from tests.web.populated import (
    Entities,
    Populated,
    png_bytes,
    populated_fixture,  # noqa: F401  (the fixture)
    populated_template_fixture,  # noqa: F401  (the fixture)
)
from tests.web.route_calls import (
    PATH_IDS,
    audit_since,
    call_route,
    fill_path,
    ids_of,
    last_audit_seq,
    missing_path_sources,
    patch_test,
    path_params,
    snapshot,
)

ROUTES = sorted(ROUTE_PERMISSIONS)
ID_ROUTES = [(m, p) for m, p in ROUTES if any(param in PATH_IDS for param in path_params(p))]


def test_every_path_parameter_has_an_id_source() -> None:
    missing = missing_path_sources(ROUTES)
    assert not missing, f"add these to PATH_IDS or PATH_WORDS in tests/web/populated.py: {missing}"


def test_the_two_clinics_records_have_different_ids(populated: Populated) -> None:
    mine, theirs = ids_of(populated.a), ids_of(populated.b)
    same = [name for name in PATH_IDS if mine[name] == theirs[name]]
    assert not same, f"clinic B's ids must differ from clinic A's to test isolation: {same}"
    assert populated.a.clinic_id == populated.clinic and populated.b.clinic_id == populated.other_clinic


#: The audit trail's entity name for each id-taking path parameter (for the leak check).
AUDIT_ENTITY = {
    "client_id": "client",
    "session_id": "session",
    "lot_id": "lot",
    "cycle_id": "sterilisation_cycle",
    "action_id": "corrective_action",
    "consent_id": "consent",
    "followup_id": "followup",
    "event_id": "adverse_event",
    "user_id": "user",
    "token_id": "api_token",
    "repair_id": "repair_map",
}


def _variants(path: str, populated: Populated) -> list[tuple[str, dict[str, int | str], list[str]]]:
    """All of B's ids; and where the path takes several, A's ids with one of B's in each place (with the
    parameters that hold B's ids)."""
    mine, theirs = ids_of(populated.a), ids_of(populated.b)
    params = [p for p in path_params(path) if p in PATH_IDS]
    variants = [("all of clinic B's ids", theirs, params)]
    if len(params) > 1:
        variants += [(f"clinic B's {p} under clinic A's", {**mine, p: theirs[p]}, [p]) for p in params]
    return variants


def _about_theirs(entry: AuditEntry, values: dict[str, int | str], foreign: list[str], b_client: int) -> bool:
    """Whether a done (not refused) audit entry is about one of clinic B's records asked for."""
    named = {(AUDIT_ENTITY.get(p, p.removesuffix("_id")), str(values[p])) for p in foreign}
    detail = json.loads(entry.detail or "{}")
    return (entry.entity, entry.entity_id) in named or detail.get("client") == b_client


@pytest.mark.parametrize(("method", "path"), ID_ROUTES, ids=[f"{m} {p}" for m, p in ID_ROUTES])
def test_another_clinics_ids_are_not_found(
    populated: Populated,
    method: str,
    path: str,
) -> None:
    store = populated.store
    client = populated.cookie("owner")
    for what, values, foreign in _variants(path, populated):
        url = fill_path(path, values)
        before, seq = snapshot(store), last_audit_seq(store)
        answer = call_route(client, method, path, url, populated.a)
        assert answer.status_code == 404, (what, answer.status_code, answer.text[:400])
        if path.startswith("/api/"):
            assert answer.json()["kind"] == "not_found", answer.text[:400]
        else:
            assert answer.headers["content-type"].startswith("text/html")
        assert snapshot(store) == before, f"{what}: the store changed"
        entries = audit_since(store, seq)
        theirs = [(e.action, e.entity, e.entity_id) for e in entries if e.clinic_id == populated.other_clinic]
        assert not theirs, f"{what}: written to clinic B's trail: {theirs}"
        leaked = [
            (e.action, e.entity, e.entity_id, e.detail)
            for e in entries
            if e.action != "refuse" and _about_theirs(e, values, foreign, populated.b.client_id)
        ]
        assert not leaked, f"{what}: clinic B's record audited as read or changed: {leaked}"


def _session_with(a: Entities, **theirs: Any) -> dict[str, Any]:
    body = {
        "practitioner_id": a.staff_id,
        "pigment_lot": f"#{a.pigment_lot_id}",
        "needle_lot": f"#{a.needle_lot_id}",
        "ink_fraction": 1.0,
    }
    return {**body, **theirs}


#: Another clinic's ids sent in a body or a query, beside clinic A's own path: (what, method, url, parts).
BODY_CASES: list[tuple[str, Callable[[Entities, Entities], tuple[str, str, dict[str, Any]]]]] = [
    (
        "an adverse event for B's client",
        lambda a, b: (
            "POST",
            "/api/v1/adverse-events",
            {"json": {"client_id": b.client_id, "description": "x"}},
        ),
    ),
    (
        "an adverse event on B's session",
        lambda a, b: (
            "POST",
            "/api/v1/adverse-events",
            {"json": {"client_id": a.client_id, "session_id": b.session_id, "description": "x"}},
        ),
    ),
    (
        "the adverse-event form for B's client",
        lambda a, b: ("GET", f"/adverse-events/new?client_id={b.client_id}", {}),
    ),
    (
        "the adverse-event form posted for B's client",
        lambda a, b: (
            "POST",
            "/adverse-events",
            {"data": {"client_id": str(b.client_id), "description": "x"}},
        ),
    ),
    (
        "the session form with B's pigment lot",
        lambda a, b: (
            "POST",
            f"/clients/{a.client_id}/sessions/new",
            {"data": _session_with(a, pigment_lot=f"#{b.pigment_lot_id}")},
        ),
    ),
    (
        "the patch-test form on B's pigment lot",
        lambda a, b: (
            "POST",
            f"/clients/{a.client_id}/patch-tests",
            {"data": {"lot": f"#{b.pigment_lot_id}", "site": "ear", **patch_test()}},
        ),
    ),
    (
        "a session with B's pigment lot",
        lambda a, b: (
            "POST",
            f"/api/v1/clients/{a.client_id}/sessions",
            {"json": _session_with(a, pigment_lot=f"#{b.pigment_lot_id}")},
        ),
    ),
    (
        "a session by B's practitioner",
        lambda a, b: (
            "POST",
            f"/api/v1/clients/{a.client_id}/sessions",
            {"json": _session_with(a, practitioner_id=b.staff_id)},
        ),
    ),
    (
        "a session on B's sterilisation cycle",
        lambda a, b: (
            "POST",
            f"/api/v1/clients/{a.client_id}/sessions",
            {"json": _session_with(a, sterilisation_cycle=b.cycle_id)},
        ),
    ),
    (
        "a session checklist with B's needle lot",
        lambda a, b: (
            "POST",
            f"/api/v1/clients/{a.client_id}/sessions/check",
            {"json": _session_with(a, needle_lot=f"#{b.needle_lot_id}")},
        ),
    ),
    (
        "a patch test on B's pigment lot",
        lambda a, b: (
            "POST",
            f"/api/v1/clients/{a.client_id}/patch-tests",
            {"json": {"lot": f"#{b.pigment_lot_id}", **patch_test()}},
        ),
    ),
    (
        "a symptom report on B's session",
        lambda a, b: (
            "POST",
            f"/api/v1/clients/{a.client_id}/symptom-reports",
            {"json": {"day": 2, "symptoms": ["redness"], "session_id": b.session_id}},
        ),
    ),
    (
        "a photo of B's session",
        lambda a, b: (
            "POST",
            f"/api/v1/clients/{a.client_id}/photos",
            {
                "data": {"view": "front", "session_id": str(b.session_id)},
                "files": {"file": ("photo.png", png_bytes((64, 64)), "image/png")},
            },
        ),
    ),
]


#: Ids no clinic has: what another clinic's ids must be indistinguishable from.
MISSING = 999_999


def _missing(entities: Entities) -> Entities:
    return dataclasses.replace(entities, **{f.name: MISSING for f in dataclasses.fields(entities)})


def _ask(populated: Populated, method: str, url: str, parts: dict[str, Any]) -> tuple[int, str]:
    client = populated.cookie("owner")
    if not url.startswith("/api/") and "data" in parts:  # a page's form, with its CSRF field
        parts = {**parts, "data": {**parts["data"], "csrf_token": client.headers["X-CSRF-Token"]}}
    answer = client.request(method, url, **parts)
    return answer.status_code, answer.text


@pytest.mark.parametrize("case", [c for _, c in BODY_CASES], ids=[w for w, _ in BODY_CASES])
def test_another_clinics_ids_in_a_body_or_query_answer_as_missing_ones(
    populated: Populated, case: Callable[[Entities, Entities], tuple[str, str, dict[str, Any]]]
) -> None:
    store = populated.store
    before, seq = snapshot(store), last_audit_seq(store)
    method, url, parts = case(populated.a, populated.b)
    status, text = _ask(populated, method, url, parts)
    assert status in (404, 409, 422) or url.endswith("/check"), (status, text[:400])
    assert snapshot(store) == before, "the store changed"
    entries = audit_since(store, seq)
    assert not [e for e in entries if e.clinic_id == populated.other_clinic], "written to clinic B's trail"
    # the same request with ids that exist nowhere answers the same (but for the id itself)
    method, url, parts = case(populated.a, _missing(populated.b))
    missing_status, missing_text = _ask(populated, method, url, parts)
    assert status == missing_status, (status, missing_status)
    if url.startswith("/api/"):
        assert _shape(text) == _shape(missing_text), (text[:400], missing_text[:400])


def _shape(text: str) -> str:
    """An answer with its numbers (the ids among them) written as ``<n>``."""
    return re.sub(r"\d+", "<n>", text)
