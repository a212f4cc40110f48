"""The checks before a session is recorded, as a pure function of the facts on file.

Each failed check is a :class:`Reason` with a stable ``code``; all of them are returned at once so the
practitioner sees everything that stands in the way. An owner may override a refusal with a written
justification, except where overriding would make the record false (a single-use needle cartridge that
is not in stock was not used from that lot; an unknown person is not a practitioner).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

__all__ = ["LotFacts", "Reason", "SessionFacts", "session_reasons"]


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    overridable: bool = True

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "overridable": self.overridable}


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
class SessionFacts:
    on: dt.date
    screening_outcome: str | None
    screening_defer_until: dt.date | None
    consent_valid: bool
    consent_withdrawn: bool
    patch_test_required: bool
    patch_test_result: str | None
    practitioner_role: str
    certifications: list[tuple[str, dt.date]]
    last_session_on: dt.date | None
    minimum_interval_days: int
    lots: list[LotFacts] = field(default_factory=list)


def _screening(f: SessionFacts) -> list[Reason]:
    if f.screening_outcome is None:
        return [Reason("screening_missing", "no screening on file: screen the client first")]
    if f.screening_outcome == "stop":
        return [Reason("screening_stop", "the screening outcome is stop: SMP must not be done")]
    if f.screening_outcome == "defer":
        until = f" until {f.screening_defer_until}" if f.screening_defer_until else ""
        if f.screening_defer_until is None or f.on < f.screening_defer_until:
            return [Reason("screening_defer", f"the screening outcome is defer{until}")]
    return []


def _consent(f: SessionFacts) -> list[Reason]:
    if f.consent_valid:
        return []
    if f.consent_withdrawn:
        return [Reason("consent_withdrawn", "the client withdrew consent; a new signed consent is needed")]
    return [
        Reason("consent_missing", "no valid treatment consent: the client signs the treatment consent first")
    ]


def _patch_test(f: SessionFacts) -> list[Reason]:
    if not f.patch_test_required:
        if f.patch_test_result not in (None, "negative"):
            return [Reason("patch_test_positive", f"the patch test was read {f.patch_test_result}")]
        return []
    if f.patch_test_result is None:
        return [Reason("patch_test_missing", "the screening calls for a patch test and none is on file")]
    if f.patch_test_result != "negative":
        return [Reason("patch_test_positive", f"the patch test was read {f.patch_test_result}")]
    return []


def _lots(f: SessionFacts) -> list[Reason]:
    out: list[Reason] = []
    for lot in f.lots:
        name = f"{lot.role} lot {lot.code}"
        if lot.kind != lot.role:
            out.append(Reason("lot_wrong_kind", f"{name} is a {lot.kind} lot", overridable=False))
        if lot.expires_on < f.on:
            out.append(Reason("lot_expired", f"{name} expired on {lot.expires_on}"))
        if lot.recalled:
            out.append(Reason("lot_recalled", f"{name} is recalled"))
        if lot.quantity <= 0:
            # A single-use cartridge that is not in stock cannot have come from this lot.
            out.append(Reason("lot_out_of_stock", f"{name} has none left in stock", overridable=False))
        if lot.compliance == "fail":
            out.append(Reason("lot_non_compliant", f"{name} failed the pigment compliance check"))
    return out


def _practitioner(f: SessionFacts) -> list[Reason]:
    if f.practitioner_role not in ("practitioner", "owner"):
        return [
            Reason(
                "not_a_practitioner",
                f"a {f.practitioner_role} user cannot be the session's practitioner",
                overridable=False,
            )
        ]
    if not f.certifications:
        return [Reason("certification_missing", "the practitioner has no certification on file")]
    return [
        Reason("certification_expired", f"the practitioner's {kind} certification expired on {until}")
        for kind, until in f.certifications
        if until < f.on
    ]


def _interval(f: SessionFacts) -> list[Reason]:
    if f.last_session_on is None:
        return []
    gap = (f.on - f.last_session_on).days
    if gap < f.minimum_interval_days:
        return [
            Reason(
                "too_soon",
                f"{gap} days after the last session on {f.last_session_on}; "
                f"the rules ask for at least {f.minimum_interval_days}",
            )
        ]
    return []


def session_reasons(f: SessionFacts) -> list[Reason]:
    """Every reason the session may not be recorded (empty when it may)."""
    return [*_screening(f), *_consent(f), *_patch_test(f), *_lots(f), *_practitioner(f), *_interval(f)]
