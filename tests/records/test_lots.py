"""Lots: recall with the exposed clients, expiry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from smpstudio.errors import InputError, NotFoundError
from smpstudio.records.store import Store
from smpstudio.services import clients, clinics, lots, registers
from smpstudio.services.models import Request
from tests.records.conftest import acting
from tests.records.helpers import recorded, session, setup_clinic, soon, today


def test_recall_lists_exposed_clients_with_contacts_and_sessions(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    first = recorded(session(store, ids)).id
    other = clients.add_client(
        acting(store, ids["owner"]),
        clients.AddClientRequest.of(name="Sam", date_of_birth="1970-05-05", phone="+1 2"),
    ).id
    res = lots.recall_lot(
        acting(store, ids["prac"]), lots.RecallRequest.of(lot="P1", reason="microbial contamination")
    ).to_json()
    assert res["lot"] == "P1" and res["lots"][0]["recalled"] is True
    assert [c["id"] for c in res["clients"]] == [ids["client"]]
    c = res["clients"][0]
    assert c["name"] == "Alex Doe" and c["contact"]["email"] == "a@example.org"
    assert c["sessions"] == [{"id": first, "date": today().isoformat()}]
    assert other not in [c["id"] for c in res["clients"]]
    with pytest.raises(InputError, match="no lot"):
        lots.lot_clients(acting(store, ids["prac"]), "NOPE")


def test_lots_expiring_and_touch_ups_due(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    lots.add_lot(
        acting(store, ids["owner"]),
        lots.AddLotRequest.of(
            kind="pigment",
            product="p",
            lot="soon()",
            expires=(today() + dt.timedelta(days=10)).isoformat(),
            quantity=1,
        ),
    )
    assert [x.lot for x in lots.lots_expiring(acting(store, ids["desk"])).lots] == ["soon()"]
    session(store, ids, touch_up_years=2.5)
    due = (today().replace(year=today().year + 2) + dt.timedelta(days=183)).strftime("%Y-%m")
    rows = registers.touch_ups_due(acting(store, ids["desk"]), registers.TouchUpsDueRequest.of(month=due))
    assert len(rows.touch_ups) == 1 and "forecast" in rows.touch_ups[0].basis


@pytest.mark.parametrize(
    ("request_type", "values", "field"),
    [
        (lots.AddLotRequest, {"kind": "ink"}, "kind"),
        (lots.AddLotRequest, {"expires": "soon"}, "expires"),
        (lots.AddLotRequest, {"quantity": -1}, "quantity"),
        (lots.AddLotRequest, {"lot": "  "}, "lot"),
        (lots.LotsExpiringRequest, {"within_days": 5000}, "within_days"),
        (lots.AdjustLotRequest, {"reason": ""}, "reason"),
    ],
)
def test_lot_requests_refuse_a_bad_value_naming_the_field(
    request_type: type[Request], values: dict[str, object], field: str
) -> None:
    base: dict[type[Request], dict[str, object]] = {
        lots.AddLotRequest: {
            "kind": "pigment",
            "product": "p",
            "lot": "L",
            "expires": "2030-01-01",
            "quantity": 1,
        },
        lots.LotsExpiringRequest: {},
        lots.AdjustLotRequest: {"lot_id": 1, "delta": 1, "reason": "count"},
    }
    with pytest.raises(InputError) as caught:
        request_type.of(**(base[request_type] | values))
    assert caught.value.field == field


def test_a_lot_received_twice_is_refused_in_domain_words(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    again = lots.AddLotRequest.of(
        kind="pigment", product="pigment product", lot="P1", expires=soon(), quantity=1
    )
    with pytest.raises(InputError) as caught:
        lots.add_lot(acting(store, ids["owner"]), again)
    assert caught.value.code == "lot_exists" and "smp" not in str(caught.value)
    listed = lots.list_lots(acting(store, ids["desk"])).to_json()
    assert [(x["lot"], x["quantity"]) for x in listed["lots"]] == [("D1", 2), ("N1", 3), ("P1", 2)]


# --- a product file describes its lot; another clinic's lots answer as missing ones -------------

PRODUCT = {"name": "Scalp Black", "brand": "Acme", "lot": "PIG-1", "ci_numbers": ["77266"]}


@pytest.mark.parametrize(
    ("values", "document", "field"),
    [
        ({"lot": "PIG-3"}, PRODUCT, "product_document.lot"),
        ({"product": "Other Ink"}, PRODUCT, "product_document.name"),
        ({"kind": "needle"}, PRODUCT, "product_document"),
    ],
)
def test_a_product_file_must_describe_the_lot_added(
    store: Store, tmp_path: Path, values: dict[str, object], document: dict[str, object], field: str
) -> None:
    ids = setup_clinic(store, tmp_path)
    base = {
        "kind": "pigment",
        "product": "Acme Scalp Black",
        "lot": "PIG-1",
        "expires": soon(),
        "quantity": 5,
    }
    with pytest.raises(InputError) as caught:
        lots.add_lot(
            acting(store, ids["owner"]), lots.AddLotRequest.of(**(base | values), product_document=document)
        )
    assert caught.value.field == field and "smp" not in str(caught.value)
    assert [x.lot for x in lots.list_lots(acting(store, ids["desk"])).lots] == [
        "D1",
        "N1",
        "P1",
    ]  # nothing added
    added = lots.add_lot(acting(store, ids["owner"]), lots.AddLotRequest.of(**base, product_document=PRODUCT))
    assert added.compliance in ("pass", "fail") and added.report is not None


def test_another_clinics_lots_answer_as_missing_ones(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    other = clinics.init_clinic(
        acting(store, ids["owner"]), clinics.InitClinicRequest.of(name="Other")
    ).owner_id
    theirs = lots.add_lot(
        acting(store, other),
        lots.AddLotRequest.of(kind="pigment", product="p", lot="THEIRS", expires=soon(), quantity=1),
    ).id
    missing = theirs + 100
    me = acting(store, ids["owner"])

    def answer(call: Callable[[], object], ref: object) -> dict[str, object]:
        with pytest.raises((InputError, NotFoundError)) as caught:
            call()
        return caught.value.to_dict() | {"error": caught.value.message.replace(str(ref), "N")}

    assert answer(
        lambda: lots.adjust_lot(me, lots.AdjustLotRequest.of(lot_id=theirs, delta=1, reason="x")), theirs
    ) == answer(
        lambda: lots.adjust_lot(me, lots.AdjustLotRequest.of(lot_id=missing, delta=1, reason="x")), missing
    )
    assert answer(lambda: session(store, ids, pigment_lot=f"#{theirs}"), theirs) == answer(
        lambda: session(store, ids, pigment_lot=f"#{missing}"), missing
    )
    assert answer(lambda: session(store, ids, pigment_lot="THEIRS"), "THEIRS") == answer(
        lambda: session(store, ids, pigment_lot="NOPE"), "NOPE"
    )
    assert answer(lambda: lots.recall_lot(me, lots.RecallRequest.of(lot="THEIRS")), "THEIRS") == answer(
        lambda: lots.recall_lot(me, lots.RecallRequest.of(lot="NOPE")), "NOPE"
    )
    assert answer(lambda: lots.lot_clients(me, "THEIRS"), "THEIRS") == answer(
        lambda: lots.lot_clients(me, "NOPE"), "NOPE"
    )
