"""E-mail reminders to clients, sent once each through the clinic's own mail server: the sweep.

What is due, in the clinic's timezone, from the clinic-local ``send_hour`` of its mail settings:

- ``appointment``: booked appointments (any kind) starting tomorrow;
- ``follow-up``: follow-up calls not done, due today or tomorrow;
- ``touch-up``: touch-up reminders not done, due within :data:`TOUCH_UP_DAYS` days;
- ``patch-test-read``: patch tests not read yet whose first reading (the applied time plus the care rules'
  first ``read_at_hours``, 48 h: Schubert 2023 [schubert2023] in docs/references.md) falls within
  :data:`PATCH_TEST_WINDOW` of now.

A follow-up, touch-up or patch test with a booked appointment made from it is left to the appointment's
own reminder. Each item has a ``source_key`` (``appointment:12``, ``followup:3``, ``touch-up:7``,
``patch-test:5``) unique in the clinic: its message row is inserted first (a second run or a second
worker inserts nothing and sends nothing), marked ``sending`` and committed before the SMTP call, then
``sent`` or ``failed``; a failed one is tried again on a later run while still due, up to
:data:`MAX_ATTEMPTS` attempts; a ``sending`` row left by a crash is never sent again (at most once). A
client who unsubscribed gets ``unsubscribed``, one without an e-mail ``no-address``, and nothing is sent;
erased clients are skipped. Subjects carry the clinic's name and no health word.

How a reminder e-mail is built is in :mod:`smpstudio.services.reminder_mail`; the messages on a client's
record, turning reminders back on, and the unsubscribe link are in :mod:`smpstudio.services.client_messages`.
"""

from __future__ import annotations

import datetime as dt
import ssl
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TypeVar

from pydantic import Field, field_validator
from sqlalchemy.orm import Session as Db

from smpstudio.errors import SmpError
from smpstudio.mail.transport import Mailer, MailError, SmtpMailer
from smpstudio.records.models import Clinic
from smpstudio.records.repositories import clinics as clinic_rows
from smpstudio.records.repositories import messages as repo
from smpstudio.services.access import Actor, log, not_in_clinic, rules_for, system_actor, transact
from smpstudio.services.client_messages import new_unsubscribe_token
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import Id
from smpstudio.services.mail_settings import mail_config
from smpstudio.services.models import Request, Result
from smpstudio.services.reminder_mail import (
    APPOINTMENT_WORDS,
    Due,
    compose,
    contact_us,
    spoken_day,
    spoken_time,
)

__all__ = [
    "MAX_ATTEMPTS",
    "PATCH_TEST_WINDOW",
    "TOUCH_UP_DAYS",
    "RemindersSent",
    "SendRemindersRequest",
    "clinic_ids_with_mail",
    "send_due_reminders",
]

T = TypeVar("T")

#: How many times a reminder is tried before it is left failed.
MAX_ATTEMPTS = 3
#: How far ahead a touch-up due is reminded. [days]
TOUCH_UP_DAYS = 14
#: How close to its first reading time (before or after) a pending patch test is reminded.
PATCH_TEST_WINDOW = dt.timedelta(days=1)


# --- what is due -------------------------------------------------------------------------------------------


def _due_items(db: Db, ctx: ServiceContext, actor: Actor, clinic: Clinic, now: dt.datetime) -> list[Due]:
    """Everything due at ``now`` (UTC) in the clinic (see the module's notes)."""
    tz = actor.clock.tz
    local = now.astimezone(tz)
    today = local.date()
    name = clinic.name
    booked = repo.booked_sources(db, clinic.id, now)
    items: list[Due] = []
    tomorrow = today + dt.timedelta(days=1)
    start = dt.datetime.combine(tomorrow, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(tomorrow + dt.timedelta(days=1), dt.time(), tzinfo=tz).astimezone(dt.UTC)
    for appt, client in repo.appointments_starting(db, clinic.id, start, end):
        what = APPOINTMENT_WORDS.get(appt.kind, "appointment")
        items.append(
            Due(
                "appointment",
                f"appointment:{appt.id}",
                client,
                f"{name}: your appointment tomorrow",
                (
                    f"This is a reminder of your {what} at {name} tomorrow, "
                    f"{spoken_time(appt.starts_at.astimezone(tz))} ({appt.minutes} minutes).",
                    f"If you cannot come, please {contact_us(clinic)} "
                    "so we can offer the time to someone else.",
                ),
            )
        )
    for followup, client in repo.followups_due(db, clinic.id, today, tomorrow):
        if followup.id in booked.followups:
            continue
        items.append(
            Due(
                "follow-up",
                f"followup:{followup.id}",
                client,
                f"{name}: we will be in touch",
                (
                    f"We will call you on {spoken_day(followup.due_on)} to hear how you are getting on.",
                    f"If another time suits you better, please {contact_us(clinic)}.",
                ),
            )
        )
    for reminder, client in repo.touch_ups_due(
        db, clinic.id, today, today + dt.timedelta(days=TOUCH_UP_DAYS)
    ):
        if reminder.id in booked.reminders:
            continue
        items.append(
            Due(
                "touch-up",
                f"touch-up:{reminder.id}",
                client,
                f"{name}: time to book your next visit",
                (
                    f"Your touch-up session is due around {spoken_day(reminder.due_on)}.",
                    f"To book a time that suits you, please {contact_us(clinic)}.",
                ),
            )
        )
    hours = min(float(h) for h in rules_for(db, actor, ctx).data["patch_test"]["read_at_hours"])
    first_read = dt.timedelta(hours=hours)  # the care rules' first reading [schubert2023]
    applied_from = now - PATCH_TEST_WINDOW - first_read
    applied_to = now + PATCH_TEST_WINDOW - first_read
    for test, client in repo.pending_patch_tests(db, clinic.id, applied_from, applied_to):
        if test.id in booked.patch_tests:
            continue
        read_at = (test.applied_at + first_read).astimezone(tz)
        items.append(
            Due(
                "patch-test-read",
                f"patch-test:{test.id}",
                client,
                f"{name}: please come back to see us",
                (
                    f"Your patch test is ready to be read from {spoken_time(read_at)}.",
                    f"Please come in so we can check it; to arrange a time, {contact_us(clinic)}.",
                ),
            )
        )
    return items


# --- sending -----------------------------------------------------------------------------------------------


class SendRemindersRequest(Request):
    """The clinic whose reminders are due, at ``now`` (the clock's now by default; naive means UTC)."""

    clinic_id: Id
    now: dt.datetime | None = None

    @field_validator("now")
    @classmethod
    def _utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class RemindersSent(Result):
    """What one run did: the messages it recorded or sent, counted by kind and status, and their ids."""

    clinic_id: int
    counts: dict[str, dict[str, int]] = Field(description="kind -> status -> number of messages.")
    message_ids: list[int]
    skipped: str | None = Field(None, description="Why nothing was looked at (mail not set up or off).")


@dataclass(frozen=True)
class _Send:
    message_id: int
    kind: str
    client_id: int
    status: str
    attempts: int
    to: str
    build: Callable[[str], EmailMessage]


def _in_clinic(ctx: ServiceContext, clinic_id: int, action: Callable[[Db, Actor], T]) -> T:
    """Run ``action`` in one write transaction as the clinic's system actor (no acting user: the worker),
    or as the acting user, who must be an owner of that clinic."""
    if ctx.user_id is None:
        return ctx.db.write(lambda db: action(db, system_actor(db, clinic_id, ctx.clock)))

    def checked(db: Db, actor: Actor) -> T:
        actor.require("mail.settings")
        if actor.clinic_id != clinic_id:
            raise not_in_clinic("clinic", clinic_id, noun="clinic", field="clinic_id", allowed="your clinic")
        return action(db, actor)

    return transact(ctx, checked)


def clinic_ids_with_mail(ctx: ServiceContext) -> list[int]:
    """The clinics whose mail server is set up and turned on (for the worker to go through)."""
    return ctx.db.read(repo.clinic_ids_with_mail)


def send_due_reminders(
    ctx: ServiceContext,
    request: SendRemindersRequest,
    mailer: Mailer | None = None,
    *,
    ssl_context: ssl.SSLContext | None = None,
) -> RemindersSent:
    """Send the clinic's reminders due now, each once (see the module's notes).

    ``mailer`` None sends through the clinic's stored mail server (``ssl_context``: the TLS trust, the
    system's by default). A message the server does not take is left ``failed`` for a later run; the run
    goes on with the others.
    """
    r = request
    now = r.now or ctx.clock.now_utc().astimezone(dt.UTC)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    touched: list[int] = []

    def plan(
        db: Db, actor: Actor
    ) -> tuple[str | None, list[_Send], Mailer | None, list[tuple[int, str, str]]]:
        """What to send, and the messages recorded as never sent (id, kind, status); nothing outside the
        transaction is changed here, so a retried transaction counts nothing twice."""
        recorded: list[tuple[int, str, str]] = []
        mail = repo.get_mail(db, r.clinic_id)
        clinic = clinic_rows.get_clinic(db, r.clinic_id)
        if mail is None or clinic is None:
            return "the clinic's mail server is not set up", [], None, []
        if not mail.enabled:
            return "the clinic's reminders are turned off", [], None, []
        if now.astimezone(actor.clock.tz).hour < mail.send_hour:
            return f"reminders go out from {mail.send_hour:02d}:00, the clinic's time", [], None, []
        sender = mailer or SmtpMailer.from_settings(mail_config(mail, ctx, ssl_context=ssl_context))
        due = _due_items(db, ctx, actor, clinic, now)
        existing = repo.messages_by_key(db, clinic.id, (d.source_key for d in due))
        sends: list[_Send] = []
        for item in due:
            client = item.client
            status = (
                "unsubscribed"
                if client.email_opt_out_at is not None
                else "queued"
                if client.email
                else "no-address"
            )
            row = existing.get(item.source_key)
            if row is None:
                row = repo.add_message(
                    db,
                    clinic_id=clinic.id,
                    client_id=client.id,
                    kind=item.kind,
                    source_key=item.source_key,
                    to_address=client.email,
                    subject=item.subject,
                    status=status,
                    queued_at=now,
                )
                if row is None:  # another run inserted it first: that run sends it
                    continue
                log(db, actor, "create", "message", row.id, client=client.id, kind=item.kind, status=status)
                if status != "queued":
                    recorded.append((row.id, item.kind, status))
                    continue
            elif row.status == "queued" or (row.status == "failed" and row.attempts < MAX_ATTEMPTS):
                if status != "queued":  # unsubscribed or lost the address since the last try
                    repo.finish_message(db, row.id, status=status, error=row.error)
                    log(db, actor, "update", "message", row.id, client=client.id, status=status)
                    recorded.append((row.id, item.kind, status))
                    continue
            else:
                continue
            assert client.email is not None
            build = compose(clinic, mail, item, client.email, ctx.public_url)
            sends.append(_Send(row.id, item.kind, client.id, row.status, row.attempts, client.email, build))
        return None, sends, sender, recorded

    skipped, sends, sender, recorded = _in_clinic(ctx, r.clinic_id, plan)
    for message_id, kind, status in recorded:
        counts[kind][status] += 1
        touched.append(message_id)
    for item in sends:
        assert sender is not None
        _send_one(ctx, r.clinic_id, item, sender, now, counts, touched)
    return RemindersSent(
        clinic_id=r.clinic_id,
        counts={kind: dict(by) for kind, by in counts.items()},
        message_ids=touched,
        skipped=skipped,
    )


def _send_one(
    ctx: ServiceContext,
    clinic_id: int,
    item: _Send,
    sender: Mailer,
    now: dt.datetime,
    counts: dict[str, dict[str, int]],
    touched: list[int],
) -> None:
    """Build one message, claim it (``sending``, committed), send it, and record ``sent`` or ``failed``.

    The message is built before the claim, and anything that goes wrong building or sending it (a header
    the e-mail cannot carry, an unexpected error of the mail library) finishes it ``failed`` with a code,
    so none is left ``sending`` by an error and the run goes on with the next one."""
    token, digest = new_unsubscribe_token()
    error: SmpError | None = None
    message: EmailMessage | None = None
    try:
        message = item.build(token)
    except Exception:  # any build error fails this message only (its text may hold client data)
        error = MailError(
            "the reminder could not be written: an address or clinic detail cannot go in an e-mail",
            field="message",
            allowed="a client address and clinic details of one line each",
            code="mail_invalid",
        )

    def claim(db: Db, actor: Actor) -> bool:
        return repo.claim_message(
            db,
            item.message_id,
            status=item.status,
            attempts=item.attempts,
            to_address=item.to,
            unsubscribe_hash=digest,
        )

    if not _in_clinic(ctx, clinic_id, claim):
        return  # another run took it
    if message is not None:
        try:
            sender.send(message)
        except MailError as exc:
            error = exc
        except OSError:
            error = MailError("the mail server could not be reached", code="mail_unreachable")
        except Exception:  # one message failing must not stop the run or leave it sending
            error = MailError("the mail library could not send the reminder", code="mail_failed")
    status = "sent" if error is None else "failed"

    def finish(db: Db, actor: Actor) -> None:
        repo.finish_message(
            db,
            item.message_id,
            status=status,
            error=error.message[:300] if error is not None else None,
            sent_at=now if error is None else None,
        )
        detail = {"code": error.code} if error is not None else {}
        log(db, actor, "update", "message", item.message_id, client=item.client_id, status=status, **detail)

    _in_clinic(ctx, clinic_id, finish)
    counts[item.kind][status] += 1
    touched.append(item.message_id)
