"""The demo clinic store: a clinic at work, made through the services alone, for ``smp studio --demo``.

:func:`seed_demo_store` fills a new, empty store with "Hairline Studio Leeds" (an owner, a practitioner and
front desk with logins, a dozen clients at every stage from enquiry to touch-up, lots with a recall and an
expiry, sterilisation with a failed spore test, follow-ups due and an adverse event with a deadline), and a
second clinic, "Northside SMP", with its own owner and two clients, to show that clinics are isolated.

Dates are relative to the context's today, so the demo always looks current: each past step runs with the
clock set to the moment it happened (a service takes its time from its context alone). Every name, e-mail
(``example.org``) and phone number (Ofcom's drama ranges) is fictional. The passwords are fixed and printed:
this store is for trying the studio, never for a real clinic's records.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from smpstudio.errors import ConflictError
from smpstudio.records.deadlines import add_business_days
from smpstudio.records.repositories import clinics as clinic_rows
from smpstudio.services import (
    accounts,
    adverse_events,
    clients,
    clinic_settings,
    clinics,
    consent,
    lots,
    patch_tests,
    registers,
    sessions,
    sterilisation,
)
from smpstudio.services.context import Clock, ServiceContext
from smpstudio.services.models import Result

__all__ = ["DEMO_LOGINS", "DEMO_TIMEZONE", "DemoLogin", "DemoStore", "seed_demo_store"]

DEMO_TIMEZONE = "Europe/London"
CLINIC, OTHER_CLINIC = "Hairline Studio Leeds", "Northside SMP"
#: (role, name, e-mail, password) of the demo logins.
STAFF = (
    ("owner", "Morgan Hale", "owner@demo.smp", "demo-owner-2026"),
    ("practitioner", "Jordan Reeve", "practitioner@demo.smp", "demo-practitioner-2026"),
    ("front-desk", "Casey Lind", "desk@demo.smp", "demo-desk-2026"),
)
OTHER_OWNER = ("owner", "Riley Northcott", "owner@northside.demo.smp", "demo-northside-2026")
PIGMENT, GREY = "Graphite SMP Pigment, Dark Charcoal (demo)", "Graphite SMP Pigment, Soft Grey (demo)"
NEEDLE, DILUENT = "SMP cartridge 1RL 0.25 mm (demo)", "Sterile dilution solution (demo)"
#: What the practitioner wrote when closing each follow-up, by the follow-up's day after the session.
OUTCOMES = {
    2: "Phoned: redness fading as expected, no swelling.",
    10: "Phoned: scabs shed, no itch or discharge; shaving resumed.",
    30: "Healed review: photos taken under the studio lights; next step booked.",
}


class DemoLogin(Result):
    """A demo login: the e-mail and password to type, and whose they are."""

    email: str
    password: str
    role: str
    name: str
    clinic: str


class DemoStore(Result):
    """The demo clinics, their logins and how many clients the demo clinic holds."""

    clinic_id: int
    other_clinic_id: int
    logins: list[DemoLogin]
    clients: int


#: The logins every demo store is made with (a face prints them without opening the store).
DEMO_LOGINS = tuple(
    DemoLogin(role=role, name=name, email=email, password=password, clinic=clinic)
    for clinic, (role, name, email, password) in [*((CLINIC, x) for x in STAFF), (OTHER_CLINIC, OTHER_OWNER)]
)


@dataclasses.dataclass
class _Seeder:
    """Runs the services as a user at a moment of the demo's past (``days_ago`` before today, clinic time)."""

    base: ServiceContext
    tz: ZoneInfo
    today: dt.date
    users: dict[str, int] = dataclasses.field(default_factory=dict)
    clients: dict[str, int] = dataclasses.field(default_factory=dict)
    cycles: dict[int, int] = dataclasses.field(default_factory=dict)
    followup_days: dict[int, int] = dataclasses.field(default_factory=dict)
    outcomes: dict[int, str | None] = dataclasses.field(default_factory=dict)

    def at(self, who: str, days_ago: int, hour: int = 10, minute: int = 0) -> ServiceContext:
        """The context of user ``who`` with the clock at ``hour:minute`` of the day ``days_ago`` ago."""
        when = dt.datetime.combine(self.today - dt.timedelta(days=days_ago), dt.time(hour, minute), self.tz)
        return dataclasses.replace(self.base, user_id=self.users[who], clock=Clock.fixed(when, self.tz))

    def now(self, who: str) -> ServiceContext:
        """The context of user ``who`` at the real now."""
        return dataclasses.replace(
            self.base, user_id=self.users[who], clock=Clock(self.tz, self.base.clock.now_utc)
        )

    def day(self, days_ago: int) -> dt.date:
        return self.today - dt.timedelta(days=days_ago)

    # --- clients ------------------------------------------------------------------------------------------

    def client(self, key: str, days_ago: int, name: str, born: str, skin: str) -> None:
        """Add a client (``key``: the first name) at the front desk, ``days_ago``."""
        request = clients.AddClientRequest.of(
            name=name,
            date_of_birth=born,
            email=f"{name.lower().replace(' ', '.').replace(chr(39), '')}@example.org",
            phone=f"+44 7700 900{len(self.clients):03d}",  # Ofcom's drama range: no real line
            skin_type=skin,
            hair_colour="dark brown",
            hair_loss_pattern="norwood-2",
        )
        self.clients[key] = clients.add_client(self.at("desk", days_ago, 9, 30), request).id

    def screen(self, key: str, days_ago: int, **yes: bool) -> None:
        questions = self.base.care_rules.data["screening"]["questions"]
        document = {"answers": {q: bool(yes.get(q, False)) for q in questions}}
        request = clients.ScreenClientRequest.of(client_id=self.clients[key], answers=document)
        clients.screen_client(self.at("prac", days_ago, 9, 45), request)

    def consent(self, key: str, days_ago: int, name: str) -> None:
        request = consent.SignConsentRequest.of(client_id=self.clients[key], signed_name=name)
        consent.sign_consent(self.at("desk", days_ago, 9, 50), request)

    def welcome(self, key: str, days_ago: int, name: str, born: str, skin: str, **yes: bool) -> None:
        """Add, screen and consent a client on one day."""
        self.client(key, days_ago, name, born, skin)
        self.screen(key, days_ago, **yes)
        self.consent(key, days_ago, name)

    def design(self, key: str, days_ago: int, document: dict[str, Any], sessions_planned: int = 3) -> None:
        ctx = self.at("prac", days_ago, 11)
        version = clients.add_design(
            ctx, clients.AddDesignRequest.of(client_id=self.clients[key], document=document)
        )
        plan = clients.AddPlanRequest.of(
            client_id=self.clients[key],
            sessions=sessions_planned,
            interval_days=14,
            design_version=version.version,
        )
        clients.add_plan(ctx, plan)

    # --- sessions and sterilisation ------------------------------------------------------------------------

    def cycle(self, days_ago: int, load: str, indicator: str = "pass") -> int:
        request = sterilisation.CycleRequest.of(
            load=load,
            temperature_c=134.0,
            pressure_kpa=210.0,
            minutes=4.0,
            indicator=indicator,
            items="grips, tray, tips" if indicator == "pass" else "grips, tray",
        )
        self.cycles[days_ago] = sterilisation.add_cycle(self.at("prac", days_ago, 8, 30), request).id
        return self.cycles[days_ago]

    def session(
        self, key: str, days_ago: int, pigment: str = "P-2310", **more: Any
    ) -> sessions.SessionRecorded:
        """Record a session as it happened (at noon that day; today: now), with that morning's load if any."""
        request = sessions.SessionRequest.of(
            client_id=self.clients[key],
            practitioner_id=self.users["prac"],
            pigment_lot=pigment,
            needle_lot=more.pop("needle_lot", "N-5501"),
            diluent_lot=more.pop("diluent_lot", "D-0412"),
            ink_fraction=more.pop("ink_fraction", 0.6),
            zones=more.pop("zones", ["hairline", "frontal"]),
            anaesthetic="lidocaine cream",
            anaesthetic_strength_pct=4.0,
            sterilisation_cycle=self.cycles.get(days_ago),
            **more,
        )
        ctx = self.at("prac", days_ago, 12) if days_ago > 0 else self.now("prac")
        result = sessions.record_session(ctx, request)
        if not isinstance(result, sessions.SessionRecorded):  # a bug of the demo's data: say which check
            raise RuntimeError(f"demo session refused: {[r.code for r in result.reasons]}")
        on = self.day(days_ago)
        self.followup_days.update({f.id: (f.due_on - on).days for f in result.follow_ups})
        return result

    def close_followups(self) -> None:
        """Close every follow-up due before today on its day, with its own outcome where one was set
        (None: kept open)."""
        due = registers.followups_due(self.now("prac"), registers.FollowUpsDueRequest(on=self.day(1)))
        for item in due.followups:
            default = OUTCOMES.get(self.followup_days.get(item.id, 0), "Phoned: healing as expected.")
            outcome = self.outcomes.get(item.id, default)
            if outcome is not None:
                request = registers.CompleteFollowUpRequest.of(followup_id=item.id, outcome=outcome)
                registers.complete_followup(self.at("prac", (self.today - item.due_on).days, 16), request)


def _empty(ctx: ServiceContext) -> None:
    """Refuse a store that already has a clinic: the demo is made only in a new store."""
    if ctx.db.read(clinic_rows.has_clinics):
        raise ConflictError(
            "the store already holds clinics: the demo is made only in a new, empty store",
            field="store",
            allowed="a new store",
            code="store_not_empty",
        )


def _staff(s: _Seeder) -> tuple[int, list[DemoLogin]]:
    """The clinic, its details, its staff with logins and certifications (one expiring within a month)."""
    role, name, email, _ = STAFF[0]
    request = clinics.InitClinicRequest.of(
        name=CLINIC, owner_name=name, owner_email=email, timezone=DEMO_TIMEZONE
    )
    created = clinics.init_clinic(s.base, request)
    s.users["owner"] = created.owner_id
    owner = s.now("owner")
    details = clinic_settings.UpdateClinicRequest.of(
        phone="+44 113 496 0123",  # Ofcom's drama range for Leeds
        email="hello@hairline-studio.example.org",
        address="Unit 4, 12 Example Row, Leeds LS1 0AA",
    )
    clinic_settings.update_clinic(owner, details)
    for key, (role, name, email, _) in zip(("prac", "desk"), STAFF[1:], strict=True):
        s.users[key] = clinics.add_user(
            owner, clinics.AddUserRequest.of(name=name, role=role, email=email)
        ).id
    for key, kind, days in (
        ("owner", "smp-training", 540),
        ("owner", "bloodborne-pathogens", 210),
        ("prac", "smp-training", 400),
        ("prac", "bloodborne-pathogens", 20),  # the certificate expiring within the month
    ):
        expires = s.today + dt.timedelta(days=days)
        clinics.add_certification(
            owner, clinics.AddCertificationRequest.of(user_id=s.users[key], kind=kind, expires=expires)
        )
    logins = list(DEMO_LOGINS[:3])
    for key, login in zip(("owner", "prac", "desk"), logins, strict=True):
        password = accounts.SetPasswordRequest.of(user_id=s.users[key], password=login.password)
        accounts.set_password(owner, password)
    return created.clinic_id, logins


def _stock(s: _Seeder) -> None:
    """Lots received: one to be recalled, one expiring soon; the lots of two years ago, used up."""
    for days_ago, kind, product, code, expires_in, quantity in (
        (140, "pigment", PIGMENT, "P-2291", 380, 6),
        (140, "pigment", PIGMENT, "P-2310", 420, 8),
        (140, "pigment", GREY, "P-2187", 12, 3),
        (140, "needle", NEEDLE, "N-5501", 700, 40),
        (140, "diluent", DILUENT, "D-0412", 300, 10),
        (770, "pigment", PIGMENT, "P-1544", -30, 2),
        (770, "needle", NEEDLE, "N-4120", 200, 2),
    ):
        request = lots.AddLotRequest.of(
            kind=kind,
            product=product,
            lot=code,
            expires=s.today + dt.timedelta(days=expires_in),
            quantity=quantity,
        )
        lots.add_lot(s.at("owner", days_ago, 9), request)


def _history(s: _Seeder, document: dict[str, Any]) -> None:
    """The clients whose care is under way or done, session by session as it happened."""
    # Two years ago: a course that is now due its touch-up.
    s.welcome("liam", 770, "Liam O'Neill", "1976-05-14", "II")
    old = {"needle_lot": "N-4120", "diluent_lot": None, "ink_fraction": 1.0}
    s.session("liam", 754, "P-1544", **old)
    s.session("liam", 740, "P-1544", **old, touch_up_years=2.0)
    request = lots.AdjustLotRequest.of(lot_id=_lot_id(s, "P-1544"), delta=-2, reason="bottles finished")
    lots.adjust_lot(s.at("owner", 700, 17), request)
    # A finished course.
    s.welcome("isaac", 135, "Isaac Wren", "1984-11-02", "III")
    s.design("isaac", 130, document)
    for days_ago in (120, 105, 90):
        s.session("isaac", days_ago)
    # Sterilisation: passing loads, two passed spore tests, then the loads a later failure holds.
    for days_ago in (45, 31, 30, 21, 14, 10):
        s.cycle(days_ago, f"L-{500 - days_ago}")
    spore = sterilisation.SporeTestRequest.of
    sterilisation.record_spore_test(s.at("prac", 49, 17), spore(result="pass", notes="weekly test"))
    sterilisation.record_spore_test(s.at("prac", 28, 17), spore(result="pass", notes="weekly test"))
    # A client whose first session used the lot recalled later; then a mid-course client on the same lot.
    s.welcome("jamal", 60, "Jamal Carter", "1990-03-21", "V")
    s.session("jamal", 45, "P-2291")
    s.session("jamal", 31)
    s.welcome("harvey", 50, "Harvey Doyle", "1982-07-09", "II")
    s.design("harvey", 50, document)
    s.session("harvey", 30, "P-2291")
    second = s.session("harvey", 14)
    s.outcomes |= {f.id: None for f in second.follow_ups if f.due_on == s.day(4)}  # left overdue
    _adverse_event(s)
    s.welcome("mason", 30, "Mason Clarke", "1993-01-30", "IV")
    s.session("mason", 21)
    s.welcome("gareth", 20, "Gareth Yu", "1979-09-12", "III")
    s.design("gareth", 18, document)
    s.session("gareth", 10)  # its 10-day follow-up falls today
    s.cycle(8, "L-492", indicator="fail")
    sterilisation.record_spore_test(
        s.at("prac", 5, 17), spore(result="fail", notes="incubated vial turned yellow: growth")
    )


def _adverse_event(s: _Seeder) -> None:
    """A session, a symptom report a week later and a serious adverse event due for the brand in days."""
    business = int(s.base.care_rules.data["records"]["serious_event_report_business_days"])
    received = next(
        (d for d in range(14, 30) if 3 <= (add_business_days(s.day(d), business) - s.today).days <= 5), 17
    )
    s.welcome("kieran", received + 20, "Kieran Shaw", "1987-04-18", "IV")
    s.cycle(received + 9, f"L-{491 - received}")  # its load: one of those the failed spore test holds
    done = s.session("kieran", received + 9, zones=["crown"])
    scab_check = next(f.id for f in done.follow_ups if f.due_on == s.day(received - 1))
    s.outcomes[scab_check] = (
        "Seen in the studio after the symptom report: referred to the GP (adverse event)."
    )
    report = registers.SymptomReportRequest.of(
        client_id=s.clients["kieran"],
        session_id=done.id,
        day=8,
        symptoms=["redness", "swelling", "pus"],
        spreading=True,
        worsening=True,
    )
    registers.report_symptoms(s.at("prac", received + 1, 15), report)
    event = adverse_events.AdverseEventRequest.of(
        client_id=s.clients["kieran"],
        session_id=done.id,
        description="Infection at the crown eight days after the session; treated by the GP.",
        serious=["infection", "intervention-to-prevent"],
    )
    adverse_events.add_adverse_event(s.at("prac", received, 11), event)


def _lot_id(s: _Seeder, code: str) -> int:
    return next(lot.id for lot in lots.list_lots(s.now("owner")).lots if lot.lot == code)


def _recent(s: _Seeder, document: dict[str, Any]) -> None:
    """Clients at the start of their care, the recall, and today's session."""
    s.welcome("finley", 8, "Finley Brooks", "1995-06-03", "III")
    s.design("finley", 8, document)  # ready for session 1
    s.welcome("ellis", 9, "Ellis Grant", "1988-12-24", "II", ink_or_anaesthetic_reaction=True)
    patch = patch_tests.PatchTestRecordRequest.of
    applied, read_at = s.day(7).isoformat() + "T10:00", s.day(5).isoformat() + "T10:30"
    first_read = patch(
        client_id=s.clients["ellis"], lot="P-2310", applied=applied, read=read_at, result="negative"
    )
    patch_tests.record_patch_test(s.at("prac", 5, 10, 35), first_read)  # the 96-hour read was not recorded
    s.welcome("dev", 4, "Dev Anand", "1991-08-08", "IV", ink_or_anaesthetic_reaction=True)
    read_at = s.day(1).isoformat() + "T11:00"
    applied = s.day(3).isoformat() + "T11:00"
    first_read = patch(
        client_id=s.clients["dev"], lot="P-2310", applied=applied, read=read_at, result="negative"
    )
    patch_tests.record_patch_test(s.at("prac", 1, 11, 5), first_read)  # the next read is due tomorrow
    s.client("blake", 12, "Blake Turner", "1985-02-17", "I")
    s.screen("blake", 12, keloid_history=True)  # stop: no SMP
    s.client("callum", 6, "Callum Reid", "1989-10-05", "II")
    s.screen("callum", 6)  # consent still to sign
    s.client("aiden", 1, "Aiden Marsh", "1997-04-11", "III")  # just enquired
    recall = lots.RecallRequest.of(
        lot="P-2291", reason="brand notice: microbial contamination in batch testing"
    )
    lots.recall_lot(s.at("prac", 3, 15), recall)
    now = s.now("prac").clock.now()
    started = max(now - dt.timedelta(hours=2), dt.datetime.combine(now.date(), dt.time(), s.tz))
    s.session("mason", 0, started=started.isoformat(timespec="minutes"))  # today's session


def _other_clinic(s: _Seeder) -> tuple[int, DemoLogin]:
    """A second clinic with its own owner and two clients: none of it is visible from the first."""
    login = DEMO_LOGINS[3]
    request = clinics.InitClinicRequest.of(
        name=OTHER_CLINIC, owner_name=login.name, owner_email=login.email, timezone=DEMO_TIMEZONE
    )
    created = clinics.init_clinic(s.now("owner"), request)
    ctx = dataclasses.replace(s.now("owner"), user_id=created.owner_id)
    accounts.set_password(
        ctx, accounts.SetPasswordRequest.of(user_id=created.owner_id, password=login.password)
    )
    for first, last, born in (("Noah", "Fenwick", "1983-03-03"), ("Oscar", "Penrose", "1992-09-19")):
        address = f"{first}.{last}@example.org".lower()
        add = clients.AddClientRequest.of(name=f"{first} {last}", date_of_birth=born, email=address)
        clients.add_client(ctx, add)
    return created.clinic_id, login


def seed_demo_store(ctx: ServiceContext) -> DemoStore:
    """Fill a new, empty store with the demo clinics (``ctx.store`` migrated and empty; no acting user).

    A store that already holds a clinic is refused (:class:`ConflictError`, ``store_not_empty``).
    """
    _empty(ctx)
    tz = ZoneInfo(DEMO_TIMEZONE)
    s = _Seeder(ctx.acting_as(None), tz, ctx.clock.now_utc().astimezone(tz).date())
    clinic_id, logins = _staff(s)
    _stock(s)
    from smpstudio.services.design import DesignRequest, create_design  # numba and scipy: only here

    design = create_design(DesignRequest(pattern="norwood-2", style="soft", density_per_cm2=50.0, seed=2026))
    document = json.loads(design.content())
    _history(s, document)
    _recent(s, document)
    s.close_followups()
    other_id, other_login = _other_clinic(s)
    return DemoStore(
        clinic_id=clinic_id,
        other_clinic_id=other_id,
        logins=[*logins, other_login],
        clients=len(s.clients),
    )
