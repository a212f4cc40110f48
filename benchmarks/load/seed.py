"""A busy clinic's store for the load benchmark: two years of work, made in seconds.

The clinic, its staff and their passwords go through the services (as ``smp clinic init`` and the Users page
make them); the two years of records are bulk inserts shaped as the services write them: 2,000 clients
(1,800 in care, 200 enquiries), 6,000 sessions in courses of two to four sessions 14 to 21 days apart, each
with its three follow-ups (days 2, 10 and 30 of the care rules, closed with an outcome once due, a few left
overdue), each client's touch-up reminder, lots received every few months with the needle stock ledger
(one cartridge a session), and the appointments of the last week and the next three (sessions of courses
under way, consultations of the enquiries, follow-up calls and touch-ups) with no practitioner double-booked.

Bulk rows write no audit entries (the chain stays valid; the run's own reads and writes are audited as in
use). Dates are relative to the real today in the clinic's timezone, since the studio runs on the real clock.
Every name is made up, e-mails are ``example.org`` and phone numbers Ofcom's drama range.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, inspect, select, text

from smpstudio.records.clinic_day import Appointment
from smpstudio.records.models import Client, FollowUp, FollowUpOutcome, Lot, Reminder, Session, StockMove
from smpstudio.records.store import Store
from smpstudio.services import accounts, clinics
from smpstudio.services.context import Clock, ServiceContext

__all__ = ["SeedPlan", "seed"]

TIMEZONE = "Europe/London"
CLINIC = "Load Test Hair Studio"
#: Staff who did the two years of sessions and bookings; more logins are added to make :data:`LOGINS`.
PRACTITIONERS, FRONT_DESK = 3, 2
#: Logins, one per simulated user: the owner, the staff above and further practitioners and front desk.
LOGINS = 50
CLIENTS, ENQUIRIES = 2_000, 200
SESSIONS = 6_000
HISTORY_DAYS = 730
#: Share of follow-ups past due left open (the overdue ones on the dashboard).
OVERDUE_SHARE = 0.002
BATCH = 5_000
#: Made-up first and last names (2,000 pairs).
_FIRST = (
    "Aaron Adam Aiden Alfie Amir Ben Callum Carlos Connor Daniel Dev Dylan Eli Ethan Felix Finn Gabriel "
    "George Harry Isaac Jack Jamal Jude Kai Leo Liam Logan Luca Marcus Mason Max Nathan Noah Omar Oscar "
    "Reuben Ryan Samuel Theo Zane"
)
_LAST = (
    "Abbott Baird Barker Bishop Blake Brennan Carver Chandler Cole Dalton Doyle Ellison Farrow Fenwick "
    "Fletcher Garner Gilmore Hale Harding Hartley Holt Irving Jarvis Keane Lambert Lowe Marsh Mercer Nash "
    "Norris Oakley Parry Penrose Quinn Rowe Sawyer Shaw Sutton Thorne Tobin Vaughan Walsh Warren Webb "
    "Whitlock Yates Young Zeller Ashby Crowther"
)
FIRST, LAST = _FIRST.split(), _LAST.split()
SKIN_TYPES = ("I", "II", "III", "III", "IV", "IV", "V", "VI")
PATTERNS = ("norwood-2", "norwood-3", "norwood-4", "norwood-5", "diffuse", "alopecia-areata", "scar")
#: (kind, product, units received, days a lot lasts before the next is received, shelf life in days).
STOCK = (
    ("pigment", "Graphite SMP Pigment, Dark Charcoal (load)", 12, 90, 730),
    ("pigment", "Graphite SMP Pigment, Soft Grey (load)", 8, 120, 730),
    ("needle", "SMP cartridge 1RL 0.25 mm (load)", 700, 60, 1095),
    ("diluent", "Sterile dilution solution (load)", 20, 180, 540),
)
#: Appointment templates of a practitioner's day: (clinic-time start, kind, minutes).
DAY_SLOTS = (
    (dt.time(9, 30), "session", 120),
    (dt.time(12, 0), "consultation", 30),
    (dt.time(13, 0), "session", 120),
    (dt.time(15, 30), "follow-up-call", 15),
    (dt.time(16, 0), "touch-up", 60),
)
OUTCOMES = (
    "Phoned: redness fading as expected, no swelling.",
    "Phoned: scabs shed, no itch or discharge; shaving resumed.",
    "Healed review: photos taken under the studio lights; next step booked.",
)
INK_FRACTION = inspect(Session).columns["ink_fraction"].key


@dataclasses.dataclass
class SeedPlan:
    """What the simulated users need from the seeded store, written as JSON for the locustfile."""

    logins: list[dict[str, Any]]
    client_ids: list[int]
    search: list[str]
    open_followups: list[int]
    today: str
    timezone: str
    counts: dict[str, int]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _next_id(store: Store, model: Any) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(model.id).order_by(model.id.desc()).limit(1)).scalar() or 0) + 1


def _insert(store: Store, model: Any, rows: list[dict[str, Any]]) -> None:
    with store.engine.begin() as conn:
        for i in range(0, len(rows), BATCH):
            conn.execute(insert(model), rows[i : i + BATCH])


def _at(day: dt.date, clock: dt.time, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, clock, tz).astimezone(dt.UTC)


@dataclasses.dataclass
class _Lots:
    """The lots received over the history, by product: (id, received on), oldest first."""

    by_product: dict[str, list[tuple[int, dt.date]]] = dataclasses.field(default_factory=dict)
    rows: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    moves: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def current(self, kind: str, on: dt.date, pick: int = 0) -> int:
        """The id of the lot of ``kind`` in use on ``on`` (of the products of that kind, the ``pick``-th)."""
        products = [product for k, product, *_ in STOCK if k == kind]
        return [lot for lot in self.by_product[products[pick % len(products)]] if lot[1] <= on][-1][0]


def _stock(clinic_id: int, today: dt.date, first_id: int, tz: ZoneInfo) -> _Lots:
    out, lot_id = _Lots(), first_id
    for kind, product, units, every, shelf in STOCK:
        day = today - dt.timedelta(days=HISTORY_DAYS + 7)
        while day <= today:
            code = f"{kind[0].upper()}-{lot_id:05d}"
            received = _at(day, dt.time(9), tz)
            out.rows.append(
                {
                    "id": lot_id,
                    "clinic_id": clinic_id,
                    "kind": kind,
                    "product": product,
                    "lot_code": code,
                    "expires_on": day + dt.timedelta(days=shelf),
                    "quantity": units,
                    "compliance": "unchecked",
                    "created_at": received,
                }
            )
            out.moves.append(
                {"lot_id": lot_id, "delta": units, "reason": "received", "session_id": None, "at": received}
            )
            out.by_product.setdefault(product, []).append((lot_id, day))
            lot_id += 1
            day += dt.timedelta(days=every)
    return out


def _courses(rng: random.Random, today: dt.date) -> list[list[dt.date]]:
    """Session days of each client in care: courses of 2-4 sessions 14-21 days apart, some with a touch-up
    a year or more later, none after yesterday; then sessions added or dropped at random to make
    :data:`SESSIONS` exactly."""
    last_day = today - dt.timedelta(days=1)
    courses, total = [], 0
    for _ in range(CLIENTS - ENQUIRIES):
        days = [today - dt.timedelta(days=rng.randrange(1, HISTORY_DAYS))]
        for _ in range(rng.choice((1, 2, 2, 3))):
            days.append(days[-1] + dt.timedelta(days=rng.randrange(14, 22)))
        if rng.random() < 0.15:
            days.append(days[-1] + dt.timedelta(days=rng.randrange(365, 500)))
        courses.append([d for d in days if d <= last_day])
        total += len(courses[-1])
    while total != SESSIONS:
        days = courses[rng.randrange(len(courses))]
        if total > SESSIONS and len(days) > 1:
            days.pop()
            total -= 1
        elif total < SESSIONS:
            earlier = days[0] - dt.timedelta(days=rng.randrange(14, 22))
            if (today - earlier).days < HISTORY_DAYS:
                days.insert(0, earlier)
                total += 1
    return courses


def seed(store: Store, progress: Callable[[str], None] = lambda _: None, *, seed_value: int = 15) -> SeedPlan:
    """Fill a new, migrated, empty store with the busy clinic; returns the plan the simulated users read."""
    t0 = time.perf_counter()
    rng = random.Random(seed_value)
    tz = ZoneInfo(TIMEZONE)
    base = ServiceContext(store=store, clock=Clock(tz))
    today = base.clock.today()
    rules_version = base.care_rules.version
    followup_rules = base.care_rules.data["records"]["follow_ups"]
    touch_up_years = float(base.care_rules.data["records"]["touch_up_years"])

    progress("the clinic and its 50 logins (each password hashed with argon2id)")
    created = clinics.init_clinic(
        base,
        clinics.InitClinicRequest.of(
            name=CLINIC, owner_name="Olivia Owner", owner_email="owner@load.example.org", timezone=TIMEZONE
        ),
    )
    owner = base.acting_as(created.owner_id)
    staff: list[tuple[int, str, str]] = [(created.owner_id, "owner", "owner@load.example.org")]
    for i in range(1, LOGINS):
        role = (
            "practitioner"
            if i <= PRACTITIONERS or (i > PRACTITIONERS + FRONT_DESK and i % 2)
            else "front-desk"
        )
        email = f"staff{i:02d}@load.example.org"
        request = clinics.AddUserRequest.of(
            name=f"Staff Member {i:02d}",
            role=role,
            email=email,
            certified_until=(today + dt.timedelta(days=400)).isoformat() if role == "practitioner" else None,
        )
        staff.append((clinics.add_user(owner, request).id, role, email))
    logins: list[dict[str, Any]] = []
    for user_id, role, email in staff:
        password = f"load-{secrets.token_urlsafe(12)}"
        accounts.set_password(owner, accounts.SetPasswordRequest.of(user_id=user_id, password=password))
        logins.append({"email": email, "password": password, "role": role, "user_id": user_id})
    practitioners = [s[0] for s in staff[1 : 1 + PRACTITIONERS]]
    desk = [s[0] for s in staff[1 + PRACTITIONERS : 1 + PRACTITIONERS + FRONT_DESK]]
    clinic_id = created.clinic_id

    progress("lots and the needle stock ledger")
    lots = _stock(clinic_id, today, _next_id(store, Lot), tz)

    progress(f"{CLIENTS:,} clients, {SESSIONS:,} sessions, follow-ups, reminders")
    first_client = _next_id(store, Client)
    client_rows, courses = [], _courses(rng, today)
    names: set[str] = set()
    for n in range(CLIENTS):
        while (name := f"{rng.choice(FIRST)} {rng.choice(LAST)}") in names and len(names) < 1_900:
            pass
        names.add(name)
        course = courses[n] if n < len(courses) else []
        joined = (course[0] if course else today - dt.timedelta(days=rng.randrange(0, 60))) - dt.timedelta(
            days=rng.randrange(7, 30)
        )
        client_rows.append(
            {
                "id": first_client + n,
                "clinic_id": clinic_id,
                "name": name,
                "date_of_birth": dt.date(
                    1960 + rng.randrange(45), 1 + rng.randrange(12), 1 + rng.randrange(28)
                ),
                "email": f"{name.lower().replace(' ', '.')}.{n}@example.org",
                "phone": f"+44 7700 900{n % 1000:03d}",  # Ofcom's drama range: no real line
                "skin_type": rng.choice(SKIN_TYPES),
                "hair_colour": rng.choice(("black", "dark brown", "brown", "grey", "fair")),
                "hair_loss_pattern": rng.choice(PATTERNS),
                "created_at": _at(joined, dt.time(9, 30), tz),
            }
        )
    _insert(store, Client, client_rows)

    session_id, followup_id = _next_id(store, Session), _next_id(store, FollowUp)
    sessions, followups, outcomes, reminders = [], [], [], []
    open_followups: list[int] = []
    needle_left: dict[int, int] = {row["id"]: row["quantity"] for row in lots.rows if row["kind"] == "needle"}
    for n, course in enumerate(courses):
        client_id = first_client + n
        practitioner = practitioners[n % len(practitioners)]
        for k, day in enumerate(course):
            started = _at(day, dt.time(10 + 3 * (k % 2)), tz)
            needle = lots.current("needle", day)
            sessions.append(
                {
                    "id": session_id,
                    "clinic_id": clinic_id,
                    "client_id": client_id,
                    "practitioner_id": practitioner,
                    "started_at": started,
                    "ended_at": started + dt.timedelta(hours=2),
                    "zones": ["hairline", "frontal"] if k % 2 == 0 else ["crown", "mid-scalp"],
                    "pigment_lot_id": lots.current("pigment", day, n),
                    "needle_lot_id": needle,
                    "diluent_lot_id": lots.current("diluent", day),
                    INK_FRACTION: rng.choice((0.5, 0.6, 0.7)),
                    "anaesthetic_product": "lidocaine cream",
                    "anaesthetic_strength_pct": 4.0,
                    "rules_version": rules_version,
                    "created_at": started + dt.timedelta(hours=2),
                }
            )
            lots.moves.append(
                {"lot_id": needle, "delta": -1, "reason": "session", "session_id": session_id, "at": started}
            )
            needle_left[needle] -= 1
            for j, item in enumerate(followup_rules):
                due = day + dt.timedelta(days=int(item["day"]))
                row = {
                    "id": followup_id,
                    "client_id": client_id,
                    "session_id": session_id,
                    "due_on": due,
                    "purpose": item["purpose"],
                    "done_at": None,
                    "outcome": None,
                }
                if due < today and rng.random() >= OVERDUE_SHARE:
                    done = _at(due, dt.time(16), tz)
                    row |= {"done_at": done, "outcome": OUTCOMES[j % len(OUTCOMES)]}
                    outcomes.append(
                        {
                            "followup_id": followup_id,
                            "outcome": OUTCOMES[j % len(OUTCOMES)],
                            "recorded_by": desk[j % len(desk)] if j < 2 else practitioner,
                            "recorded_at": done,
                        }
                    )
                else:
                    open_followups.append(followup_id)
                followups.append(row)
                followup_id += 1
            session_id += 1
        last = course[-1]
        reminders.append(
            {
                "client_id": client_id,
                "session_id": session_id - 1,
                "kind": "touch-up",
                "due_on": last + dt.timedelta(days=round(365.25 * touch_up_years)),
                "basis": f"{touch_up_years:g} years: the rules' default",
            }
        )
    in_use = {received[-1][0] for received in lots.by_product.values()}
    lasts = {product: every for _, product, _, every, _ in STOCK}
    for row in lots.rows:
        if row["kind"] == "needle":
            row["quantity"] = needle_left[row["id"]]
        if row["id"] not in in_use and row["quantity"]:  # used up or thrown away when the next was opened
            gone = row["created_at"] + dt.timedelta(days=lasts[row["product"]])
            lots.moves.append(
                {
                    "lot_id": row["id"],
                    "delta": -row["quantity"],
                    "reason": "adjust: used up",
                    "session_id": None,
                }
                | {"at": gone}
            )
            row["quantity"] = 0
    _insert(store, Lot, lots.rows)
    _insert(store, Session, sessions)
    _insert(store, StockMove, lots.moves)
    _insert(store, FollowUp, followups)
    _insert(store, FollowUpOutcome, outcomes)
    _insert(store, Reminder, reminders)

    progress("appointments: the last week and the next three")
    appointments = _appointments(
        rng, today, tz, clinic_id, practitioners, desk, courses, first_client, _next_id(store, Appointment)
    )
    _insert(store, Appointment, appointments)
    _finish(store)
    rng.shuffle(open_followups)
    return SeedPlan(
        logins=logins,
        client_ids=[first_client + n for n in range(CLIENTS)],
        search=sorted({name.split()[1][:4].lower() for name in names}),
        open_followups=open_followups,
        today=today.isoformat(),
        timezone=TIMEZONE,
        counts={
            "logins": len(logins),
            "clients": CLIENTS,
            "sessions": len(sessions),
            "followups": len(followups),
            "open_followups": len(open_followups),
            "lots": len(lots.rows),
            "appointments": len(appointments),
        },
        seconds=round(time.perf_counter() - t0, 1),
    )


def _appointments(
    rng: random.Random,
    today: dt.date,
    tz: ZoneInfo,
    clinic_id: int,
    practitioners: list[int],
    desk: list[int],
    courses: list[list[dt.date]],
    first_client: int,
    first_id: int,
) -> list[dict[str, Any]]:
    """Each practitioner's days from a week ago to three weeks ahead (Monday to Saturday), filled from
    :data:`DAY_SLOTS`: one appointment per slot, so no practitioner is double-booked."""
    in_care = [
        first_client + n for n, days in enumerate(courses) if days[-1] >= today - dt.timedelta(days=60)
    ]
    enquiries = [first_client + n for n in range(len(courses), CLIENTS)]
    everyone = [first_client + n for n in range(len(courses))]
    rows, next_id = [], first_id
    for offset in range(-7, 22):
        day = today + dt.timedelta(days=offset)
        if day.weekday() == 6:
            continue
        for p, practitioner in enumerate(practitioners):
            for s, (start, kind, minutes) in enumerate(DAY_SLOTS):
                if rng.random() < 0.15:  # a free slot
                    continue
                pool = {"session": in_care, "consultation": enquiries, "touch-up": everyone}.get(
                    kind, in_care
                )
                starts = _at(day, start, tz)
                booked = _at(day - dt.timedelta(days=rng.randrange(3, 30)), dt.time(11, 15), tz)
                past = day < today
                rows.append(
                    {
                        "id": next_id,
                        "clinic_id": clinic_id,
                        "client_id": pool[
                            (offset * 31 + p * 7 + s * 3 + rng.randrange(len(pool))) % len(pool)
                        ],
                        "practitioner_id": practitioner,
                        "kind": kind,
                        "starts_at": starts,
                        "ends_at": starts + dt.timedelta(minutes=minutes),
                        "minutes": minutes,
                        "status": ("attended" if rng.random() > 0.05 else "no-show") if past else "booked",
                        "created_by": desk[(p + s) % len(desk)],
                        "created_at": booked,
                        "updated_at": booked,
                    }
                )
                next_id += 1
    return rows


def _finish(store: Store) -> None:
    """Sequences past the explicit ids (PostgreSQL), and fresh planner statistics."""
    tables: Iterable[str] = (
        "lots",
        "clients",
        "sessions",
        "stock_moves",
        "followups",
        "followup_outcomes",
        "reminders",
        "appointments",
    )
    with store.engine.connect() as conn:
        if store.dialect == "postgresql":
            for table in tables:
                last = f"(SELECT max(id) FROM {table})"
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {last})"))
            conn.commit()
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
