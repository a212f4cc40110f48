"""Inventory and recall pages: the stock table, receiving a lot, a lot's exposed clients, correcting the stock
and recalling a lot (the clients to contact), for each role, and another clinic's lots not found."""

from __future__ import annotations

import datetime as dt

import pytest

from smpstudio.services import lots
from tests.web.clinic_html import csrf_field, structure_problems, text_of
from tests.web.conftest import ROLES, ctx_for
from tests.web.populated import Populated, populated_fixture, populated_template_fixture  # noqa: F401


def _ahead(populated: Populated, days: int) -> str:
    """The app's today plus ``days``, read when the test runs."""
    return (populated.today() + dt.timedelta(days=days)).isoformat()


def _stock(populated: Populated, lot_id: int) -> lots.LotSummary:
    found = lots.list_lots(ctx_for(populated.store, populated.users["owner"])).lots
    return next(lot for lot in found if lot.id == lot_id)


@pytest.mark.parametrize("role", ROLES)
def test_the_inventory_lists_the_clinics_lots_for_every_role(populated: Populated, role: str) -> None:
    answer = populated.cookie(role).get("/lots")
    assert answer.status_code == 200 and not structure_problems(answer.text)
    assert 'href="/api/v1/lots"' in answer.text
    text = text_of(answer)
    assert "P-A" in text and "pigment A" in text and "in stock" in text
    assert "P-B" not in text  # the other clinic's lot
    receiving = 'action="/lots"' in answer.text
    assert receiving == (role != "front-desk")  # front desk reads stock, never receives it


def test_a_lot_is_received_through_the_form_and_opens_on_its_page(populated: Populated) -> None:
    prac = populated.cookie("practitioner")
    token = csrf_field(prac.get("/lots"))
    del prac.headers["X-CSRF-Token"]
    form = {
        "kind": "pigment",
        "product": "Ink Co Dark",
        "lot": "INK-77",
        "expires": _ahead(populated, 10),
        "quantity": "4",
    }
    answer = prac.post("/lots", data={**form, "csrf_token": token})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/lots/")
    page = prac.get(answer.headers["location"])
    text = text_of(page)
    assert page.status_code == 200 and not structure_problems(page.text)
    assert "Lot INK-77" in text and "expires in 10 days" in text and "Ink Co Dark" in text
    assert "No session or patch test used this lot." in text


def test_the_lot_field_takes_a_barcode_scanner(populated: Populated) -> None:
    html = populated.cookie("owner").get("/lots").text
    assert 'id="f-lot" name="lot"' in html and "data-scan" in html


def test_a_wrong_value_re_renders_the_form_naming_the_field_and_keeping_the_values(
    populated: Populated,
) -> None:
    form = {
        "kind": "pigment",
        "product": "Ink Co Dark",
        "lot": "INK-78",
        "expires": "31/12/2030",
        "quantity": "4",
    }
    answer = populated.cookie("owner").post("/lots", data=form)
    assert answer.status_code == 422
    assert "Field: expires" in text_of(answer) and 'id="e-expires"' in answer.text
    assert 'value="INK-78"' in answer.text  # what was typed stays
    assert not structure_problems(answer.text)


def test_a_product_document_that_is_not_json_is_refused_by_its_field(populated: Populated) -> None:
    form = {
        "kind": "pigment",
        "product": "Ink",
        "lot": "INK-79",
        "expires": _ahead(populated, 400),
        "quantity": "1",
    }
    answer = populated.cookie("owner").post("/lots", data={**form, "product_document": "{nope"})
    assert answer.status_code == 422 and "Field: product_document" in text_of(answer)


def test_a_lot_already_in_stock_is_refused(populated: Populated) -> None:
    form = {
        "kind": "pigment",
        "product": "pigment A",
        "lot": "P-A",
        "expires": _ahead(populated, 400),
        "quantity": "1",
    }
    answer = populated.cookie("owner").post("/lots", data=form)
    assert answer.status_code == 422 and "already in stock" in text_of(answer)


def test_front_desk_may_not_receive_a_lot(populated: Populated) -> None:
    form = {
        "kind": "pigment",
        "product": "Ink",
        "lot": "X-1",
        "expires": _ahead(populated, 400),
        "quantity": "1",
    }
    assert populated.cookie("front-desk").post("/lots", data=form).status_code == 403


def test_a_lots_page_lists_the_clients_it_reached(populated: Populated) -> None:
    answer = populated.cookie("front-desk").get(f"/lots/{populated.a.pigment_lot_id}")
    assert answer.status_code == 200 and not structure_problems(answer.text)
    text = text_of(answer)
    assert "Clients who received this lot (1)" in text and "Alex Doe" in text and "alex@example.org" in text
    assert "Recall this lot" not in text and "Correct the stock" not in text  # front desk: read only
    assert f'href="/api/v1/lots/{populated.a.pigment_lot_id}/clients"' in answer.text


def test_recalling_a_lot_shows_the_clients_to_contact(populated: Populated) -> None:
    prac = populated.cookie("practitioner")
    lot_id = populated.a.pigment_lot_id
    before = prac.get(f"/lots/{lot_id}")
    assert "Recall this lot" in before.text and "data-confirm=" in before.text
    answer = prac.post(f"/lots/{lot_id}/recall", data={"reason": "brand notice: contamination"})
    assert answer.status_code == 303 and answer.headers["location"] == f"/lots/{lot_id}#clients"
    after = text_of(prac.get(f"/lots/{lot_id}"))
    assert "This lot is recalled." in after and "Alex Doe" in after and "alex@example.org" in after
    assert "Recall this lot" not in after
    assert _stock(populated, lot_id).recalled
    assert "recalled" in text_of(prac.get("/lots"))


def test_front_desk_may_not_recall(populated: Populated) -> None:
    answer = populated.cookie("front-desk").post(f"/lots/{populated.a.pigment_lot_id}/recall", data={})
    assert answer.status_code == 403 and not _stock(populated, populated.a.pigment_lot_id).recalled


def test_the_stock_is_corrected_and_never_below_zero(populated: Populated) -> None:
    owner = populated.cookie("owner")
    lot_id = populated.a.needle_lot_id
    answer = owner.post(f"/lots/{lot_id}/adjust", data={"delta": "3", "reason": "stock count"})
    assert answer.status_code == 303 and _stock(populated, lot_id).quantity == 11  # 9 received, 1 used
    refused = owner.post(f"/lots/{lot_id}/adjust", data={"delta": "-100", "reason": "stock count"})
    assert refused.status_code == 422 and "Field: delta" in text_of(refused)
    assert 'id="e-delta"' in refused.text and _stock(populated, lot_id).quantity == 11


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("GET", "/lots/{id}", None),
        ("POST", "/lots/{id}/recall", {"reason": "x"}),
        ("POST", "/lots/{id}/adjust", {"delta": "1", "reason": "count"}),
    ],
)
def test_another_clinics_lot_is_not_found(
    populated: Populated, method: str, path: str, data: dict[str, str] | None
) -> None:
    theirs = populated.b.pigment_lot_id
    answer = populated.cookie("owner").request(method, path.format(id=theirs), data=data)
    assert answer.status_code == 404 and "Not found" in answer.text
    assert not _stock_of_b_recalled(populated)


def _stock_of_b_recalled(populated: Populated) -> bool:
    found = lots.list_lots(ctx_for(populated.store, populated.users["other"])).lots
    return any(lot.recalled for lot in found)
