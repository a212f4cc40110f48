"""The owner's reports over a clinic seeded with known sessions, lots, events, follow-ups and touch-ups across
months (a clinic in London, whose months and days are not UTC's; the clock stopped on 2026-03-15), on both
backends: every number is the one the seed implies, another clinic's records never count, and only an owner
may read a report.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from math import comb
from typing import Any

import pytest
from sqlalchemy import select

from smpstudio.errors import AccessError, InputError
from smpstudio.records.models import (
    AdverseEvent,
    AuditEntry,
    Client,
    FollowUp,
    Lot,
    Reminder,
    Session,
    StockMove,
)
from smpstudio.records.store import Store
from smpstudio.services import clinics, report_signals, reports
from smpstudio.services.context import Clock, ServiceContext
from smpstudio.services.report_signals import SignalThresholds, lot_signal
from smpstudio.services.reports import ReportWindowRequest, TouchUpsRequest
from tests.records.conftest import acting

UTC = dt.UTC
#: The clinic's now: 2026-03-15 12:00 UTC (London is on GMT until 2026-03-29).
NOW = dt.datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
MONTHS = [f"2025-{m:02d}" for m in range(4, 13)] + ["2026-01", "2026-02", "2026-03"]
#: The regular sessions: 21 in each month of the default window (k = 0 .. 251).
REGULAR = 252


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


@dataclass(frozen=True)
class Seeded:
    clinic: int
    owner: int
    pat: int
    avery: int
    desk: int
    other_owner: int
    lots: dict[str, int]
    clients: list[int]
    erased: int


def _month_of(k: int) -> tuple[int, int]:
    index = 2025 * 12 + 3 + k % 12  # 2025-04 + k % 12
    return index // 12, index % 12 + 1


def seed(store: Store) -> Seeded:
    """The clinic of the module's docstring; see each block for what it adds."""
    created = clinics.init_clinic(
        acting(store), clinics.InitClinicRequest.of(name="Report Clinic", timezone="Europe/London")
    )
    owner = created.owner_id
    as_owner = acting(store, owner)
    staff = {}
    for name, role in (("Pat", "practitioner"), ("Avery", "practitioner"), ("Fran", "front-desk")):
        staff[name] = clinics.add_user(
            as_owner, clinics.AddUserRequest.of(name=name, role=role, certified_until="2999-01-01")
        ).id
    other = clinics.init_clinic(
        as_owner, clinics.InitClinicRequest.of(name="Other Clinic", owner_email="b@example.org")
    )

    def write(db: Any) -> Seeded:
        clinic = created.clinic_id
        people = [Client(clinic_id=clinic, name=f"Client {n}") for n in range(5)]
        erased = Client(clinic_id=clinic, name="Erased", erased_at=at(2025, 9, 1))
        stranger = Client(clinic_id=other.clinic_id, name="Stranger")
        db.add_all([*people, erased, stranger])
        db.flush()
        lot_specs = {
            # key: (kind, product, code, quantity now, recalled)
            "BAD1": ("pigment", "Acme Black", "BAD1", 2, True),
            "OK1": ("pigment", "Acme Black", "OK1", 5, False),
            "OK2": ("pigment", "Acme Black", "OK2", 0, False),
            "Z1": ("pigment", "Zen Ink", "Z1", 3, False),
            "Z2": ("pigment", "Zen Ink", "Z2", 4, False),  # in stock, never used
            "EMPTY": ("pigment", "Zen Ink", "EMPTY", 0, False),  # used up before: not listed
            "N1": ("needle", "Needle 3RL", "N1", 350, False),
            "N2": ("needle", "Needle 3RL", "N2", 190, False),
            "D1": ("diluent", "Mix", "D1", 1, False),
            "X1": ("pigment", "Acme Black", "X1", 9, False),  # the other clinic's
            "XN": ("needle", "Needle 3RL", "XN", 9, False),  # the other clinic's
        }
        lots = {}
        for key, (kind, product, code, quantity, recalled) in lot_specs.items():
            row = Lot(
                clinic_id=other.clinic_id if key.startswith("X") else clinic,
                kind=kind,
                product=product,
                lot_code=code,
                expires_on=dt.date(2026, 1, 31) if key == "OK1" else dt.date(2027, 6, 30),
                quantity=quantity,
                recalled_at=at(2026, 2, 1) if recalled else None,
            )
            db.add(row)
            db.flush()
            lots[key] = row.id

        def add_session(when: dt.datetime, who: int, pigment: str, needle: str, **kw: Any) -> Session:
            row = Session(
                clinic_id=kw.pop("clinic", clinic),
                client_id=kw.pop("client", people[0].id),
                practitioner_id=who,
                started_at=when,
                zones=["full"],
                pigment_lot_id=lots[pigment],
                needle_lot_id=lots[needle],
                diluent_lot_id=lots[kw.pop("diluent")] if kw.get("diluent") else None,
                ink_fraction=1.0,
                rules_version="test",
                **{k: v for k, v in kw.items() if k != "diluent"},
            )
            db.add(row)
            db.flush()
            if not row.historical:
                db.add(StockMove(lot_id=lots[needle], delta=-1, reason="session", session_id=row.id, at=when))
            return row

        db.add(StockMove(lot_id=lots["N1"], delta=500, reason="received", at=at(2025, 1, 1)))
        db.add(StockMove(lot_id=lots["N2"], delta=300, reason="received", at=at(2025, 1, 1)))
        db.add(StockMove(lot_id=lots["N2"], delta=-5, reason="adjust: damaged", at=at(2025, 8, 1)))
        regular = []
        for k in range(REGULAR):
            year, month = _month_of(k)
            who = staff["Avery"] if (k // 12) % 3 == 0 else staff["Pat"]
            pigment = "BAD1" if k < 12 else "OK1" if k < 132 else "OK2" if k < 232 else "Z1"
            regular.append(
                add_session(
                    at(year, month, 10 + (k // 12) % 15),
                    who,
                    pigment,
                    "N1" if k < 150 else "N2",
                    client=people[k % 5].id,
                    diluent="D1" if k < 60 else None,
                )
            )
        # 00:30 on 1 April 2025 and 1 July 2025 in London (BST): April's and July's, not March's and June's
        add_session(at(2025, 3, 31, 23, 30), staff["Pat"], "OK2", "N2")
        add_session(at(2025, 6, 30, 23, 30), staff["Pat"], "OK2", "N2", client=people[1].id)
        # two historical sessions in May 2025 (recorded after the fact: no stock taken)
        for day in (3, 4):
            add_session(at(2025, 5, day), staff["Avery"], "OK2", "N2", historical=True)
        # before the window, and the other clinic's: never counted
        early = add_session(at(2025, 3, 15), staff["Pat"], "BAD1", "N2")
        add_session(at(2025, 6, 1), other.owner_id, "X1", "XN", clinic=other.clinic_id, client=stranger.id)
        for session, count in (
            (regular[0], 2),
            (regular[1], 1),
            (regular[2], 1),
            (regular[12], 1),
            (early, 1),
        ):
            for _ in range(count):
                db.add(
                    AdverseEvent(
                        client_id=session.client_id,
                        session_id=session.id,
                        received_on=dt.date(2025, 12, 1),
                        description="redness",
                        serious=False,
                        serious_criteria=[],
                    )
                )
        for received in (dt.date(2025, 9, 9), dt.date(2025, 2, 2)):  # named no session: no lot
            db.add(
                AdverseEvent(
                    client_id=people[3].id,
                    received_on=received,
                    description="itch",
                    serious=False,
                    serious_criteria=[],
                )
            )
        followups = [
            (people[0], dt.date(2025, 6, 10), at(2025, 6, 10, 22, 30)),  # 23:30 BST the same day: on time
            (people[1], dt.date(2025, 6, 10), at(2025, 6, 10, 23, 30)),  # 00:30 BST the next day: late
            (people[2], dt.date(2025, 6, 20), None),
            (people[3], dt.date(2025, 12, 5), at(2025, 12, 5, 23, 30)),  # GMT: still the 5th, on time
            (people[4], dt.date(2026, 1, 15), at(2026, 1, 20)),
            (people[0], dt.date(2025, 3, 31), None),  # before the window
            (erased, dt.date(2025, 8, 1), None),  # open, client erased: left out
            (erased, dt.date(2025, 8, 2), at(2025, 8, 2)),  # done: counted
            (people[1], dt.date(2026, 3, 20), None),
            (stranger, dt.date(2025, 6, 10), None),
        ]
        for who_for, due, done in followups:
            db.add(FollowUp(client_id=who_for.id, due_on=due, purpose="day-3 call", done_at=done))
        touch_ups = [
            (people[0], dt.date(2026, 4, 2), None),
            (people[1], dt.date(2026, 6, 30), None),
            (people[2], dt.date(2026, 7, 1), None),
            (people[3], dt.date(2026, 3, 31), None),
            (people[4], dt.date(2026, 5, 5), at(2026, 3, 1)),
            (erased, dt.date(2026, 5, 1), None),
            (stranger, dt.date(2026, 5, 1), None),
        ]
        for who_for, due, done in touch_ups:
            db.add(Reminder(client_id=who_for.id, kind="touch-up", due_on=due, basis="test", done_at=done))
        db.flush()
        return Seeded(
            clinic=clinic,
            owner=owner,
            pat=staff["Pat"],
            avery=staff["Avery"],
            desk=staff["Fran"],
            other_owner=other.owner_id,
            lots=lots,
            clients=[p.id for p in people],
            erased=erased.id,
        )

    return store.write(write)


@pytest.fixture
def seeded(store: Store) -> Seeded:
    return seed(store)


def ctx(store: Store, user_id: int, now: dt.datetime = NOW) -> ServiceContext:
    return ServiceContext(store=store, user_id=user_id, clock=Clock.fixed(now))


# --- sessions -------------------------------------------------------------------------------------------


def test_sessions_per_practitioner_and_month_in_the_clinics_calendar(store: Store, seeded: Seeded) -> None:
    report = reports.sessions_report(ctx(store, seeded.owner))
    assert report.window.months == MONTHS and report.window.timezone == "Europe/London"
    assert [p.name for p in report.practitioners] == ["Avery", "Pat"]
    by_month = {m.month: m for m in report.months}
    expected = {m: (21, 0) for m in MONTHS} | {"2025-04": (22, 0), "2025-05": (23, 2), "2025-07": (22, 0)}
    assert {m: (x.sessions, x.historical) for m, x in by_month.items()} == expected
    avery, pat = (report.practitioners[0].id, report.practitioners[1].id)
    assert (avery, pat) == (seeded.avery, seeded.pat)
    per = {
        (m.month, c.practitioner_id): (c.sessions, c.historical)
        for m in report.months
        for c in m.by_practitioner
    }
    assert per[("2025-04", pat)] == (15, 0) and per[("2025-04", avery)] == (7, 0)
    assert per[("2025-05", avery)] == (9, 2) and per[("2025-05", pat)] == (14, 0)
    assert per[("2025-07", pat)] == (15, 0) and per[("2026-03", pat)] == (14, 0)
    assert (report.sessions, report.historical) == (256, 2)


def test_a_window_of_the_owners_choice(store: Store, seeded: Seeded) -> None:
    request = ReportWindowRequest.of(first_month="2025-03", last_month="2025-04")
    report = reports.sessions_report(ctx(store, seeded.owner), request)
    assert [(m.month, m.sessions) for m in report.months] == [("2025-03", 1), ("2025-04", 22)]
    only_first = reports.sessions_report(
        ctx(store, seeded.owner), ReportWindowRequest.of(first_month="2026-01")
    )
    assert only_first.window.months == ["2026-01", "2026-02", "2026-03"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"first_month": "2025-13"}, "first_month"),
        ({"last_month": "March"}, "last_month"),
        ({"first_month": "2025-05", "last_month": "2025-04"}, "first_month"),
    ],
)
def test_a_window_that_is_not_months_is_refused(values: dict[str, str], field: str) -> None:
    with pytest.raises(InputError) as caught:
        ReportWindowRequest.of(**values)
    assert caught.value.field == field


def test_a_window_longer_than_36_months_is_refused(store: Store, seeded: Seeded) -> None:
    request = ReportWindowRequest.of(first_month="2023-03", last_month="2026-03")
    with pytest.raises(InputError) as caught:
        reports.sessions_report(ctx(store, seeded.owner), request)
    assert caught.value.field == "first_month" and "36" in (caught.value.allowed or "")


# --- lots -----------------------------------------------------------------------------------------------


def test_lots_used_in_the_window_and_remaining_now(store: Store, seeded: Seeded) -> None:
    report = reports.lots_report(ctx(store, seeded.owner))
    rows = [
        (x.kind, x.product, x.lot, x.sessions, x.units_used, x.remaining, x.recalled) for x in report.lots
    ]
    assert rows == [
        ("pigment", "Acme Black", "BAD1", 12, 0, 2, True),
        ("pigment", "Acme Black", "OK1", 120, 0, 5, False),
        ("pigment", "Acme Black", "OK2", 104, 0, 0, False),
        ("pigment", "Zen Ink", "Z1", 20, 0, 3, False),
        ("pigment", "Zen Ink", "Z2", 0, 0, 4, False),
        ("needle", "Needle 3RL", "N1", 150, 150, 350, False),
        ("needle", "Needle 3RL", "N2", 106, 104, 190, False),
        ("diluent", "Mix", "D1", 60, 0, 1, False),
    ]
    ok1 = next(x for x in report.lots if x.lot == "OK1")
    bad = next(x for x in report.lots if x.lot == "BAD1")
    assert ok1.expired and not bad.expired and bad.recalled_on == dt.date(2026, 2, 1)


def test_a_lots_units_used_count_the_same_sessions_as_its_sessions(store: Store, seeded: Seeded) -> None:
    # a session of March 2025 (before the window) recorded in May 2025: its cartridge is March's, not May's
    def late_record(db: Any) -> None:
        row = Session(
            clinic_id=seeded.clinic,
            client_id=seeded.clients[0],
            practitioner_id=seeded.pat,
            started_at=at(2025, 3, 20),
            zones=["full"],
            pigment_lot_id=seeded.lots["Z2"],
            needle_lot_id=seeded.lots["N2"],
            ink_fraction=1.0,
            rules_version="test",
        )
        db.add(row)
        db.flush()
        db.add(
            StockMove(
                lot_id=seeded.lots["N2"], delta=-1, reason="session", session_id=row.id, at=at(2025, 5, 2)
            )
        )

    store.write(late_record)
    lots = {x.lot: (x.sessions, x.units_used) for x in reports.lots_report(ctx(store, seeded.owner)).lots}
    assert lots["N2"] == (106, 104) and lots["Z2"] == (0, 0)
    earlier = ReportWindowRequest.of(first_month="2025-03", last_month="2025-03")
    lots = {
        x.lot: (x.sessions, x.units_used) for x in reports.lots_report(ctx(store, seeded.owner), earlier).lots
    }
    assert lots["N2"] == (2, 2) and lots["Z2"] == (1, 0)  # with the session of 15 March 2025


# --- adverse events and the lot signal ------------------------------------------------------------------


def test_adverse_events_by_lot_signal_the_outlier_lot_only(store: Store, seeded: Seeded) -> None:
    report = report_signals.adverse_events_report(ctx(store, seeded.owner))
    lots = {x.lot: x for x in report.lots}
    bad = lots["BAD1"]
    assert (bad.sessions, bad.sessions_with_event, bad.events) == (12, 3, 4)
    assert (bad.other_sessions, bad.other_sessions_with_event) == (244, 1)
    assert bad.rate == 0.25 and bad.other_rate == round(1 / 244, 4)
    assert bad.rate_ratio == round(0.25 / (1 / 244), 2)
    assert bad.p_value is not None and bad.p_value < 1e-3 and bad.signal
    assert (lots["OK1"].sessions_with_event, lots["OK1"].signal) == (1, False)
    # the needle lot holds all four sessions with an event (at least 3) but no more than its share
    n1 = lots["N1"]
    assert (n1.sessions, n1.sessions_with_event, n1.other_sessions, n1.other_sessions_with_event) == (
        150,
        4,
        106,
        0,
    )
    assert n1.p_value is not None and n1.p_value > 0.05 and not n1.signal
    # the only diluent lot has nothing to be compared with
    assert (lots["D1"].sessions_with_event, lots["D1"].p_value, lots["D1"].signal) == (4, None, False)
    assert [s.lot for s in report.signals] == ["BAD1"]
    assert report.signals[0].message == (
        "Lot BAD1 of Acme Black: 3 of 12 sessions had an adverse event, against 1 of 244 for the clinic's "
        "other pigment lots: look into this lot."
    )
    assert "not proof" in report.caution and "[fisher1922]" in report.method
    assert report.unlinked_events == 1
    assert "X1" not in lots and "Z2" not in lots


def test_adverse_events_by_pigment_brand(store: Store, seeded: Seeded) -> None:
    report = report_signals.adverse_events_report(ctx(store, seeded.owner))
    brands = [(b.product, b.lots, b.sessions, b.sessions_with_event, b.events, b.rate) for b in report.brands]
    assert brands == [
        ("Acme Black", 3, 236, 4, 5, round(4 / 236, 4)),
        ("Zen Ink", 1, 20, 0, 0, 0.0),
    ]


def test_the_signal_thresholds_are_configurable(store: Store, seeded: Seeded) -> None:
    strict = SignalThresholds(min_events=5, p_value=0.05)
    report = report_signals.adverse_events_report(ctx(store, seeded.owner), None, strict)
    assert report.signals == [] and report.min_events == 5


def test_the_signal_test_itself() -> None:
    assert lot_signal(3, 12, 1, 240).signal
    assert not lot_signal(2, 12, 0, 240).signal  # fewer than 3 sessions with an event
    assert not lot_signal(3, 100, 7, 240).signal  # about the other lots' rate
    assert lot_signal(0, 0, 1, 10) == report_signals.SignalTest(None, None, False)
    assert lot_signal(3, 12, 0, 240).rate_ratio is None  # no event elsewhere: no ratio
    # Fisher's one-sided p for 3 of 12 against 1 of 240: of the 252 sessions, 4 had an event; the chance
    # that 12 drawn at random hold at least 3 of them (the hypergeometric tail)
    tail = sum(comb(4, x) * comb(248, 12 - x) for x in (3, 4)) / comb(252, 12)
    assert lot_signal(3, 12, 1, 240).p_value == pytest.approx(tail, rel=1e-3)
    with pytest.raises(ValueError):
        lot_signal(5, 3, 0, 10)


# --- follow-ups -----------------------------------------------------------------------------------------


def test_followup_completion_per_month(store: Store, seeded: Seeded) -> None:
    report = reports.followups_report(ctx(store, seeded.owner))
    months = {m.month: (m.due, m.on_time, m.late, m.open) for m in report.months}
    assert months == {m: (0, 0, 0, 0) for m in MONTHS} | {
        "2025-06": (3, 1, 1, 1),
        "2025-08": (1, 1, 0, 0),
        "2025-12": (1, 1, 0, 0),
        "2026-01": (1, 0, 1, 0),
        "2026-03": (1, 0, 0, 1),
    }
    june = next(m for m in report.months if m.month == "2025-06")
    assert (june.done_rate, june.on_time_rate) == (0.6667, 0.3333)
    assert next(m for m in report.months if m.month == "2025-05").done_rate is None
    # 20 March 2026 is after the clock's 15 March: due in the window, not yet due today, so in no rate
    march = next(m for m in report.months if m.month == "2026-03")
    assert (march.due, march.open, march.not_yet_due, march.done_rate, march.on_time_rate) == (
        1,
        1,
        1,
        None,
        None,
    )
    t = report.total
    assert (t.due, t.on_time, t.late, t.open, t.not_yet_due) == (7, 3, 2, 2, 1)
    assert (t.done_rate, t.on_time_rate) == (0.8333, 0.5)  # of the 6 already due


# --- touch-ups ------------------------------------------------------------------------------------------


def test_touch_ups_due_next_quarter(store: Store, seeded: Seeded) -> None:
    report = reports.touch_ups_report(ctx(store, seeded.owner))
    assert (report.quarter, report.first_day, report.last_day) == (
        "2026-Q2",
        dt.date(2026, 4, 1),
        dt.date(2026, 6, 30),
    )
    assert [(c.name, c.due_on, c.last_session_on) for c in report.clients] == [
        ("Client 0", dt.date(2026, 4, 2), dt.date(2026, 3, 22)),
        ("Client 1", dt.date(2026, 6, 30), dt.date(2026, 3, 20)),
    ]
    assert [(m.month, m.touch_ups) for m in report.months] == [("2026-04", 1), ("2026-05", 0), ("2026-06", 1)]
    q3 = reports.touch_ups_report(ctx(store, seeded.owner), TouchUpsRequest.of(quarter="2026-Q3"))
    assert [c.name for c in q3.clients] == ["Client 2"]


def test_next_quarter_follows_the_clinics_calendar(store: Store, seeded: Seeded) -> None:
    # 23:30 UTC on 31 March 2026 is 00:30 on 1 April in London (BST from 29 March): next quarter is Q3
    report = reports.touch_ups_report(ctx(store, seeded.owner, at(2026, 3, 31, 23, 30)))
    assert report.quarter == "2026-Q3"


@pytest.mark.parametrize("quarter", ["2026-Q5", "2026Q1", "Q1", "0999-Q1"])
def test_a_quarter_that_is_not_one_is_refused(quarter: str) -> None:
    with pytest.raises(InputError) as caught:
        TouchUpsRequest.of(quarter=quarter)
    assert caught.value.field == "quarter"


# --- who may read them, and what the audit keeps --------------------------------------------------------

CALLS = [
    lambda c: reports.sessions_report(c),
    lambda c: reports.lots_report(c),
    lambda c: report_signals.adverse_events_report(c),
    lambda c: reports.followups_report(c),
    lambda c: reports.touch_ups_report(c),
]


@pytest.mark.parametrize("call", CALLS, ids=["sessions", "lots", "adverse-events", "follow-ups", "touch-ups"])
def test_only_an_owner_reads_reports(store: Store, seeded: Seeded, call: Any) -> None:
    for user in (seeded.pat, seeded.desk):
        with pytest.raises(AccessError):
            call(ctx(store, user))


def test_another_clinic_sees_none_of_this_clinics_numbers(store: Store, seeded: Seeded) -> None:
    c = ctx(store, seeded.other_owner)
    sessions = reports.sessions_report(c)
    assert sessions.sessions == 1 and sessions.months[2].sessions == 1  # its own June 2025 session
    assert [(x.lot, x.sessions) for x in reports.lots_report(c).lots] == [("X1", 1), ("XN", 1)]
    events = report_signals.adverse_events_report(c)
    assert (
        [x.lot for x in events.lots] == ["X1", "XN"] and events.unlinked_events == 0 and events.signals == []
    )
    followups = reports.followups_report(c)
    assert (followups.total.due, followups.total.open) == (1, 1)
    assert [x.name for x in reports.touch_ups_report(c).clients] == ["Stranger"]


def test_each_read_is_audited_by_name_never_by_numbers(store: Store, seeded: Seeded) -> None:
    before = store.read(lambda db: db.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)))
    for call in CALLS:
        call(ctx(store, seeded.owner))
    entries = store.read(
        lambda db: [
            (e.action, e.entity, e.entity_id, e.detail)
            for e in db.scalars(select(AuditEntry).where(AuditEntry.seq > before).order_by(AuditEntry.seq))
        ]
    )
    reads = [(a, ent, eid) for a, ent, eid, _ in entries if ent == "report"]
    assert reads == [
        ("read", "report", "sessions"),
        ("read", "report", "lots"),
        ("read", "report", "adverse-events"),
        ("read", "report", "follow-ups"),
        ("read", "report", "touch-ups"),
    ]
    details = " ".join(d for _, ent, _, d in entries if ent == "report")
    assert "Acme" not in details and "BAD1" not in details and "256" not in details
    clients = [json.loads(d) for _, ent, _, d in entries if ent == "client"]
    assert clients == [{"via": "report", "clients": sorted(seeded.clients[:2])}]
