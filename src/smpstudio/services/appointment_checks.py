"""The pre-session checklist of a booked session appointment, ahead of the day.

The checks are those a session runs (:func:`smpstudio.records.checks.session_checks`, the same pure
function :func:`~smpstudio.services.session_checks.check_session` and the recording use): age, screening,
consent, patch test, practitioner's certificate and the interval to the client's other sessions, read
from the record as it stands now for the appointment's date. The lots and the sterilisation cycle are named
only when the session is recorded, so instead of them the checklist asks whether the clinic holds what the
day needs: a pigment lot and enough needle cartridges (single use: one per session) in stock, in date on
the day, not recalled and not failing compliance. The session's own ``when`` check does not apply ahead of
the day.

:func:`checklists` reads the facts of every appointment of a calendar window at once (a handful of
queries, not one per appointment).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from pydantic import Field
from sqlalchemy.orm import Session as Db

from smpstudio.care.floors import minimum_age_years
from smpstudio.care.rules import RuleSet
from smpstudio.records.checks import SessionFacts, session_checks
from smpstudio.records.clinic_day import Appointment
from smpstudio.records.models import Lot
from smpstudio.records.repositories import appointments as repo
from smpstudio.records.repositories import sessions as session_rows
from smpstudio.services.access import Actor
from smpstudio.services.models import Result
from smpstudio.services.session_checks import CHECK_LABELS

__all__ = ["FIXES", "AppointmentChecklist", "ChecklistItem", "checklists"]

#: What fixes a failed check, by its code: the part of the client's record (or the clinic) to open.
FIXES: dict[str, str] = {
    "age": "client",
    "screening": "screening",
    "consent": "consent",
    "patch_test": "patch_test",
    "practitioner": "practitioner",
    "interval": "appointment",
    "stock": "lots",
}
#: The session checks that do not apply ahead of the day: its time (a future session is an appointment)
#: and the sterilisation cycle, named only when the session is recorded.
NOT_AHEAD = frozenset({"when", "sterilisation"})
STOCK_LABEL = "Pigment and needle cartridges in stock for the day, in date, not recalled"


class ChecklistItem(Result):
    """One check ahead of the day: its code, its name in plain words, whether it passes, why not, and
    what fixes it (the face builds the link)."""

    code: str
    label: str
    passed: bool
    reason: str | None = Field(description="Why it fails, in plain words (None when it passes).")
    fix: str | None = Field(
        description="What to open to fix it: client, screening, consent, patch_test, practitioner, "
        "appointment or lots (None when it passes)."
    )


class AppointmentChecklist(Result):
    """A session appointment's checklist; ``ready`` when every check passes as the record stands."""

    ready: bool
    items: list[ChecklistItem]


def _item(code: str, reasons: list[str]) -> ChecklistItem:
    label = STOCK_LABEL if code == "stock" else CHECK_LABELS.get(code, code.replace("_", " "))
    return ChecklistItem(
        code=code,
        label=label,
        passed=not reasons,
        reason="; ".join(reasons) or None,
        fix=FIXES.get(code) if reasons else None,
    )


def _stock(lots: Sequence[Lot], on: dt.date, sessions_that_day: int) -> list[str]:
    """What the day lacks: a pigment lot, and one needle cartridge per session booked that day."""
    usable = [lot for lot in lots if lot.expires_on >= on]
    out = []
    if not any(lot.kind == "pigment" for lot in usable):
        out.append(f"no pigment lot in stock that is in date on {on}, not recalled and compliant")
    needles = sum(lot.quantity for lot in usable if lot.kind == "needle")
    if needles < sessions_that_day:
        out.append(
            f"{needles} needle cartridge(s) in stock in date on {on} for {sessions_that_day} session(s) "
            "booked that day (one single-use cartridge each)"
        )
    return out


def checklists(
    db: Db, actor: Actor, rules: RuleSet, appointments: Sequence[Appointment]
) -> dict[int, AppointmentChecklist]:
    """The checklist of each booked session appointment among ``appointments``, by appointment id (others
    have none), read for all of them at once."""
    sessions = [a for a in appointments if a.kind == "session" and a.status == "booked"]
    if not sessions:
        return {}
    tz = actor.clock.tz
    facts = repo.client_facts(db, actor.clinic_id, {a.client_id for a in sessions})
    staff = {u.id: u for u in repo.practitioners(db, actor.clinic_id)}
    certs = repo.certifications(db, {a.practitioner_id for a in sessions})
    lots = repo.usable_lots(db, actor.clinic_id)
    days = sorted({a.starts_at.astimezone(tz).date() for a in sessions})
    first = dt.datetime.combine(days[0], dt.time(), tzinfo=tz)
    last = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    booked = Counter(
        s.astimezone(tz).date() for s in repo.session_starts_between(db, actor.clinic_id, first, last)
    )
    cfg = rules.data
    interval = int(cfg["records"]["minimum_interval_days"])
    min_age = minimum_age_years(
        int(cfg["screening"]["minimum_age_years"]), session_rows.clinic_jurisdiction(db, actor.clinic_id)
    )
    out: dict[int, AppointmentChecklist] = {}
    for a in sessions:
        f = facts.get(a.client_id) or repo.ClientFacts()
        on = a.starts_at.astimezone(tz).date()
        screening, test = f.screening, f.patch_test
        before = [s for s in f.session_starts if s <= a.starts_at]
        after = [s for s in f.session_starts if s > a.starts_at]
        practitioner = staff.get(a.practitioner_id)
        session = SessionFacts(
            on=on,
            screening_outcome=screening.outcome if screening else None,
            screening_defer_until=screening.defer_until if screening else None,
            screening_unanswered=tuple(str(q) for q in (screening.result or {}).get("unanswered", []))
            if screening
            else (),
            consent_valid=f.consent_valid,
            consent_withdrawn=f.consent_withdrawn,
            patch_test_required=bool(screening and screening.patch_test_recommended),
            patch_test_result=test.result if test else None,
            patch_test_pending=test is not None and test.read_at is None,
            practitioner_role=practitioner.role if practitioner else "inactive",
            certifications=certs.get(a.practitioner_id, []),
            previous_session_on=max(before).astimezone(tz).date() if before else None,
            next_session_on=min(after).astimezone(tz).date() if after else None,
            minimum_interval_days=interval,
            date_of_birth=f.date_of_birth,
            minimum_age_years=min_age,
            started=a.starts_at,
            now=a.starts_at,
            today=on,
        )
        items = [_item(code, [r.message for r in failed]) for code, failed in session_checks(session)]
        items = [i for i in items if i.code not in NOT_AHEAD]
        items.append(_item("stock", _stock(lots, on, booked.get(on, 1))))
        out[a.id] = AppointmentChecklist(ready=all(i.passed for i in items), items=items)
    return out
