"""The checks before a session is recorded, as a pure function of the facts on file.

Each failed check is a :class:`Reason` with a stable ``code``; all of them are returned at once so the
practitioner sees everything that stands in the way. An owner may override a refusal with a written
justification only where the record stays true and the client stays safe: :data:`OVERRIDABLE` (too soon
after or before another session of the client, a patch test the rules advise but none on file, a
practitioner's certificate that has expired). Everything else is a safety floor no one overrides: no or
withdrawn consent, no screening or a stop or defer outcome, a positive patch test, a minor, a lot that is
recalled, expired, non-compliant, of the wrong kind or out of stock, a sterilisation cycle that failed or ran
after a failed spore test before a repeat passed, a patch test the screening calls for that was applied
but is not read yet (a pending test is no result), a practitioner with no certificate or who is not a
practitioner, and a session dated in the future (an appointment) or in the past without being recorded as
historical.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

__all__ = [
    "CLOCK_SKEW",
    "OVERRIDABLE",
    "CycleFacts",
    "LotFacts",
    "Reason",
    "SessionFacts",
    "age_years",
    "session_checks",
    "session_reasons",
]

#: The only refusals an owner may override with a written justification.
OVERRIDABLE = frozenset({"too_soon", "patch_test_missing", "certification_expired"})
#: How far a session's start may lie after the clinic's now (clocks disagree a little) before it is a
#: future session, that is an appointment.
CLOCK_SKEW = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    overridable: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "overridable": self.overridable}


def _reason(code: str, message: str) -> Reason:
    return Reason(code, message, overridable=code in OVERRIDABLE)


@dataclass(frozen=True)
class LotFacts:
    role: str  # the session's slot: pigment, needle or diluent
    code: str
    kind: str
    expires_on: dt.date
    quantity: int
    compliance: str  # pass, fail or unchecked
    recalled: bool


@dataclass(frozen=True)
class CycleFacts:
    """The sterilisation cycle a session names: why it failed (None: it passed), and the day of a failed
    spore test that holds it (it ran since the last passed test, before a repeat passed)."""

    id: int
    failure_reason: str | None
    spore_test_failed_on: dt.date | None


@dataclass(frozen=True)
class SessionFacts:
    on: dt.date  # the session's date in the clinic's timezone
    screening_outcome: str | None
    screening_defer_until: dt.date | None
    consent_valid: bool
    consent_withdrawn: bool
    patch_test_required: bool
    patch_test_result: str | None
    practitioner_role: str
    certifications: list[tuple[str, dt.date]]
    #: The dates of the client's nearest other sessions: the last one starting at or before this one and the
    #: first one starting after it (a historical session may be recorded before one already on file).
    previous_session_on: dt.date | None
    next_session_on: dt.date | None
    minimum_interval_days: int
    date_of_birth: dt.date | None
    minimum_age_years: int  # the rules' minimum age, already raised to the floor
    started: dt.datetime  # aware
    now: dt.datetime  # aware: the clinic's now
    today: dt.date  # the clinic's today
    historical: bool = False  # recorded after the fact by an owner: takes no stock
    lots: list[LotFacts] = field(default_factory=list)
    cycle: CycleFacts | None = None
    #: The required questions the latest screening left unanswered (nothing is assumed "no").
    screening_unanswered: tuple[str, ...] = ()
    #: The client's latest patch test was applied and is not read yet (it is no result: never passed).
    patch_test_pending: bool = False


def age_years(born: dt.date, on: dt.date) -> int:
    """Whole years of age on ``on`` for someone born on ``born``."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _when(f: SessionFacts) -> list[Reason]:
    if f.started > f.now + CLOCK_SKEW:
        return [
            _reason(
                "session_in_future",
                f"the session starts {f.started.isoformat(timespec='minutes')}, after the clinic's now: a "
                "session is recorded once it has happened (a future one is an appointment)",
            )
        ]
    if f.on < f.today and not f.historical:
        return [
            _reason(
                "session_in_past",
                f"the session was on {f.on}, before the clinic's today ({f.today}): a past session is "
                "recorded only as historical, by an owner",
            )
        ]
    if f.historical and f.on >= f.today:
        return [_reason("not_historical", f"a session on {f.on} is not historical: record it as today's")]
    return []


def _age(f: SessionFacts) -> list[Reason]:
    if f.date_of_birth is None:
        return [_reason("age_unknown", "no date of birth on file: the client's age cannot be checked")]
    age = age_years(f.date_of_birth, f.on)
    if age < f.minimum_age_years:
        return [
            _reason(
                "client_minor",
                f"the client is {age} on the session date; no one under {f.minimum_age_years} is treated",
            )
        ]
    return []


def _screening(f: SessionFacts) -> list[Reason]:
    if f.screening_outcome is None:
        return [_reason("screening_missing", "no screening on file: screen the client first")]
    if f.screening_outcome == "stop":
        return [_reason("screening_stop", "the screening outcome is stop: SMP must not be done")]
    if f.screening_unanswered:
        count = len(f.screening_unanswered)
        return [
            _reason(
                "screening_incomplete",
                f"the screening left {count} required question(s) unanswered: finish the screening first",
            )
        ]
    if f.screening_outcome == "defer":
        until = f" until {f.screening_defer_until}" if f.screening_defer_until else ""
        if f.screening_defer_until is None or f.on < f.screening_defer_until:
            return [_reason("screening_defer", f"the screening outcome is defer{until}")]
    return []


def _consent(f: SessionFacts) -> list[Reason]:
    if f.consent_valid:
        return []
    if f.consent_withdrawn:
        return [_reason("consent_withdrawn", "the client withdrew consent; a new signed consent is needed")]
    return [
        _reason("consent_missing", "no valid treatment consent: the client signs the treatment consent first")
    ]


def _patch_test(f: SessionFacts) -> list[Reason]:
    if f.patch_test_result not in (None, "negative"):
        return [_reason("patch_test_positive", f"the patch test was read {f.patch_test_result}")]
    if f.patch_test_required and f.patch_test_pending:
        return [
            _reason(
                "patch_test_not_read",
                "patch test not read yet: the screening calls for one, so read it before the session",
            )
        ]
    if f.patch_test_required and f.patch_test_result is None:
        return [_reason("patch_test_missing", "the screening calls for a patch test and none is on file")]
    return []


def _lot(f: SessionFacts, lot: LotFacts) -> list[Reason]:
    """What stands against one lot named for the session."""
    out: list[Reason] = []
    name = f"{lot.role} lot {lot.code}"
    if lot.kind != lot.role:
        out.append(_reason("lot_wrong_kind", f"{name} is a {lot.kind} lot"))
    if lot.expires_on < f.on:
        out.append(_reason("lot_expired", f"{name} expired on {lot.expires_on}"))
    if lot.recalled:
        out.append(_reason("lot_recalled", f"{name} is recalled"))
    if lot.quantity <= 0 and not f.historical:
        # A single-use cartridge that is not in stock cannot have come from this lot.
        out.append(_reason("lot_out_of_stock", f"{name} has none left in stock"))
    if lot.compliance == "fail":
        out.append(_reason("lot_non_compliant", f"{name} failed the pigment compliance check"))
    return out


def _cycle(f: SessionFacts) -> list[Reason]:
    c = f.cycle
    if c is None:
        return []
    out: list[Reason] = []
    if c.failure_reason is not None:
        out.append(_reason("cycle_failed", f"sterilisation cycle {c.id} failed: {c.failure_reason}"))
    if c.spore_test_failed_on is not None:
        out.append(
            _reason(
                "cycle_spore_test_failed",
                f"sterilisation cycle {c.id} ran after the last passed spore test and before a repeat "
                f"passed (spore test failed on {c.spore_test_failed_on}): reprocess the load",
            )
        )
    return out


def _practitioner(f: SessionFacts) -> list[Reason]:
    if f.practitioner_role not in ("practitioner", "owner"):
        return [
            _reason(
                "not_a_practitioner", f"a {f.practitioner_role} user cannot be the session's practitioner"
            )
        ]
    if not f.certifications:
        return [_reason("certification_missing", "the practitioner has no certification on file")]
    return [
        _reason("certification_expired", f"the practitioner's {kind} certification expired on {until}")
        for kind, until in f.certifications
        if until < f.on
    ]


def _interval(f: SessionFacts) -> list[Reason]:
    """The minimum interval, measured to the nearest other session on either side of this one."""
    others = [d for d in (f.previous_session_on, f.next_session_on) if d is not None]
    if not others:
        return []
    nearest = min(others, key=lambda d: abs((f.on - d).days))  # a tie goes to the earlier one
    gap = abs((f.on - nearest).days)
    if gap < f.minimum_interval_days:
        side = "after" if nearest <= f.on else "before"
        return [
            _reason(
                "too_soon",
                f"{gap} day{'' if gap == 1 else 's'} {side} the session on {nearest}; "
                f"the rules ask for at least {f.minimum_interval_days}",
            )
        ]
    return []


def session_checks(f: SessionFacts) -> list[tuple[str, list[Reason]]]:
    """Each check before a session, in the order they run, with the reasons it fails (empty: it passes).

    The names are stable: ``when``, ``age``, ``screening``, ``consent``, ``patch_test``, one
    ``{role}_lot`` per lot named (``pigment_lot``, ``needle_lot``, ``diluent_lot``), ``sterilisation``,
    ``practitioner`` and ``interval``. :func:`session_reasons` is their reasons together, so a dry run
    listing the checks and the refusal can never disagree.
    """
    return [
        ("when", _when(f)),
        ("age", _age(f)),
        ("screening", _screening(f)),
        ("consent", _consent(f)),
        ("patch_test", _patch_test(f)),
        *[(f"{lot.role}_lot", _lot(f, lot)) for lot in f.lots],
        ("sterilisation", _cycle(f)),
        ("practitioner", _practitioner(f)),
        ("interval", _interval(f)),
    ]


def session_reasons(f: SessionFacts) -> list[Reason]:
    """Every reason the session may not be recorded (empty when it may)."""
    return [reason for _, failed in session_checks(f) for reason in failed]
