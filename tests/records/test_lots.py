"""Lots: recall with the exposed clients, expiry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from smpstudio.errors import InputError
from smpstudio.records.store import Store
from smpstudio.services import clients, lots, registers
from tests.records.conftest import acting
from tests.records.helpers import TODAY, session, setup_clinic


def test_recall_lists_exposed_clients_with_contacts_and_sessions(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    first = session(store, ids)["id"]
    other = clients.add_client(
        acting(store, ids["owner"]), name="Sam", date_of_birth="1970-05-05", phone="+1 2"
    )["id"]
    res = lots.lot_clients(acting(store, ids["prac"]), "P1", recall=True, reason="microbial contamination")
    assert res["lot"] == "P1" and res["lots"][0]["recalled"] is True
    assert [c["id"] for c in res["clients"]] == [ids["client"]]
    c = res["clients"][0]
    assert c["name"] == "Alex Doe" and c["contact"]["email"] == "a@example.org"
    assert c["sessions"] == [{"id": first, "date": TODAY.isoformat()}]
    assert other not in [c["id"] for c in res["clients"]]
    with pytest.raises(InputError, match="no lot"):
        lots.lot_clients(acting(store, ids["prac"]), "NOPE")


def test_lots_expiring_and_touch_ups_due(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    lots.add_lot(
        acting(store, ids["owner"]),
        kind="pigment",
        product="p",
        lot="SOON",
        expires=(TODAY + dt.timedelta(days=10)).isoformat(),
        quantity=1,
    )
    assert [x["lot"] for x in lots.lots_expiring(acting(store, ids["desk"]))] == ["SOON"]
    session(store, ids, touch_up_years=2.5)
    due = (TODAY.replace(year=TODAY.year + 2) + dt.timedelta(days=183)).strftime("%Y-%m")
    rows = registers.touch_ups_due(acting(store, ids["desk"]), month=due)
    assert len(rows) == 1 and "forecast" in rows[0]["basis"]
