"""The lots API: stock, receiving, corrections, expiry, recall and the clients a lot reached.

Also the set-up the other C2 API tests share: stock for a clinic and a client treated with it.
"""

from __future__ import annotations

import datetime as dt

from smpstudio.services import clients, consent, lots, sessions
from smpstudio.services.context import ServiceContext
from tests.records.conftest import answers
from tests.web.conftest import World, ctx_for


def ctx_of(world: World, role: str) -> ServiceContext:
    """A service context acting as ``role`` of the world."""
    return ctx_for(world.store, world.users[role])


def add_stock(world: World, role: str = "owner", suffix: str = "") -> dict[str, int]:
    """A pigment, needle and diluent lot (codes P1, N1, D1 + ``suffix``) in ``role``'s clinic: kind -> id."""
    ids = {}
    for kind, code in (("pigment", "P1"), ("needle", "N1"), ("diluent", "D1")):
        ids[kind] = lots.add_lot(
            ctx_of(world, role),
            lots.AddLotRequest.of(
                kind=kind, product=f"{kind} product", lot=code + suffix, expires=_soon(world), quantity=3
            ),
        ).id
    return ids


def treat(world: World, **session: object) -> tuple[dict[str, int], int]:
    """Screen and consent the world's client, stock the clinic and record a session with that stock:
    the lots' ids and the session's id."""
    stock = add_stock(world)
    prac = ctx_of(world, "practitioner")
    clients.screen_client(prac, clients.ScreenClientRequest.of(client_id=world.client, answers=answers()))
    consent.sign_consent(prac, consent.SignConsentRequest.of(client_id=world.client, signed_name="Alex Doe"))
    result = sessions.record_session(
        prac,
        sessions.SessionRequest.of(
            client_id=world.client,
            practitioner_id=world.users["practitioner"],
            pigment_lot=f"#{stock['pigment']}",
            needle_lot=f"#{stock['needle']}",
            diluent_lot=f"#{stock['diluent']}",
            ink_fraction=0.5,
            **session,
        ),
    )
    assert isinstance(result, sessions.SessionRecorded), result
    return stock, result.id


def _soon(world: World) -> str:
    """A date well ahead of the app's today (400 days): lots that do not expire in a test."""
    return (world.today() + dt.timedelta(days=400)).isoformat()


def _lot(world: World) -> dict[str, object]:
    return {
        "kind": "pigment",
        "product": "Acme Scalp Black",
        "lot": "PIG-9",
        "expires": _soon(world),
        "quantity": 4,
    }


def test_receive_and_list_lots(world: World) -> None:
    c = world.signed_in("practitioner")
    added = c.post("/api/v1/lots", json=_lot(world))
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["compliance"] == "unchecked" and body["warnings"]
    listed = c.get("/api/v1/lots").json()["lots"]
    assert [(x["id"], x["lot"], x["quantity"]) for x in listed] == [(body["id"], "PIG-9", 4)]
    assert world.signed_in("front-desk").get("/api/v1/lots").status_code == 200
    assert world.signed_in("other").get("/api/v1/lots").json() == {"lots": []}
    again = c.post("/api/v1/lots", json=_lot(world))
    assert again.status_code == 422 and again.json()["code"] == "lot_exists"


def test_receiving_a_lot_names_the_wrong_field_and_needs_lot_write(world: World) -> None:
    c = world.signed_in("owner")
    for change, field in (
        ({"kind": "ink"}, "kind"),
        ({"expires": "soon"}, "expires"),
        ({"quantity": -1}, "quantity"),
        ({"colour": "black"}, "colour"),
    ):
        answer = c.post("/api/v1/lots", json=_lot(world) | change)
        assert answer.status_code == 422, (change, answer.text)
        assert answer.json()["field"] == field
    refused = world.signed_in("front-desk").post("/api/v1/lots", json=_lot(world))
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


def test_adjust_a_lots_stock(world: World) -> None:
    stock = add_stock(world)
    c = world.signed_in("practitioner")
    path = f"/api/v1/lots/{stock['needle']}/adjust"
    answer = c.post(path, json={"delta": -2, "reason": "stock count"})
    assert answer.status_code == 200 and answer.json() == {"id": stock["needle"], "quantity": 1}
    below = c.post(path, json={"delta": -5, "reason": "stock count"})
    assert below.status_code == 422 and below.json()["field"] == "delta"
    assert c.post(path, json={"delta": 1}).json()["field"] == "reason"
    assert world.signed_in("front-desk").post(path, json={"delta": 1, "reason": "x"}).status_code == 403
    theirs = add_stock(world, "other")["needle"]
    missing = c.post(f"/api/v1/lots/{theirs}/adjust", json={"delta": 1, "reason": "x"})
    assert missing.status_code == 404 and missing.json()["code"] == "no_lot"
    assert c.post("/api/v1/lots/99999/adjust", json={"delta": 1, "reason": "x"}).status_code == 404


def test_lots_expiring_within_a_window(world: World) -> None:
    lots.add_lot(
        ctx_of(world, "owner"),
        lots.AddLotRequest.of(
            kind="needle",
            product="n",
            lot="SOON",
            expires=(world.today() + dt.timedelta(days=7)).isoformat(),
            quantity=1,
        ),
    )
    add_stock(world)
    c = world.signed_in("front-desk")
    assert [x["lot"] for x in c.get("/api/v1/lots/expiring?days=30").json()["lots"]] == ["SOON"]
    assert c.get("/api/v1/lots/expiring?days=3").json() == {"lots": []}
    assert len(c.get("/api/v1/lots/expiring?days=3650").json()["lots"]) == 4
    bad = c.get("/api/v1/lots/expiring?days=-1")
    assert bad.status_code == 422 and bad.json()["field"] == "days"
    assert c.get("/api/v1/lots/expiring?days=soon").json()["field"] == "days"


def test_recall_a_lot_by_id_finds_the_client_and_refuses_the_next_session(world: World) -> None:
    stock, session_id = treat(world)
    c = world.signed_in("practitioner")
    answer = c.post(f"/api/v1/lots/{stock['pigment']}/recall", json={"reason": "contamination"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["lot"] == "P1" and body["lots"] == [
        {"id": stock["pigment"], "kind": "pigment", "product": "pigment product", "recalled": True}
    ]
    assert [(x["id"], x["name"]) for x in body["clients"]] == [(world.client, "Alex Doe")]
    assert body["clients"][0]["sessions"][0]["id"] == session_id
    assert c.post(f"/api/v1/lots/{stock['needle']}/recall").json()["lots"][0]["recalled"] is True
    recalled = {x["id"]: x["recalled"] for x in c.get("/api/v1/lots").json()["lots"]}
    assert recalled == {stock["pigment"]: True, stock["needle"]: True, stock["diluent"]: False}


def test_recall_needs_lot_recall_and_a_lot_of_the_clinic(world: World) -> None:
    stock = add_stock(world)
    theirs = add_stock(world, "other")["pigment"]
    owner = world.signed_in("owner")
    answer = owner.post(f"/api/v1/lots/{theirs}/recall", json={})
    assert answer.status_code == 404 and answer.json()["field"] == "lot"
    too_long = owner.post(f"/api/v1/lots/{stock['pigment']}/recall", json={"reason": "x" * 201})
    assert too_long.status_code == 422 and too_long.json()["field"] == "reason"
    refused = world.signed_in("front-desk").post(f"/api/v1/lots/{stock['pigment']}/recall", json={})
    assert refused.status_code == 403
    assert owner.get("/api/v1/lots").json()["lots"][0]["recalled"] is False


def test_the_clients_a_lot_reached(world: World) -> None:
    stock, _ = treat(world)
    c = world.signed_in("front-desk")
    reached = c.get(f"/api/v1/lots/{stock['needle']}/clients").json()
    assert reached["lot"] == "N1" and [x["id"] for x in reached["clients"]] == [world.client]
    assert reached["lots"][0]["recalled"] is False
    theirs = add_stock(world, "other")["needle"]
    assert c.get(f"/api/v1/lots/{theirs}/clients").status_code == 404
    assert world.signed_in("other").get(f"/api/v1/lots/{stock['needle']}/clients").status_code == 404
    assert c.get("/api/v1/lots/x/clients").json()["field"] == "lot_id"
