"""The reports' JSON API: the owner reads each report over a window of months; practitioners and front desk
are refused; another clinic's owner sees only their own clinic's numbers; a bad window names its field.

:func:`seed_reports` gives clinic A (UTC) a known year 2025: two pigment products, a lot whose sessions had
adverse events far more often than the others', follow-ups and a touch-up. The pages' tests share it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select

from smpstudio.records.models import AdverseEvent, AuditEntry, FollowUp, Lot, Reminder, Session, StockMove
from tests.web.conftest import World

#: A product name a spreadsheet would run as a formula.
HYPERLINK = '=HYPERLINK("https://evil.example/","open me")'
WINDOW = "?from=2025-01&to=2025-12"
REPORTS = ("sessions", "lots", "adverse-events", "follow-ups", "touch-ups")


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, tzinfo=dt.UTC)


def seed_reports(world: World) -> dict[str, int]:
    """Clinic A's 2025, written straight into the store (ids of the lots, by code)."""
    prac = world.users["practitioner"]

    def write(db: Any) -> dict[str, int]:
        lots = {}
        for kind, product, code, quantity in (
            ("pigment", "Acme Black", "BAD", 1),
            ("pigment", "Acme Black", "GOOD", 6),
            ("pigment", HYPERLINK, "-1+1", 2),
            ("needle", "Needle 3RL", "N", 50),
        ):
            row = Lot(
                clinic_id=world.clinic,
                kind=kind,
                product=product,
                lot_code=code,
                expires_on=dt.date(2027, 1, 31),
                quantity=quantity,
            )
            db.add(row)
            db.flush()
            lots[code] = row.id
        plan = [("BAD", 4), ("GOOD", 40), ("-1+1", 2)]
        sessions = []
        k = 0
        for code, count in plan:
            for _ in range(count):
                when = at(1 + k % 12, 5 + k // 12)
                row = Session(
                    clinic_id=world.clinic,
                    client_id=world.client,
                    practitioner_id=prac,
                    started_at=when,
                    zones=["full"],
                    pigment_lot_id=lots[code],
                    needle_lot_id=lots["N"],
                    ink_fraction=1.0,
                    rules_version="test",
                )
                db.add(row)
                db.flush()
                db.add(StockMove(lot_id=lots["N"], delta=-1, reason="session", session_id=row.id, at=when))
                sessions.append((code, row))
                k += 1
        for _, row in [s for s in sessions if s[0] == "BAD"][:3]:
            db.add(
                AdverseEvent(
                    client_id=world.client,
                    session_id=row.id,
                    received_on=dt.date(2025, 11, 1),
                    description="lumps",
                    serious=False,
                    serious_criteria=[],
                )
            )
        for done in (at(5, 10), None):  # one done on the day it was due, one still open
            due = dt.date(2025, 5, 10)
            db.add(FollowUp(client_id=world.client, due_on=due, purpose="call", done_at=done))
        db.add(Reminder(client_id=world.client, kind="touch-up", due_on=dt.date(2025, 8, 15), basis="test"))
        return lots

    return world.store.write(write)


def test_the_owner_reads_each_report(world: World) -> None:
    seed_reports(world)
    c = world.signed_in("owner")
    sessions = c.get(f"/api/v1/reports/sessions{WINDOW}")
    assert sessions.status_code == 200, sessions.text
    body = sessions.json()
    assert body["window"]["months"][0] == "2025-01" and body["window"]["timezone"] == "UTC"
    assert body["sessions"] == 46 and [m["sessions"] for m in body["months"]][:3] == [4, 4, 4]
    assert body["practitioners"] == [{"id": world.users["practitioner"], "name": "Pat Practitioner"}]

    lots = c.get(f"/api/v1/reports/lots{WINDOW}").json()["lots"]
    assert [(x["product"], x["lot"], x["sessions"], x["units_used"], x["remaining"]) for x in lots] == [
        ('=HYPERLINK("https://evil.example/","open me")', "-1+1", 2, 0, 2),
        ("Acme Black", "BAD", 4, 0, 1),
        ("Acme Black", "GOOD", 40, 0, 6),
        ("Needle 3RL", "N", 46, 46, 50),
    ]

    events = c.get(f"/api/v1/reports/adverse-events{WINDOW}").json()
    assert [s["lot"] for s in events["signals"]] == ["BAD"]
    assert events["signals"][0]["message"] == (
        "Lot BAD of Acme Black: 3 of 4 sessions had an adverse event, against 0 of 42 for the clinic's other "
        "pigment lots: look into this lot."
    )
    assert [(b["product"], b["sessions"], b["events"]) for b in events["brands"]] == [
        (HYPERLINK, 2, 0),
        ("Acme Black", 44, 3),
    ]

    followups = c.get(f"/api/v1/reports/follow-ups{WINDOW}").json()
    may = next(m for m in followups["months"] if m["month"] == "2025-05")
    assert (may["due"], may["on_time"], may["late"], may["open"], may["done_rate"]) == (2, 1, 0, 1, 0.5)

    touch_ups = c.get("/api/v1/reports/touch-ups?quarter=2025-Q3").json()
    assert touch_ups["quarter"] == "2025-Q3"
    assert [(x["name"], x["due_on"], x["last_session_on"]) for x in touch_ups["clients"]] == [
        ("Alex Doe", "2025-08-15", "2025-12-07")
    ]


def test_the_default_window_is_the_last_twelve_months(world: World) -> None:
    this_month = dt.datetime.now(dt.UTC).date().replace(day=1)
    body = world.bearer("owner").get("/api/v1/reports/follow-ups").json()
    assert len(body["window"]["months"]) == 12 and body["window"]["last_month"] == this_month.isoformat()[:7]


@pytest.mark.parametrize("role", ["practitioner", "front-desk"])
def test_practitioners_and_front_desk_are_refused(world: World, role: str) -> None:
    for c in (world.signed_in(role), world.bearer(role)):
        for report in REPORTS:
            answer = c.get(f"/api/v1/reports/{report}")
            assert answer.status_code == 403, (report, answer.text)
            assert answer.json()["kind"] == "forbidden"


def test_another_clinic_sees_none_of_this_clinics_numbers(world: World) -> None:
    seed_reports(world)
    c = world.signed_in("other")
    assert c.get(f"/api/v1/reports/sessions{WINDOW}").json()["sessions"] == 0
    assert c.get(f"/api/v1/reports/lots{WINDOW}").json()["lots"] == []
    events = c.get(f"/api/v1/reports/adverse-events{WINDOW}").json()
    assert events["lots"] == [] and events["brands"] == [] and events["signals"] == []
    assert c.get(f"/api/v1/reports/follow-ups{WINDOW}").json()["total"]["due"] == 0
    assert c.get("/api/v1/reports/touch-ups?quarter=2025-Q3").json()["clients"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?from=2025-13", "from"),
        ("?to=soon", "to"),
        ("?from=2025-06&to=2025-01", "from"),
        ("?from=2020-01&to=2025-01", "from"),
    ],
)
def test_a_bad_window_names_its_field(world: World, query: str, field: str) -> None:
    answer = world.signed_in("owner").get(f"/api/v1/reports/lots{query}")
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field and answer.json()["kind"] == "invalid"


def test_a_bad_quarter_names_its_field(world: World) -> None:
    answer = world.signed_in("owner").get("/api/v1/reports/touch-ups?quarter=2025-Q9")
    assert answer.status_code == 422 and answer.json()["field"] == "quarter"


def test_a_read_is_audited_as_the_report_never_its_numbers(world: World) -> None:
    seed_reports(world)
    world.signed_in("owner").get(f"/api/v1/reports/adverse-events{WINDOW}")
    entries = world.store.read(
        lambda db: [
            (e.action, e.entity_id, json.loads(e.detail))
            for e in db.scalars(select(AuditEntry).where(AuditEntry.entity == "report"))
        ]
    )
    assert entries == [("read", "adverse-events", {"first_month": "2025-01", "last_month": "2025-12"})]
