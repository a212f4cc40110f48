"""The appointments API: book (201), the window, one with its checklist, PATCH (move, notes, outcome),
DELETE (cancel, kept), a clash as 409 naming the appointment in the way, what is due to be booked, and the
reading of a patch test applied earlier."""

from __future__ import annotations

import datetime as dt
from typing import Any

from smpstudio.services import clients, consent, lots
from tests.records.conftest import answers
from tests.web.conftest import World, ctx_for


def _days(n: int) -> str:
    return (dt.date.today() + dt.timedelta(days=n)).isoformat()


def _body(world: World, **values: Any) -> dict[str, Any]:
    body = {
        "client_id": world.client,
        "practitioner_id": world.users["practitioner"],
        "kind": "consultation",
        "starts_at": f"{_days(3)}T10:00:00+00:00",
        "minutes": 60,
    }
    return body | values


def test_book_list_move_and_cancel(world: World) -> None:
    c = world.signed_in("front-desk")
    booked = c.post("/api/v1/appointments", json=_body(world, notes="first visit"))
    assert booked.status_code == 201, booked.text
    a = booked.json()
    assert a["starts_at"] == f"{_days(3)}T10:00:00+00:00" and a["ends_at"] == f"{_days(3)}T11:00:00+00:00"
    assert a["client"] == {"id": world.client, "name": "Alex Doe"} and a["status"] == "booked"
    assert a["checklist"] is None  # only a session has one
    window = c.get(f"/api/v1/appointments?from={_days(0)}&to={_days(6)}").json()
    assert [x["id"] for x in window["appointments"]] == [a["id"]]
    moved = c.patch(f"/api/v1/appointments/{a['id']}", json={"starts_at": f"{_days(4)}T09:30", "minutes": 30})
    assert moved.status_code == 200, moved.text
    assert (
        moved.json()["starts_at"] == f"{_days(4)}T09:30:00+00:00" and moved.json()["notes"] == "first visit"
    )
    cleared = c.patch(f"/api/v1/appointments/{a['id']}", json={"notes": ""}).json()
    assert cleared["notes"] is None
    gone = c.delete(f"/api/v1/appointments/{a['id']}")
    assert gone.status_code == 200 and gone.json()["status"] == "cancelled"
    assert c.get(f"/api/v1/appointments?from={_days(0)}&to={_days(6)}").json()["appointments"] == []
    kept = c.get(f"/api/v1/appointments?from={_days(0)}&to={_days(6)}&include_cancelled=true").json()
    assert [x["status"] for x in kept["appointments"]] == ["cancelled"]
    assert c.get(f"/api/v1/appointments/{a['id']}").json()["status"] == "cancelled"


def test_a_clash_is_409_with_the_clashing_appointment(world: World) -> None:
    c = world.signed_in("front-desk")
    first = c.post("/api/v1/appointments", json=_body(world)).json()
    other = clients.add_client(
        ctx_for(world.store, world.users["owner"]),
        clients.AddClientRequest.of(name="Bo Roe", date_of_birth="1985-05-05"),
    ).id
    clash = c.post("/api/v1/appointments", json=_body(world, client_id=other, starts_at=f"{_days(3)}T10:45"))
    assert clash.status_code == 409, clash.text
    body = clash.json()
    assert body["code"] == "appointment_clash" and body["kind"] == "conflict" and body["field"] == "starts_at"
    assert body["detail"]["clash"]["id"] == first["id"]
    assert body["detail"]["clash"]["starts_at"] == first["starts_at"]
    assert body["detail"]["clash"]["ends_at"] == first["ends_at"]
    assert body["detail"]["clash"]["kind"] == "consultation"
    assert f"appointment {first['id']}" in body["error"]
    second = c.post("/api/v1/appointments", json=_body(world, client_id=other, starts_at=f"{_days(3)}T11:00"))
    assert second.status_code == 201
    move = c.patch(f"/api/v1/appointments/{second.json()['id']}", json={"starts_at": f"{_days(3)}T10:30"})
    assert move.status_code == 409 and move.json()["detail"]["clash"]["id"] == first["id"]


def test_bad_values_name_their_field(world: World) -> None:
    c = world.signed_in("owner")
    for change, field in (
        ({"kind": "haircut"}, "kind"),
        ({"minutes": 481}, "minutes"),
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"starts_at": f"{_days(-1)}T10:00"}, "starts_at"),
        ({"practitioner_id": world.users["front-desk"]}, "practitioner_id"),
    ):
        answer = c.post("/api/v1/appointments", json=_body(world, **change))
        assert answer.status_code == 422, (change, answer.text)
        assert answer.json()["field"] == field, (change, answer.json())
    wide = c.get(f"/api/v1/appointments?from={_days(0)}&to={_days(62)}")
    assert wide.status_code == 422 and "62" in wide.json()["allowed"]
    theirs = c.post("/api/v1/appointments", json=_body(world, client_id=world.other_client))
    assert theirs.status_code == 404
    assert c.get("/api/v1/appointments/999999").status_code == 404


def test_a_session_shows_its_checklist_and_the_fix_clears_it(world: World) -> None:
    owner = ctx_for(world.store, world.users["owner"])
    prac = ctx_for(world.store, world.users["practitioner"])
    clients.screen_client(prac, clients.ScreenClientRequest.of(client_id=world.client, answers=answers()))
    for kind, code in (("pigment", "P-1"), ("needle", "N-1")):
        lots.add_lot(
            owner,
            lots.AddLotRequest.of(kind=kind, product=kind, lot=code, expires=_days(400), quantity=4),
        )
    c = world.signed_in("front-desk")
    session = c.post("/api/v1/appointments", json=_body(world, kind="session", minutes=180)).json()
    items = {i["code"]: i for i in session["checklist"]["items"]}
    assert session["checklist"]["ready"] is False
    assert [code for code, i in items.items() if not i["passed"]] == ["consent"]
    assert items["consent"]["fix"] == "consent"
    consent.sign_consent(prac, consent.SignConsentRequest.of(client_id=world.client, signed_name="Alex Doe"))
    again = c.get(f"/api/v1/appointments/{session['id']}").json()
    assert again["checklist"]["ready"] is True


def test_a_patch_test_applied_now_is_due_to_be_read_and_read_later(world: World) -> None:
    owner = ctx_for(world.store, world.users["owner"])
    lots.add_lot(
        owner, lots.AddLotRequest.of(kind="pigment", product="ink", lot="P-9", expires=_days(400), quantity=2)
    )
    applied = dt.datetime.combine(dt.date.today() - dt.timedelta(days=3), dt.time(9, 0))
    c = world.signed_in("practitioner")
    path = f"/api/v1/clients/{world.client}/patch-tests"
    pending = c.post(path, json={"lot": "P-9", "applied": applied.isoformat(timespec="minutes")})
    assert pending.status_code == 201, pending.text
    p = pending.json()
    assert p["pending"] is True and p["result"] is None and p["read_at"] is None
    due = c.get(f"/api/v1/appointments/due?from={_days(-7)}&to={_days(0)}").json()["items"]
    reads = [i for i in due if i["kind"] == "patch-test-read"]
    assert [(i["id"], i["book_kind"], i["overdue"]) for i in reads] == [(p["id"], "patch-test-read", True)]
    listed = c.get(path).json()["patch_tests"]
    assert listed[-1]["result"] is None
    read = c.post(f"{path}/{p['id']}/read", json={"result": "negative"})
    assert read.status_code == 200, read.text
    assert read.json()["result"] == "negative" and read.json()["pending"] is False
    assert c.post(f"{path}/{p['id']}/read", json={"result": "negative"}).status_code == 409
    due = c.get(f"/api/v1/appointments/due?from={_days(-7)}&to={_days(0)}").json()["items"]
    assert not [i for i in due if i["kind"] == "patch-test-read"]
    whole = c.post(
        path,
        json={
            "lot": "P-9",
            "applied": applied.isoformat(timespec="minutes"),
            "read": (applied + dt.timedelta(hours=48)).isoformat(timespec="minutes"),
            "result": "negative",
        },
    )
    assert whole.status_code == 201 and whole.json()["hours"] == 48.0
