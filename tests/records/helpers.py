"""Shared set-up for the records service tests: a clinic with staff, a screened and consented client, lots."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from smpstudio.records.store import Store
from smpstudio.services import clients, clinics, consent, lots, sessions
from tests.records.conftest import acting, write_answers

TODAY = dt.date.today()
SOON = (TODAY + dt.timedelta(days=400)).isoformat()


def setup_clinic(store: Store, tmp_path: Path, **answers: bool) -> dict[str, int]:
    ids = clinics.init_clinic(acting(store), name="Test Clinic")
    owner = ids["owner_id"]
    prac = clinics.add_user(acting(store, owner), name="Pat", role="practitioner", certified_until=SOON)["id"]
    desk = clinics.add_user(acting(store, owner), name="Fran", role="front-desk")["id"]
    client = clients.add_client(
        acting(store, owner),
        name="Alex Doe",
        date_of_birth="1980-01-02",
        email="a@example.org",
        phone="+44 1",
        skin_type="III",
    )["id"]
    clients.screen_client(acting(store, prac), client, write_answers(tmp_path / "answers.json", **answers))
    consent.sign_consent(acting(store, prac), client_id=client, signed_name="Alex Doe")
    for kind, code, qty in (("pigment", "P1", 2), ("needle", "N1", 3), ("diluent", "D1", 2)):
        lots.add_lot(
            acting(store, owner), kind=kind, product=f"{kind} product", lot=code, expires=SOON, quantity=qty
        )
    return {"owner": owner, "prac": prac, "desk": desk, "client": client}


def session(store: Store, ids: dict[str, int], actor: str = "prac", **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"pigment_lot": "P1", "needle_lot": "N1", "diluent_lot": "D1", "dilution": 0.5}
    args.update(kw)
    return sessions.record_session(
        acting(store, ids[actor]), client_id=ids["client"], practitioner_id=ids["prac"], **args
    )


def codes(result: dict[str, Any]) -> set[str]:
    assert result["refused"] is True
    return {r["code"] for r in result["reasons"]}
