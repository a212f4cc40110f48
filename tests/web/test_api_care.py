"""The stateless care answers under the clinic's rules, and the dashboard.

Every signed-in role may ask for care answers and the dashboard (no 403 by role: the dashboard leaves out
the parts a role may not read)."""

from __future__ import annotations

import datetime as dt

from tests.records.conftest import QUESTIONS
from tests.web.conftest import World
from tests.web.test_api_lots import add_stock

ALL_NO = {q: False for q in QUESTIONS}
REMOVAL = {
    "skin_type": "III",
    "location": "head-neck",
    "colour": "black",
    "ink_amount": "amateur",
    "scarring": "none",
    "layering": "none",
}


def test_screening_questions_and_answers_follow_the_clinics_rules(world: World) -> None:
    c = world.signed_in("front-desk")
    questions = c.get("/api/v1/care/screening/questions").json()
    assert [q["key"] for q in questions["questions"]] == QUESTIONS
    keloid = questions["questions"][0]
    assert keloid["outcome"] == "stop" and keloid["required"] is True and keloid["source"]
    assert questions["minimum_age_years"] == 18
    clear = c.post("/api/v1/care/screening", json={"date_of_birth": "1980-01-02", "answers": ALL_NO})
    assert clear.status_code == 200 and clear.json()["outcome"] == "proceed"
    stop = c.post(
        "/api/v1/care/screening",
        json={"date_of_birth": "1980-01-02", "answers": ALL_NO | {"keloid_history": True}},
    ).json()
    assert stop["outcome"] == "stop" and stop["findings"][0]["question"] == "keloid_history"
    partial = c.post(
        "/api/v1/care/screening", json={"date_of_birth": "1980-01-02", "answers": {"diabetes": False}}
    )
    assert partial.json()["outcome"] != "proceed" and "keloid_history" in partial.json()["unanswered"]

    world.signed_in("owner").put("/api/v1/clinic/rules", json={"toml": '[care]\nversion = "strict"\n'})
    assert "clinic-v1" in c.get("/api/v1/care/screening/questions").json()["rules_version"]
    assert (
        "clinic-v1"
        in c.post("/api/v1/care/screening", json={"date_of_birth": "1980-01-02", "answers": ALL_NO}).json()[
            "rules_version"
        ]
    )
    assert (
        "clinic-v1"
        not in world.signed_in("other").get("/api/v1/care/screening/questions").json()["rules_version"]
    )


def test_screening_names_the_wrong_field(world: World) -> None:
    c = world.signed_in("owner")
    for body, field in (
        ({"date_of_birth": "yesterday", "answers": {}}, "date_of_birth"),
        ({"date_of_birth": "1980-01-02", "answers": {"likes_cats": True}}, "answers"),
        ({"date_of_birth": "1980-01-02", "answers": {"diabetes": "yes"}}, "answers.diabetes"),
        ({"answers": {}}, "date_of_birth"),
    ):
        answer = c.post("/api/v1/care/screening", json=body)
        assert answer.status_code == 422 and answer.json()["field"] == field, (body, answer.text)


def test_triage_a_report(world: World) -> None:
    c = world.signed_in("front-desk")
    normal = c.post("/api/v1/care/triage", json={"day": 1, "symptoms": ["redness"]})
    assert normal.status_code == 200 and normal.json()["disposition"] and normal.json()["sources"]
    spreading = c.post("/api/v1/care/triage", json={"day": 4, "symptoms": ["redness"], "spreading": True})
    assert spreading.json()["disposition"] != normal.json()["disposition"]
    assert c.post("/api/v1/care/triage", json={"symptoms": ["redness"]}).json()["field"] == "day"
    unknown = c.post("/api/v1/care/triage", json={"day": 1, "symptoms": ["glowing"]})
    assert unknown.status_code == 422 and unknown.json()["field"] == "symptom"


def test_aftercare_in_every_format(world: World) -> None:
    c = world.signed_in("practitioner")
    day = world.today().isoformat()
    text = c.post("/api/v1/care/aftercare", json={"session_date": day, "format": "text"})
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    assert (
        text.text.startswith("Aftercare after your SMP session") and "content-disposition" not in text.headers
    )
    plan = c.post("/api/v1/care/aftercare", json={"session_date": day, "format": "json"})
    assert plan.headers["content-type"] == "application/json" and plan.json()
    ics = c.post("/api/v1/care/aftercare", json={"session_date": day, "format": "ics"})
    assert ics.headers["content-type"].startswith("text/calendar") and b"BEGIN:VCALENDAR" in ics.content
    assert ics.headers["content-disposition"] == 'attachment; filename="aftercare.ics"'
    pdf = c.post("/api/v1/care/aftercare", json={"session_date": day, "format": "pdf"})
    assert pdf.content.startswith(b"%PDF") and pdf.headers["content-disposition"].endswith('aftercare.pdf"')
    bad = c.post("/api/v1/care/aftercare", json={"session_date": day, "format": "docx"})
    assert bad.status_code == 422 and bad.json()["field"] == "format"
    assert c.post("/api/v1/care/aftercare", json={"format": "pdf"}).json()["field"] == "session_date"


def test_pigment_check_and_removal(world: World) -> None:
    c = world.signed_in("front-desk")
    product = {
        "name": "Scalp Black",
        "brand": "Acme",
        "lot": "PIG-1",
        "expires": (world.today() + dt.timedelta(days=300)).isoformat(),
        "ci_numbers": ["77266"],
    }
    checked = c.post("/api/v1/care/pigment-check", json={"product": product})
    assert checked.status_code == 200, checked.text
    assert checked.json()["jurisdiction"] == "eu" and isinstance(checked.json()["compliant"], bool)
    assert c.post("/api/v1/care/pigment-check", json={"product": "black"}).status_code == 422
    removal = c.post("/api/v1/care/removal", json=REMOVAL)
    assert removal.status_code == 200 and removal.json()["kirby_desai_score"] > 0
    assert removal.json()["sources"]
    missing = c.post("/api/v1/care/removal", json={k: v for k, v in REMOVAL.items() if k != "colour"})
    assert missing.status_code == 422 and missing.json()["field"] == "colour"


def test_the_dashboard_shows_what_the_role_may_read(world: World) -> None:
    add_stock(world)
    soon = (world.today() + dt.timedelta(days=10)).isoformat()
    expiring = world.signed_in("owner").post(
        "/api/v1/lots",
        json={"kind": "needle", "product": "n", "lot": "SOON", "expires": soon, "quantity": 1},
    )
    board = world.signed_in("front-desk").get("/api/v1/dashboard")
    assert board.status_code == 200
    body = board.json()
    assert body["today"] and body["horizon_days"] == 30
    assert [(a["kind"], a["target"], a["target_id"]) for a in body["alerts"]] == [
        ("lot_expiring", "lot", expiring.json()["id"])
    ]
    assert world.signed_in("front-desk").get("/api/v1/dashboard?horizon_days=5").json()["alerts"] == []
    bad = world.signed_in("owner").get("/api/v1/dashboard?horizon_days=0")
    assert bad.status_code == 422 and bad.json()["field"] == "horizon_days"
    assert world.signed_in("other").get("/api/v1/dashboard").json()["alerts"] == []
