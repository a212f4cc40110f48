"""Calling any route of the studio: its path filled with a clinic's ids (:data:`PATH_IDS`), a minimal valid
body for each write (:data:`BODIES`), and what the store held before and after (:func:`snapshot`, the audit
entries appended). Shared by the route × role and the isolation tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from smpstudio.records.models import AuditEntry, Base
from smpstudio.records.store import Store
from smpstudio.services.context import Clock
from tests.records.conftest import answers
from tests.web.populated import Entities, closeup_jpeg, design_document, png_bytes

__all__ = [
    "BODIES",
    "PATH_IDS",
    "PATH_WORDS",
    "SELF_SERVICE_PARAMS",
    "audit_since",
    "call_route",
    "fill_path",
    "ids_of",
    "last_audit_seq",
    "missing_path_sources",
    "patch_test",
    "path_params",
    "snapshot",
]

#: Path parameter -> the :class:`Entities` field that fills it. A route with a parameter missing here fails
#: the route × role and isolation tests by name, so a new id-taking route cannot go untested.
PATH_IDS: dict[str, str] = {
    "client_id": "client_id",
    "session_id": "session_id",
    "lot_id": "pigment_lot_id",
    "cycle_id": "cycle_id",
    "spore_test_id": "spore_test_id",
    "action_id": "corrective_action_id",
    "corrective_action_id": "corrective_action_id",
    "screening_id": "screening_id",
    "consent_id": "consent_id",
    "patch_test_id": "patch_test_id",
    "design_id": "design_id",
    "plan_id": "plan_id",
    "photo_id": "photo_id",
    "followup_id": "followup_id",
    "report_id": "symptom_report_id",
    "symptom_report_id": "symptom_report_id",
    "event_id": "adverse_event_id",
    "adverse_event_id": "adverse_event_id",
    "user_id": "staff_id",
    "token_id": "token_id",
    "certification_id": "certification_id",
    "link_id": "client_link_id",
    "job_id": "job_id",
    "appointment_id": "appointment_id",
    "repair_id": "repair_id",
}
#: Path parameters that are not ids of a clinic's records: the value every test uses.
PATH_WORDS: dict[str, str] = {
    "kind": "treatment",
    "version": "1",
    "format": "pdf",
    # a client's own link: the token is the credential (public routes); one that opens nothing
    "token": "no-such-link-token-0000000000000000000000000",
    # a repair map's image
    "which": "plan",
}
#: Tables whose rows change on any signed-in request (the session's last use, login throttling) or that
#: record attempts (the audit trail): left out of :func:`snapshot`.
VOLATILE_TABLES = frozenset({"audit_log", "web_sessions", "login_failures"})


def path_params(path: str) -> list[str]:
    """The parameters of a path template, in order."""
    return re.findall(r"{([^}:]+)(?::[^}]*)?}", path)


def fill_path(path: str, values: dict[str, int | str]) -> str:
    """``path`` with each ``{param}`` replaced by its value."""
    return re.sub(r"{([^}:]+)(?::[^}]*)?}", lambda m: str(values[m.group(1)]), path)


def ids_of(entities: Entities) -> dict[str, int | str]:
    """Every path parameter's value for one clinic's records (ids, and the fixed words)."""
    values: dict[str, int | str] = {name: getattr(entities, attr) for name, attr in PATH_IDS.items()}
    return {**values, **PATH_WORDS}


def snapshot(store: Store) -> dict[str, str]:
    """A digest of every table's rows but :data:`VOLATILE_TABLES`: equal digests, nothing changed."""

    def read(db: Any) -> dict[str, str]:
        digests = {}
        for table in Base.metadata.sorted_tables:
            if table.name in VOLATILE_TABLES:
                continue
            rows = sorted(repr(tuple(row)) for row in db.execute(select(table)).all())
            digests[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        return digests

    return store.read(read)


def audit_since(store: Store, seq: int) -> list[AuditEntry]:
    """The audit entries appended after entry ``seq``."""

    def read(db: Any) -> list[AuditEntry]:
        rows = db.scalars(select(AuditEntry).where(AuditEntry.seq > seq).order_by(AuditEntry.seq)).all()
        db.expunge_all()
        return list(rows)

    return store.read(read)


def last_audit_seq(store: Store) -> int:
    """The newest audit entry's number (0 for an empty trail)."""
    return int(store.read(lambda db: db.scalar(select(func.max(AuditEntry.seq)))) or 0)


#: Parameters naming a user, or a user's token: a route any signed-in user may call with them acts on the
#: caller's own account (the services refuse anyone else's but an owner's).
SELF_SERVICE_PARAMS = frozenset({"user_id", "token_id"})

#: A request's parts for a route, from the acting clinic's ids: ``json`` (API bodies), ``data`` (page
#: forms; the CSRF field is added), ``files`` (uploads), ``params`` (queries). A write not listed here is
#: sent an empty body (``{}``, or a form with only the CSRF field).
Parts = dict[str, Any]


def _today() -> dt.date:
    """Today for the app (the clock a context has by default), worked out when a route is called: a run
    that crosses midnight sends the app's own today, never a date taken at import."""
    return Clock().today()


def _far() -> str:
    return (_today() + dt.timedelta(days=700)).isoformat()


def _lot() -> dict[str, Any]:
    return {
        "kind": "needle",
        "product": "needle cartridges",
        "lot": "N-next",
        "expires": _far(),
        "quantity": 3,
    }


def patch_test() -> dict[str, str]:
    """A patch test applied three days ago at 09:00 and read 48 hours later (worked out when called)."""
    applied = dt.datetime.combine(_today() - dt.timedelta(days=3), dt.time(9, 0))
    return {
        "applied": applied.isoformat(timespec="minutes"),
        "read": (applied + dt.timedelta(hours=48)).isoformat(timespec="minutes"),
        "result": "negative",
    }


def _session(e: Entities) -> dict[str, Any]:
    return {
        "practitioner_id": e.staff_id,
        "pigment_lot": f"#{e.pigment_lot_id}",
        "needle_lot": f"#{e.needle_lot_id}",
        "diluent_lot": f"#{e.diluent_lot_id}",
        "ink_fraction": 0.5,
    }


def _appointment(e: Entities, *, form: bool = False) -> dict[str, Any]:
    """A consultation with the staff practitioner in eight days at 15:00 (worked out when the route is
    called, not at import)."""
    day = dt.date.today() + dt.timedelta(days=8)
    when = {"date": day.isoformat(), "time": "15:00"} if form else {"starts_at": f"{day}T15:00"}
    who = {"client_id": e.client_id, "practitioner_id": e.staff_id}
    return {**who, "kind": "consultation", "minutes": 30, **when}


def _window() -> dict[str, str]:
    """The week from today (worked out when the route is called)."""
    today = dt.date.today()
    return {"from": today.isoformat(), "to": (today + dt.timedelta(days=6)).isoformat()}


def _api(body: dict[str, Any]) -> Callable[[Entities], Parts]:
    return lambda e: {"json": body}


def _form(body: dict[str, Any]) -> Callable[[Entities], Parts]:
    return lambda e: {"data": body}


_CYCLE = {"load": "L-next", "temperature_c": 134, "pressure_kpa": 210, "minutes": 4, "indicator": "pass"}
_SCREENING_FORM = {f"q_{q}": "no" for q in answers()["answers"]}
# --- the consultation on the client's photo: anchors of a front view on the populated 64 x 64 photo ---
_CONSULTATION = {
    "landmarks": '{"view": "front", "points_px": {"glabella": [32, 34], "lateral_canthus_right": [22, 38], '
    '"lateral_canthus_left": [42, 38], "mid_frontal_point": [32, 14]}}'
}
_API_LANDMARKS = {
    "view": "front",
    "points_px": {
        "glabella": [32, 34],
        "lateral_canthus_right": [22, 38],
        "lateral_canthus_left": [42, 38],
        "mid_frontal_point": [32, 14],
    },
}
# --- end of the consultation's bodies ---

BODIES: dict[tuple[str, str], Callable[[Entities], Parts]] = {
    # --- the API ---
    ("POST", "/api/v1/adverse-events"): lambda e: {
        "json": {"client_id": e.client_id, "session_id": e.session_id, "description": "a raised rash"}
    },
    ("POST", "/api/v1/adverse-events/{event_id}/brand-notified"): lambda e: {
        "json": {"brand_notified_on": _today().isoformat()}
    },
    ("POST", "/api/v1/care/aftercare"): lambda e: {
        "json": {"session_date": _today().isoformat(), "format": "json"}
    },
    ("POST", "/api/v1/care/screening"): _api(
        {"date_of_birth": "1980-01-02", "answers": answers()["answers"]}
    ),
    ("POST", "/api/v1/care/triage"): _api({"day": 2, "symptoms": ["redness"]}),
    ("POST", "/api/v1/clients"): _api({"name": "Jo Newcomer", "date_of_birth": "1990-03-04"}),
    ("POST", "/api/v1/clients/search"): _api({"query": "Doe"}),
    ("PATCH", "/api/v1/clients/{client_id}"): _api({"phone": "+44 20 7946 0000"}),
    ("POST", "/api/v1/clients/{client_id}/consents"): _api({"signed_name": "Alex Doe"}),
    ("POST", "/api/v1/clients/{client_id}/designs"): _api({"document": design_document()}),
    ("POST", "/api/v1/clients/{client_id}/patch-tests"): lambda e: {
        "json": {"lot": f"#{e.pigment_lot_id}", **patch_test()}
    },
    ("POST", "/api/v1/clients/{client_id}/photos"): lambda e: {
        "data": {"view": "front"},
        "files": {"file": ("photo.png", png_bytes((64, 64)), "image/png")},
    },
    ("POST", "/api/v1/clients/{client_id}/screening"): _api({"answers": answers()["answers"]}),
    ("POST", "/api/v1/clients/{client_id}/sessions"): lambda e: {"json": _session(e)},
    ("POST", "/api/v1/clients/{client_id}/sessions/check"): lambda e: {"json": _session(e)},
    ("POST", "/api/v1/clients/{client_id}/symptom-reports"): _api({"day": 2, "symptoms": ["redness"]}),
    ("PATCH", "/api/v1/clinic"): _api({"phone": "+44 20 7946 0001"}),
    ("PUT", "/api/v1/clinic/rules"): _api({"toml": ""}),
    ("POST", "/api/v1/follow-ups/{followup_id}/complete"): _api({"outcome": "healed well"}),
    ("PUT", "/api/v1/clinic/mail"): _api({"host": "smtp.example.org", "from_address": "desk@example.org"}),
    ("POST", "/api/v1/clients/{client_id}/email-reminders"): _api({"client_agreed": True}),
    ("POST", "/api/v1/clients/{client_id}/links"): _api({"days": 7}),
    ("POST", "/api/v1/jobs"): lambda e: {"json": {"kind": "export", "client_id": e.client_id}},
    ("POST", "/api/v1/appointments"): lambda e: {"json": _appointment(e)},
    ("GET", "/api/v1/appointments"): lambda e: {"params": _window()},
    ("GET", "/api/v1/appointments/due"): lambda e: {"params": _window()},
    ("PATCH", "/api/v1/appointments/{appointment_id}"): _api({"notes": "bring the signed consent"}),
    ("POST", "/api/v1/clients/{client_id}/patch-tests/{patch_test_id}/read"): _api({"result": "negative"}),
    ("POST", "/api/v1/lots"): lambda e: {"json": _lot()},
    ("POST", "/api/v1/lots/{lot_id}/adjust"): _api({"delta": 1, "reason": "stock count"}),
    ("POST", "/api/v1/lots/{lot_id}/recall"): _api({"reason": "the brand's notice"}),
    ("POST", "/api/v1/sterilisation/corrective-actions/{action_id}/close"): _api(
        {"resolution": "retested: pass"}
    ),
    ("POST", "/api/v1/sterilisation/cycles"): _api(_CYCLE),
    ("POST", "/api/v1/sterilisation/spore-tests"): _api({"result": "pass"}),
    ("POST", "/api/v1/users"): _api({"name": "Nat Newhire", "role": "front-desk"}),
    ("POST", "/api/v1/users/{user_id}/certifications"): lambda e: {
        "json": {"kind": "smp-training", "expires": _far()}
    },
    ("POST", "/api/v1/users/{user_id}/password"): _api({"password": "another good passphrase"}),
    ("POST", "/api/v1/users/{user_id}/tokens"): _api({"name": "phone"}),
    # --- the pages' forms ---
    ("POST", "/adverse-events"): lambda e: {
        "data": {"client_id": e.client_id, "session_id": e.session_id, "description": "a raised rash"}
    },
    ("POST", "/adverse-events/find-client"): _form({"name": "Doe"}),
    ("POST", "/adverse-events/{event_id}/brand-notified"): lambda e: {
        "data": {"brand_notified_on": _today().isoformat()}
    },
    ("POST", "/care/aftercare"): lambda e: {"data": {"session_date": _today().isoformat(), "format": "text"}},
    ("POST", "/care/triage"): _form({"day": "2", "symptoms": "redness"}),
    ("POST", "/clients/new"): _form({"name": "Jo Newcomer", "date_of_birth": "1990-03-04"}),
    ("POST", "/clients/search"): _form({"query": "Doe"}),
    ("POST", "/clients/{client_id}/edit"): _form({"name": "Alex Doe", "phone": "+44 20 7946 0000"}),
    ("POST", "/clients/{client_id}/consent"): _form({"kind": "treatment", "signed_name": "Alex Doe"}),
    ("POST", "/clients/{client_id}/consent/withdraw"): _form({"kind": "photography"}),
    ("POST", "/clients/{client_id}/patch-tests"): lambda e: {
        "data": {"lot": f"#{e.pigment_lot_id}", **patch_test()}
    },
    ("POST", "/clients/{client_id}/screening"): _form(_SCREENING_FORM),
    ("POST", "/clients/{client_id}/screening/preview"): _form(_SCREENING_FORM),
    ("POST", "/clients/{client_id}/sessions/check"): lambda e: {"data": _session(e)},
    ("POST", "/clients/{client_id}/sessions/new"): lambda e: {"data": _session(e)},
    ("POST", "/follow-ups/{followup_id}/complete"): _form({"outcome": "healed well"}),
    ("POST", "/settings/mail"): _form(
        {"host": "smtp.example.org", "port": "587", "from_address": "desk@example.org"}
    ),
    ("POST", "/clients/{client_id}/email-reminders"): _form({"client_agreed": "on"}),
    ("POST", "/clients/{client_id}/links"): _form({"days": "7"}),
    ("POST", "/c/{token}/triage"): _form({"day": "3", "symptoms": "scabs"}),
    ("POST", "/calendar/book"): lambda e: {"data": _appointment(e, form=True)},
    ("POST", "/calendar/appointments/{appointment_id}/move"): lambda e: {"data": _appointment(e, form=True)},
    ("POST", "/calendar/appointments/{appointment_id}/status"): _form({"status": "attended"}),
    ("POST", "/calendar/appointments/{appointment_id}/call-outcome"): _form({"outcome": "healing well"}),
    ("POST", "/clients/{client_id}/patch-tests/{patch_test_id}/read"): _form({"result": "negative"}),
    ("POST", "/lots"): lambda e: {"data": _lot()},
    ("POST", "/lots/{lot_id}/adjust"): _form({"delta": "1", "reason": "stock count"}),
    ("POST", "/lots/{lot_id}/recall"): _form({"reason": "the brand's notice"}),
    ("POST", "/settings"): _form({"phone": "+44 20 7946 0001"}),
    ("POST", "/sterilisation/corrective-actions/{action_id}/close"): _form({"resolution": "retested: pass"}),
    ("POST", "/sterilisation/cycles"): _form(_CYCLE),
    ("POST", "/sterilisation/spore-tests"): _form({"result": "pass"}),
    ("POST", "/users"): _form({"name": "Nat Newhire", "role": "front-desk"}),
    ("POST", "/users/{user_id}/certifications"): lambda e: {
        "data": {"kind": "smp-training", "expires": _far()}
    },
    ("POST", "/users/{user_id}/password"): _form(
        {"password": "another good passphrase", "password_again": "another good passphrase"}
    ),
    ("POST", "/users/{user_id}/tokens"): _form({"name": "phone"}),
    # --- the repair consultation: a close-up, a dot's class, a target hairline ---
    ("POST", "/api/v1/clients/{client_id}/repairs"): lambda e: {
        "data": {"px_per_mm": "30", "skin_type": "II"},
        "files": {"file": ("closeup.jpg", closeup_jpeg(), "image/jpeg")},
    },
    ("POST", "/api/v1/clients/{client_id}/repairs/{repair_id}/corrections"): _api(
        {"corrections": {"0": "remove"}}
    ),
    ("POST", "/api/v1/clients/{client_id}/repairs/{repair_id}/hairline"): _api(
        {"hairline_px": [[0, 120], [299, 120]]}
    ),
    ("POST", "/clients/{client_id}/repair"): lambda e: {
        "data": {"scale": "30", "scale_unit": "px_per_mm", "skin_type": "II"},
        "files": {"photo": ("closeup.jpg", closeup_jpeg(), "image/jpeg")},
    },
    ("POST", "/clients/{client_id}/repair/{repair_id}/corrections"): _form({"dot_0": "remove"}),
    ("POST", "/clients/{client_id}/repair/{repair_id}/hairline"): _form(
        {"hairline_px": "[[0, 120], [299, 120]]"}
    ),
    # --- end of the repair consultation ---
    # --- the consultation on the client's photo ---
    ("POST", "/clients/{client_id}/consultation"): lambda e: {
        "data": {"view": "front"},
        "files": {"photo": ("head.png", png_bytes((64, 64)), "image/png")},
    },
    ("POST", "/clients/{client_id}/consultation/{photo_id}/fit"): _form(_CONSULTATION),
    ("POST", "/clients/{client_id}/consultation/{photo_id}/preview"): _form(
        {**_CONSULTATION, "width_px": "64"}
    ),
    ("POST", "/clients/{client_id}/consultation/{photo_id}/hairline-drag"): _form(
        {**_CONSULTATION, "name": "mid_frontal_point", "x_px": "32", "y_px": "12"}
    ),
    ("POST", "/clients/{client_id}/consultation/{photo_id}/match-hair"): _form(_CONSULTATION),
    ("POST", "/clients/{client_id}/consultation/{photo_id}/save"): _form(_CONSULTATION),
    ("POST", "/api/v1/clients/{client_id}/consultations"): lambda e: {
        "data": {"view": "front"},
        "files": {"file": ("head.png", png_bytes((64, 64)), "image/png")},
    },
    ("POST", "/api/v1/clients/{client_id}/consultations/{photo_id}/fit"): _api({"landmarks": _API_LANDMARKS}),
    ("POST", "/api/v1/clients/{client_id}/consultations/{photo_id}/preview"): _api(
        {"landmarks": _API_LANDMARKS, "width_px": 64}
    ),
    ("POST", "/api/v1/clients/{client_id}/consultations/{photo_id}/hairline-drag"): _api(
        {"landmarks": _API_LANDMARKS, "name": "mid_frontal_point", "x_px": 32, "y_px": 12}
    ),
    ("POST", "/api/v1/clients/{client_id}/consultations/{photo_id}/save"): _api(
        {"landmarks": _API_LANDMARKS}
    ),
    # --- end of the consultation's pages ---
}


def missing_path_sources(routes: Iterable[tuple[str, str]]) -> list[str]:
    """The routes whose path parameters :data:`PATH_IDS` / :data:`PATH_WORDS` do not fill."""
    known = PATH_IDS.keys() | PATH_WORDS.keys()
    return [f"{m} {p}: {param}" for m, p in routes for param in path_params(p) if param not in known]


def call_route(client: TestClient, method: str, path: str, url: str, entities: Entities) -> httpx.Response:
    """Call the route ``(method, path)`` at ``url`` with its :data:`BODIES` entry (or an empty body)."""
    factory = BODIES.get((method, path))
    parts: Parts = dict(factory(entities)) if factory else {}
    if method in ("GET", "HEAD", "DELETE"):
        return client.request(method, url, params=parts.get("params"))
    if path.startswith("/api/"):
        if "files" in parts or "data" in parts:
            return client.request(method, url, data=parts.get("data"), files=parts.get("files"))
        return client.request(method, url, json=parts.get("json", {}), params=parts.get("params"))
    form = {**parts.get("data", {}), "csrf_token": client.headers.get("X-CSRF-Token", "")}
    return client.request(method, url, data=form, files=parts.get("files"), params=parts.get("params"))
