"""The aftercare handout of a recorded session: the client's copy, printed at the end of the session.

:func:`session_handout` renders the day-by-day aftercare plan (:mod:`smpstudio.care.aftercare`) from the
session's date in the clinic's timezone and the clinic's rules in force, as a one-page PDF headed with the
clinic's name, address and phone and the client's name; its rules are in day order and it prints no
internal reference (no rules version, no source codes). The face serves the bytes; the file's name holds
the session's id, never the client's name.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field
from sqlalchemy.orm import Session as Db

from smpstudio.care.aftercare import (
    MEDIA_TYPES,
    AftercarePlan,
    HandoutHeader,
    aftercare_plan,
    render_aftercare,
)
from smpstudio.errors import NotFoundError
from smpstudio.records.repositories import clinics as clinic_rows
from smpstudio.services.access import Actor, client_session, get_client, log, rules_for, target, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import Id
from smpstudio.services.models import Request, Result

__all__ = ["HandoutRequest", "HandoutResult", "session_handout"]


class HandoutRequest(Request):
    """A client and one of their recorded sessions."""

    client_id: Id
    session_id: Id


class HandoutResult(Result):
    """The handout's bytes (not in the JSON), the file name to save it under and what it holds."""

    session_id: int
    session_date: dt.date = Field(description="The session's date in the clinic's timezone (day 0).")
    days: int = Field(description="Days the plan covers, from the session's day.")
    rules_version: str = Field(description="The rules the plan follows (not printed on the handout).")
    filename: str = Field(description="A file name without the client's name.")
    media_type: str = MEDIA_TYPES["pdf"]
    content: bytes = Field(exclude=True, repr=False)


def _day(moment: dt.datetime, tz: dt.tzinfo) -> dt.date:
    """The date of a stored time (UTC when it comes back without an offset) in the clinic's timezone."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(tz).date()


def session_handout(ctx: ServiceContext, request: HandoutRequest) -> HandoutResult:
    """The aftercare handout (PDF) for the client's session ``request.session_id`` (the read is audited).

    The plan starts on the session's date in the clinic's timezone and follows the clinic's care rules in
    force now. Another clinic's client, or a session of another client, answers as not found; an erased
    client has no handout (their name is gone).
    """

    def action(db: Db, actor: Actor) -> tuple[HandoutHeader, AftercarePlan, int, dt.datetime]:
        actor.require("client.read")
        client = get_client(db, actor, request.client_id, for_update=True)
        sess = client_session(db, client, request.session_id)
        assert sess is not None  # a session id was named
        clinic = clinic_rows.get_clinic(db, actor.clinic_id)
        if clinic is None:  # the actor's own clinic: only a store changed under the call
            raise target(NotFoundError("no such clinic", field="clinic"), "clinic", actor.clinic_id)
        header = HandoutHeader(
            clinic_name=clinic.name,
            client_name=client.name,
            clinic_phone=clinic.phone,
            clinic_address=clinic.address,
            clinic_email=clinic.email,
        )
        plan = aftercare_plan(_day(sess.started_at, actor.clock.tz), rules_for(db, actor, ctx))
        log(db, actor, "read", "session", sess.id, client=client.id, handout=True)
        return header, plan, sess.id, actor.clock.now()

    header, plan, session_id, now = transact(ctx, action)
    return HandoutResult(  # rendered after the transaction: the store is not held while the PDF is drawn
        session_id=session_id,
        session_date=plan.session_date,
        days=len(plan.days),
        rules_version=plan.rules_version,
        filename=f"aftercare-session-{session_id}.pdf",
        content=render_aftercare(plan, "pdf", stamp=now, header=header),
    )
