"""The adverse events API: logging an event, the brand's deadlines due and the "brand notified" step."""

from __future__ import annotations

import datetime as dt

from smpstudio.services import adverse_events
from tests.web.conftest import World
from tests.web.test_api_lots import ctx_of


def _event(world: World, **values: object) -> dict[str, object]:
    return {"client_id": world.client, "description": "raised red bumps", "serious": ["infection"]} | values


def test_log_a_serious_event_see_its_deadline_and_mark_the_brand_notified(world: World) -> None:
    c = world.signed_in("practitioner")
    added = c.post("/api/v1/adverse-events", json=_event(world))
    assert added.status_code == 201, added.text
    event = added.json()
    assert event["serious"] is True and event["report_deadline_on"] > world.today().isoformat()
    assert "mocra2022" in event["source"]
    mild = c.post("/api/v1/adverse-events", json=_event(world, serious=[]))
    assert mild.json()["report_deadline_on"] is None
    assert c.get("/api/v1/adverse-events/due").json() == {"events": []}  # 15 business days away
    due = c.get("/api/v1/adverse-events/due?within_days=30").json()["events"]
    assert [(e["id"], e["client"]["name"]) for e in due] == [(event["id"], "Alex Doe")]
    assert due[0]["days_left"] >= 15 and due[0]["serious_criteria"] == ["infection"]

    path = f"/api/v1/adverse-events/{event['id']}/brand-notified"
    marked = c.post(path, json={})
    assert marked.status_code == 200, marked.text
    assert marked.json() == {
        "id": event["id"],
        "brand_notified_on": world.today().isoformat(),
        "report_deadline_on": event["report_deadline_on"],
        "on_time": True,
    }
    assert c.post(path).status_code == 200  # the same day again changes nothing
    assert c.get("/api/v1/adverse-events/due?within_days=30").json() == {"events": []}
    yesterday = (world.today() - dt.timedelta(days=1)).isoformat()
    assert c.post(path, json={"brand_notified_on": yesterday}).status_code == 422  # before it was received
    earlier = c.post("/api/v1/adverse-events", json=_event(world, received_on=yesterday)).json()
    later = c.post(
        f"/api/v1/adverse-events/{earlier['id']}/brand-notified", json={"brand_notified_on": yesterday}
    )
    assert later.json()["brand_notified_on"] == yesterday
    conflict = c.post(f"/api/v1/adverse-events/{earlier['id']}/brand-notified", json={})
    assert conflict.status_code == 409 and conflict.json()["code"] == "already_notified"


def test_adverse_events_name_the_wrong_field(world: World) -> None:
    c = world.signed_in("owner")
    tomorrow = (world.today() + dt.timedelta(days=1)).isoformat()
    for change, field in (
        ({"serious": ["sad"]}, "serious"),
        ({"received_on": tomorrow}, "received_on"),
        ({"description": ""}, "description"),
        ({"client_id": "me"}, "client_id"),
    ):
        answer = c.post("/api/v1/adverse-events", json=_event(world, **change))
        assert answer.status_code == 422 and answer.json()["field"] == field, (change, answer.text)
    assert c.get("/api/v1/adverse-events/due?within_days=-1").json()["field"] == "within_days"
    assert c.get("/api/v1/adverse-events/due?on=monday").json()["field"] == "on"
    event = c.post("/api/v1/adverse-events", json=_event(world)).json()["id"]
    bad = c.post(f"/api/v1/adverse-events/{event}/brand-notified", json={"brand_notified_on": tomorrow})
    assert bad.status_code == 422 and bad.json()["field"] == "brand_notified_on"


def test_adverse_events_of_another_clinic_are_not_found_and_front_desk_may_not(world: World) -> None:
    c = world.signed_in("owner")
    theirs = c.post("/api/v1/adverse-events", json=_event(world, client_id=world.other_client))
    assert theirs.status_code == 404 and theirs.json()["code"] == "no_client"
    their_event = adverse_events.add_adverse_event(
        ctx_of(world, "other"),
        adverse_events.AdverseEventRequest.of(
            client_id=world.other_client, description="x", serious=["death"]
        ),
    ).id
    missing = c.post(f"/api/v1/adverse-events/{their_event}/brand-notified", json={})
    assert missing.status_code == 404 and missing.json()["code"] == "no_adverse_event"
    assert c.get("/api/v1/adverse-events/due?within_days=30").json() == {"events": []}
    desk = world.signed_in("front-desk")
    assert desk.post("/api/v1/adverse-events", json=_event(world)).status_code == 403
    assert desk.get("/api/v1/adverse-events/due").status_code == 403
    assert desk.post(f"/api/v1/adverse-events/{their_event}/brand-notified", json={}).status_code == 403
