"""The registers API: follow-ups due and closing them, symptom reports, touch-ups due.

Every role may read and close follow-ups and read touch-ups (``followup`` and ``registers``), so their 403s
are the guard's kernel test; symptom reports need ``symptom``, which front desk lacks.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session as Db

from smpstudio.records.models import FollowUp
from tests.web.conftest import World
from tests.web.test_api_lots import treat

REPORT = {"day": 1, "symptoms": ["redness"]}


def foreign_followup(world: World) -> int:
    """A follow-up of the second clinic's client."""

    def add(db: Db) -> int:
        row = FollowUp(client_id=world.other_client, due_on=world.today(), purpose="check")
        db.add(row)
        db.flush()
        return row.id

    return world.store.write(add)


def test_followups_due_and_their_detail(world: World) -> None:
    _, session_id = treat(world)
    c = world.signed_in("front-desk")
    assert c.get("/api/v1/follow-ups/due").json() == {"followups": []}
    soon = (world.today() + dt.timedelta(days=3)).isoformat()
    due = c.get(f"/api/v1/follow-ups/due?on={soon}").json()["followups"]
    assert [(f["client"]["name"], f["session"], f["overdue_days"]) for f in due] == [
        ("Alex Doe", session_id, 1)
    ]
    detail = c.get(f"/api/v1/follow-ups/{due[0]['id']}")
    assert detail.status_code == 200 and detail.json()["outcome"] is None
    assert detail.json()["client"] == world.client
    bad = c.get("/api/v1/follow-ups/due?on=tomorrow")
    assert bad.status_code == 422 and bad.json()["field"] == "on"
    theirs = foreign_followup(world)
    missing = c.get(f"/api/v1/follow-ups/{theirs}")
    assert missing.status_code == 404 and missing.json()["code"] == "no_followup"
    assert world.signed_in("other").get(f"/api/v1/follow-ups/{theirs}").status_code == 200


def test_complete_a_followup(world: World) -> None:
    treat(world)
    c = world.signed_in("practitioner")
    soon = (world.today() + dt.timedelta(days=3)).isoformat()
    followup = c.get(f"/api/v1/follow-ups/due?on={soon}").json()["followups"][0]["id"]
    path = f"/api/v1/follow-ups/{followup}/complete"
    done = c.post(path, json={"outcome": "healing well"})
    assert done.status_code == 200 and done.json() == {"id": followup, "done": True}
    assert c.post(path, json={"outcome": "healing well"}).status_code == 200  # a retry adds nothing
    detail = c.get(f"/api/v1/follow-ups/{followup}").json()
    assert detail["outcome"] == "healing well" and len(detail["outcomes"]) == 1
    assert c.get(f"/api/v1/follow-ups/due?on={soon}").json() == {"followups": []}
    empty = c.post(path, json={"outcome": "  "})
    assert empty.status_code == 422 and empty.json()["field"] == "outcome"
    assert c.post(path, json={}).json()["field"] == "outcome"
    theirs = foreign_followup(world)
    assert c.post(f"/api/v1/follow-ups/{theirs}/complete", json={"outcome": "x"}).status_code == 404


def test_report_symptoms_with_an_idempotency_key(world: World) -> None:
    _, session_id = treat(world)
    c = world.signed_in("practitioner")
    path = f"/api/v1/clients/{world.client}/symptom-reports"
    first = c.post(path, json=REPORT | {"session_id": session_id}, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201, first.text
    assert first.json()["disposition"] and first.json()["replayed"] is False
    again = c.post(path, json=REPORT | {"session_id": session_id}, headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"] and again.json()["replayed"]
    in_body = c.post(path, json=REPORT | {"session_id": session_id, "idempotency_key": "k-1"})
    assert in_body.json()["id"] == first.json()["id"]
    reused = c.post(path, json={"day": 9, "symptoms": ["itch"]}, headers={"Idempotency-Key": "k-1"})
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"
    differ = c.post(path, json=REPORT | {"idempotency_key": "k-2"}, headers={"Idempotency-Key": "k-3"})
    assert differ.status_code == 422 and differ.json()["field"] == "idempotency_key"
    no_key = c.post(path, json={"day": 12, "symptoms": ["redness"], "spreading": True})
    assert no_key.status_code == 201 and no_key.json()["id"] != first.json()["id"]


def test_symptom_reports_refuse_bad_input_other_clinics_and_front_desk(world: World) -> None:
    c = world.signed_in("owner")
    path = f"/api/v1/clients/{world.client}/symptom-reports"
    for body, field in (
        ({"symptoms": ["redness"]}, "day"),
        (REPORT | {"session_id": "x"}, "session_id"),
        (REPORT | {"idempotency_key": "has space"}, "idempotency_key"),
    ):
        answer = c.post(path, json=body)
        assert answer.status_code == 422 and answer.json()["field"] == field, (body, answer.text)
    theirs = c.post(f"/api/v1/clients/{world.other_client}/symptom-reports", json=REPORT)
    assert theirs.status_code == 404 and theirs.json()["code"] == "no_client"
    assert world.signed_in("front-desk").post(path, json=REPORT).status_code == 403


def test_touch_ups_due(world: World) -> None:
    treat(world)
    c = world.signed_in("front-desk")
    assert c.get("/api/v1/touch-ups/due").json() == {"touch_ups": []}
    later = (world.today() + dt.timedelta(days=366 * 9)).strftime("%Y-%m")
    due = c.get(f"/api/v1/touch-ups/due?month={later}").json()["touch_ups"]
    assert [t["client"]["id"] for t in due] == [world.client] and due[0]["basis"]
    assert world.signed_in("other").get(f"/api/v1/touch-ups/due?month={later}").json() == {"touch_ups": []}
    bad = c.get("/api/v1/touch-ups/due?month=2026-13")
    assert bad.status_code == 422 and bad.json()["field"] == "month"
