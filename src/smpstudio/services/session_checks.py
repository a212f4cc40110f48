"""The checks before a session as a checklist, without recording anything (a dry run of the session).

:func:`check_session` reads the same facts as :func:`~smpstudio.services.sessions.record_session`
(:func:`~smpstudio.services.sessions.prepare_session`) and runs the same checks
(:func:`smpstudio.records.checks.session_checks`, whose reasons together are the refusal), so the
checklist and the recording can never disagree: every check is listed, passed or with the reasons it
fails. A lot that cannot be found is a failed item of its slot, so the list fills in as a practitioner
types (or scans) the lots.
"""

from __future__ import annotations

from pydantic import Field
from sqlalchemy.orm import Session as Db

from smpstudio.records.checks import session_checks
from smpstudio.services.access import Actor, log, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.models import Result
from smpstudio.services.sessions import RefusalReason, SessionRequest, prepare_session

__all__ = ["CHECK_LABELS", "CheckItem", "SessionChecklist", "check_session"]

#: Each check's name in plain words, in the order the checks run.
CHECK_LABELS: dict[str, str] = {
    "when": "The session is dated today (or recorded as historical by an owner)",
    "age": "The client is old enough to be treated",
    "screening": "Screening on file, without a stop or defer outcome",
    "consent": "Treatment consent signed and not withdrawn",
    "patch_test": "Patch test read negative where the screening calls for one",
    "pigment_lot": "Pigment lot in date, in stock, not recalled, compliant",
    "needle_lot": "Needle lot in date, in stock, not recalled",
    "diluent_lot": "Diluent lot in date, in stock, not recalled",
    "sterilisation": "Sterilisation cycle passed, not held by a failed spore test",
    "practitioner": "Practitioner certified and in date",
    "interval": "Enough days since (and before) the client's other sessions",
}


class CheckItem(Result):
    """One check: its stable code, its name in plain words, whether it passes and, when it does not,
    why (every reason, each with whether an owner may override it)."""

    code: str
    label: str
    passed: bool
    reason: str | None = Field(description="Why it fails, in plain words (None when it passes).")
    reasons: list[RefusalReason] = Field(description="Each reason it fails, with its refusal code.")
    overridable: bool = Field(description="Whether an owner may override every reason it fails.")


class SessionChecklist(Result):
    """Every check the session would run, in order; ``ready`` when all pass (recording would succeed),
    ``overridable`` when every failure is one an owner may override with a written justification."""

    client_id: int
    ready: bool
    overridable: bool
    items: list[CheckItem]


def _item(code: str, failed: list[RefusalReason], request: SessionRequest) -> CheckItem:
    label = CHECK_LABELS.get(code, code.replace("_", " "))
    if code == "sterilisation" and request.sterilisation_cycle is None:
        label = "Sterilisation cycle: none named, nothing to check"
    return CheckItem(
        code=code,
        label=label,
        passed=not failed,
        reason="; ".join(x.message for x in failed) or None,
        reasons=failed,
        overridable=all(x.overridable for x in failed),
    )


def check_session(ctx: ServiceContext, request: SessionRequest) -> SessionChecklist:
    """Run every check before the session ``request`` describes and list them; nothing is recorded.

    The read of the client's facts is audited (a ``read`` of the client with ``checks``). A request that
    cannot describe a session (another clinic's client or practitioner, an end before the start, a missing
    design version or cycle) is refused as recording would refuse it; a lot that cannot be found is a
    failed check of its slot (code ``lot_unknown``, not overridable).
    """

    def action(db: Db, actor: Actor) -> SessionChecklist:
        actor.require("session")
        p = prepare_session(db, actor, ctx, request, lock=False, dry_run=True)
        found = {
            code: [RefusalReason.model_validate(x.to_dict()) for x in failed]
            for code, failed in session_checks(p.facts)
        }
        for role, why in p.unresolved.items():
            found[f"{role}_lot"] = [RefusalReason(code="lot_unknown", message=why, overridable=False)]
        rank = {code: i for i, code in enumerate(CHECK_LABELS)}
        order = sorted(found, key=lambda code: rank.get(code, len(rank)))  # a stable sort
        items = [_item(code, found[code], request) for code in order]
        log(db, actor, "read", "client", p.client.id, checks=True)
        failed = [x for item in items for x in item.reasons]
        return SessionChecklist(
            client_id=p.client.id,
            ready=not failed,
            overridable=bool(failed) and all(x.overridable for x in failed),
            items=items,
        )

    return transact(ctx, action)
