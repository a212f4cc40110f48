"""The sterilisation API: cycles, spore tests, what a load reached and corrective actions."""

from __future__ import annotations

import datetime as dt

from smpstudio.services import sterilisation
from tests.web.conftest import World
from tests.web.test_api_lots import ctx_of, treat

CYCLE = {"load": "L-1", "temperature_c": 134, "pressure_kpa": 210, "minutes": 4, "indicator": "pass"}


def _cycle(world: World, role: str = "practitioner", **change: object) -> int:
    request = sterilisation.CycleRequest.of(**(CYCLE | change))
    return sterilisation.add_cycle(ctx_of(world, role), request).id


def test_log_cycles_and_read_the_log(world: World) -> None:
    c = world.signed_in("practitioner")
    passed = c.post("/api/v1/sterilisation/cycles", json=CYCLE)
    assert passed.status_code == 201 and passed.json()["failed"] is False
    short = c.post("/api/v1/sterilisation/cycles", json=CYCLE | {"load": "L-2", "minutes": 1})
    assert short.json()["failed"] is True and "3 min" in short.json()["failure_reason"]
    log = c.get("/api/v1/sterilisation/cycles").json()["cycles"]
    assert {x["load"]: x["failed"] for x in log} == {"L-1": False, "L-2": True}
    assert log[0]["minutes"] in (1, 4) and log[0]["operator"] == world.users["practitioner"]
    assert len(c.get("/api/v1/sterilisation/cycles?limit=1").json()["cycles"]) == 1
    assert len(c.get("/api/v1/sterilisation/cycles?limit=1&offset=1").json()["cycles"]) == 1
    assert world.signed_in("other").get("/api/v1/sterilisation/cycles").json() == {"cycles": []}


def test_cycles_name_the_wrong_field_and_need_sterilisation(world: World) -> None:
    c = world.signed_in("owner")
    for change, field in (
        ({"temperature_c": 500}, "temperature_c"),
        ({"indicator": "maybe"}, "indicator"),
        ({"run_at": "2999-01-01T10:00"}, "run_at"),
    ):
        answer = c.post("/api/v1/sterilisation/cycles", json=CYCLE | change)
        assert answer.status_code == 422 and answer.json()["field"] == field, (change, answer.text)
    assert c.get("/api/v1/sterilisation/cycles?limit=0").json()["field"] == "limit"
    desk = world.signed_in("front-desk")
    assert desk.post("/api/v1/sterilisation/cycles", json=CYCLE).status_code == 403
    assert desk.get("/api/v1/sterilisation/cycles").status_code == 403


def test_the_sessions_one_load_reached(world: World) -> None:
    cycle = _cycle(world)
    _, session_id = treat(world, sterilisation_cycle=cycle)
    c = world.signed_in("practitioner")
    reached = c.get(f"/api/v1/sterilisation/cycles/{cycle}/sessions")
    assert reached.status_code == 200
    body = reached.json()
    assert body["cycle"]["id"] == cycle and [s["id"] for s in body["sessions"]] == [session_id]
    assert [x["name"] for x in body["clients"]] == ["Alex Doe"]
    theirs = _cycle(world, "other")
    missing = c.get(f"/api/v1/sterilisation/cycles/{theirs}/sessions")
    assert missing.status_code == 404 and missing.json()["code"] == "no_cycle"
    assert c.get("/api/v1/sterilisation/cycles/0/sessions").json()["field"] == "cycle"
    assert (
        world.signed_in("front-desk").get(f"/api/v1/sterilisation/cycles/{cycle}/sessions").status_code == 403
    )


def test_a_failed_spore_test_opens_a_corrective_action_closed_after_a_repeat_passes(world: World) -> None:
    two_days_ago = (world.today() - dt.timedelta(days=2)).isoformat()
    cycle = _cycle(world, run_at=f"{two_days_ago}T09:00")
    treat(world, sterilisation_cycle=cycle)
    c = world.signed_in("practitioner")
    yesterday = (world.today() - dt.timedelta(days=1)).isoformat()
    failed = c.post("/api/v1/sterilisation/spore-tests", json={"result": "fail", "tested_on": yesterday})
    assert failed.status_code == 201, failed.text
    opened = failed.json()["corrective_action"]
    assert opened["cycles"] == [cycle] and [x["id"] for x in opened["clients"]] == [world.client]
    listed = c.get("/api/v1/sterilisation/corrective-actions").json()["corrective_actions"]
    assert [(a["id"], a["failed_on"], a["repeat_passed_on"]) for a in listed] == [
        (opened["id"], yesterday, None)
    ]
    assert listed[0]["steps"][0].startswith("stop using the steriliser")
    assert [x["tested_on"] for x in c.get("/api/v1/sterilisation/spore-tests").json()["spore_tests"]] == [
        yesterday
    ]
    held = c.get("/api/v1/sterilisation/cycles").json()["cycles"][0]
    assert held["held_by_spore_test_on"] == yesterday

    close = f"/api/v1/sterilisation/corrective-actions/{opened['id']}/close"
    words = {"resolution": "loads reprocessed, client called"}
    early = c.post(close, json=words)
    assert early.status_code == 409 and early.json()["code"] == "repeat_spore_test_needed"
    assert (
        c.post("/api/v1/sterilisation/spore-tests", json={"result": "pass"}).json()["corrective_action"]
        is None
    )
    closed = c.post(close, json=words)
    assert closed.status_code == 200, closed.text
    assert closed.json()["closed_at"] and closed.json()["steps"] == []
    assert closed.json()["repeat_passed_on"] == world.today().isoformat()
    assert c.post(close, json=words).status_code == 200  # a retry changes nothing
    other_words = c.post(close, json={"resolution": "something else"})
    assert other_words.status_code == 409 and other_words.json()["code"] == "already_closed"
    assert c.get("/api/v1/sterilisation/corrective-actions").json() == {"corrective_actions": []}
    everything = c.get("/api/v1/sterilisation/corrective-actions?include_closed=true").json()
    assert [a["resolution"] for a in everything["corrective_actions"]] == [words["resolution"]]


def test_spore_tests_and_corrective_actions_refuse_bad_input_other_clinics_and_front_desk(
    world: World,
) -> None:
    c = world.signed_in("owner")
    bad = c.post("/api/v1/sterilisation/spore-tests", json={"result": "maybe"})
    assert bad.status_code == 422 and bad.json()["field"] == "result"
    future = (world.today() + dt.timedelta(days=2)).isoformat()
    assert (
        c.post("/api/v1/sterilisation/spore-tests", json={"result": "pass", "tested_on": future}).json()[
            "field"
        ]
        == "tested_on"
    )
    theirs = world.signed_in("other").post("/api/v1/sterilisation/spore-tests", json={"result": "fail"})
    action = theirs.json()["corrective_action"]["id"]
    close = f"/api/v1/sterilisation/corrective-actions/{action}/close"
    missing = c.post(close, json={"resolution": "done"})
    assert missing.status_code == 404 and missing.json()["code"] == "no_corrective_action"
    assert c.post(close, json={}).json()["field"] == "resolution"
    assert c.get("/api/v1/sterilisation/corrective-actions").json() == {"corrective_actions": []}
    desk = world.signed_in("front-desk")
    assert desk.post("/api/v1/sterilisation/spore-tests", json={"result": "pass"}).status_code == 403
    assert desk.get("/api/v1/sterilisation/spore-tests").status_code == 403
    assert desk.get("/api/v1/sterilisation/corrective-actions").status_code == 403
    assert desk.post(close, json={"resolution": "done"}).status_code == 403
