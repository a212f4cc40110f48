"""E-mail reminders to clients, sent once each through the clinic's own mail server, and the unsubscribe.

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
"""

from __future__ import annotations

import datetime as dt
import email.policy
import hashlib
import secrets
import ssl
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TypeVar

from pydantic import Field, field_validator
from sqlalchemy.orm import Session as Db

from smpstudio.errors import InputError, NotFoundError, SmpError
from smpstudio.mail.transport import Mailer, MailError, SmtpMailer
from smpstudio.records import audit
from smpstudio.records.clinic_day import ClinicMail
from smpstudio.records.models import Client, Clinic
from smpstudio.records.repositories import clinics as clinic_rows
from smpstudio.records.repositories import messages as repo
from smpstudio.services.access import Actor, get_client, log, not_in_clinic, rules_for, system_actor, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import Id
from smpstudio.services.mail_settings import mail_config
from smpstudio.services.models import Request, Result

__all__ = [
    "MAX_ATTEMPTS",
    "PATCH_TEST_WINDOW",
    "TOUCH_UP_DAYS",
    "ClientMessages",
    "ClientMessagesRequest",
    "MessageEntry",
    "RemindersResumed",
    "RemindersSent",
    "ResumeRemindersRequest",
    "SendRemindersRequest",
    "UnsubscribePage",
    "Unsubscribed",
    "client_messages",
    "clinic_ids_with_mail",
    "resume_reminders",
    "send_due_reminders",
    "unsubscribe",
    "unsubscribe_page",
]

T = TypeVar("T")

#: How many times a reminder is tried before it is left failed.
MAX_ATTEMPTS = 3
#: How far ahead a touch-up due is reminded. [days]
TOUCH_UP_DAYS = 14
#: How close to its first reading time (before or after) a pending patch test is reminded.
PATCH_TEST_WINDOW = dt.timedelta(days=1)
#: How reminders are written: headers folded only where they must be (998 characters, RFC 5322), so the
#: ``List-Unsubscribe`` link stays one readable ``<url>`` rather than encoded words.
_POLICY = email.policy.SMTP.clone(max_line_length=998)
#: The appointment kinds in the client's words (the body may say what the appointment is).
APPOINTMENT_WORDS = {
    "consultation": "consultation",
    "session": "treatment session",
    "touch-up": "touch-up session",
    "follow-up-call": "follow-up call",
    "patch-test-read": "patch test reading",
}
#: What each kind of reminder is about, for the client's record ("Reminder e-mail sent ...: <words>").
KIND_WORDS = {
    "appointment": "appointment tomorrow",
    "follow-up": "follow-up call",
    "touch-up": "touch-up due",
    "patch-test-read": "patch test reading",
}
_TOKEN_CHARS = 43  # secrets.token_urlsafe(32)


# --- what is due -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Due:
    """One reminder due: its kind, key, client, subject and the paragraphs about it."""

    kind: str
    source_key: str
    client: Client
    subject: str
    paragraphs: tuple[str, ...]


def _when(value: dt.datetime) -> str:
    return f"{value:%A} {value.day} {value:%B %Y} at {value:%H:%M}"


def _day(value: dt.date) -> str:
    return f"{value:%A} {value.day} {value:%B %Y}"


def _phone(clinic: Clinic) -> str:
    return f"call us on {clinic.phone}" if clinic.phone else "reply to this e-mail"


def _due_items(db: Db, ctx: ServiceContext, actor: Actor, clinic: Clinic, now: dt.datetime) -> list[_Due]:
    """Everything due at ``now`` (UTC) in the clinic (see the module's notes)."""
    tz = actor.clock.tz
    local = now.astimezone(tz)
    today = local.date()
    name = clinic.name
    booked = repo.booked_sources(db, clinic.id, now)
    items: list[_Due] = []
    tomorrow = today + dt.timedelta(days=1)
    start = dt.datetime.combine(tomorrow, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(tomorrow + dt.timedelta(days=1), dt.time(), tzinfo=tz).astimezone(dt.UTC)
    for appt, client in repo.appointments_starting(db, clinic.id, start, end):
        what = APPOINTMENT_WORDS.get(appt.kind, "appointment")
        items.append(
            _Due(
                "appointment",
                f"appointment:{appt.id}",
                client,
                f"{name}: your appointment tomorrow",
                (
                    f"This is a reminder of your {what} at {name} tomorrow, "
                    f"{_when(appt.starts_at.astimezone(tz))} ({appt.minutes} minutes).",
                    f"If you cannot come, please {_phone(clinic)} so we can offer the time to someone else.",
                ),
            )
        )
    for followup, client in repo.followups_due(db, clinic.id, today, tomorrow):
        if followup.id in booked.followups:
            continue
        items.append(
            _Due(
                "follow-up",
                f"followup:{followup.id}",
                client,
                f"{name}: we will be in touch",
                (
                    f"We will call you on {_day(followup.due_on)} to hear how you are getting on.",
                    f"If another time suits you better, please {_phone(clinic)}.",
                ),
            )
        )
    for reminder, client in repo.touch_ups_due(
        db, clinic.id, today, today + dt.timedelta(days=TOUCH_UP_DAYS)
    ):
        if reminder.id in booked.reminders:
            continue
        items.append(
            _Due(
                "touch-up",
                f"touch-up:{reminder.id}",
                client,
                f"{name}: time to book your next visit",
                (
                    f"Your touch-up session is due around {_day(reminder.due_on)}.",
                    f"To book a time that suits you, please {_phone(clinic)}.",
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
            _Due(
                "patch-test-read",
                f"patch-test:{test.id}",
                client,
                f"{name}: please come back to see us",
                (
                    f"Your patch test is ready to be read from {_when(read_at)}.",
                    f"Please come in so we can check it; to arrange a time, {_phone(clinic)}.",
                ),
            )
        )
    return items


def _compose(
    clinic: Clinic, mail: ClinicMail, due: _Due, to: str, public_url: str
) -> Callable[[str], EmailMessage]:
    """The e-mail of a reminder, given its unsubscribe token (plain text: first name, the time, the
    clinic's contact details, the unsubscribe link, and a ``List-Unsubscribe`` header)."""
    first = (due.client.name.split() or ["there"])[0]
    contact = [
        clinic.name,
        *(clinic.address or "").splitlines(),
        *([f"Phone: {clinic.phone}"] if clinic.phone else []),
    ]
    domain = mail.from_address.rpartition("@")[2] or None

    def build(token: str) -> EmailMessage:
        url = f"{public_url}/unsubscribe/{token}"
        message = EmailMessage(policy=_POLICY)
        message["Subject"] = due.subject
        message["From"] = mail.from_address
        message["To"] = to
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=domain)
        message["Auto-Submitted"] = "auto-generated"
        message["List-Unsubscribe"] = f"<{url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        body = [
            f"Hello {first},",
            *due.paragraphs,
            "\n".join(line.strip() for line in contact if line.strip()),
        ]
        body.append(f"You receive these reminders as a client of {clinic.name}. To stop them: {url}")
        message.set_content("\n\n".join(body) + "\n")
        return message

    return build


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
            build = _compose(clinic, mail, item, client.email, ctx.public_url)
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
    """Claim one message (``sending``, committed), send it, and record ``sent`` or ``failed``."""
    token = secrets.token_urlsafe(32)
    digest = hashlib.sha256(token.encode("ascii")).hexdigest()

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
    error: SmpError | None = None
    try:
        sender.send(item.build(token))
    except MailError as exc:
        error = exc
    except OSError:
        error = MailError("the mail server could not be reached", code="mail_unreachable")
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


# --- the client's record: messages, and turning reminders back on ------------------------------------------


class ClientMessagesRequest(Request):
    client_id: Id


class MessageEntry(Result):
    """One message to the client: what about, its subject and what became of it (no body is kept)."""

    id: int
    kind: str
    about: str
    subject: str
    status: str
    to_address: str | None
    attempts: int
    queued_at: dt.datetime
    sent_at: dt.datetime | None
    error: str | None


class ClientMessages(Result):
    """The client's messages, newest first, and since when they want no e-mail reminders (None: they do)."""

    client_id: int
    email_opt_out_at: dt.datetime | None
    messages: list[MessageEntry]


def client_messages(ctx: ServiceContext, request: ClientMessagesRequest) -> ClientMessages:
    """The e-mails sent (or not sent) to a client of the clinic, and their opt-out."""
    r = request

    def action(db: Db, actor: Actor) -> ClientMessages:
        actor.require("client.read")
        client = get_client(db, actor, r.client_id)
        rows = repo.client_messages(db, actor.clinic_id, client.id)
        log(db, actor, "read", "client", client.id, via="messages")
        tz = actor.clock.tz
        return ClientMessages(
            client_id=client.id,
            email_opt_out_at=client.email_opt_out_at.astimezone(tz) if client.email_opt_out_at else None,
            messages=[
                MessageEntry(
                    id=m.id,
                    kind=m.kind,
                    about=KIND_WORDS.get(m.kind, m.kind),
                    subject=m.subject,
                    status=m.status,
                    to_address=m.to_address,
                    attempts=m.attempts,
                    queued_at=m.queued_at.astimezone(tz),
                    sent_at=m.sent_at.astimezone(tz) if m.sent_at else None,
                    error=m.error,
                )
                for m in rows
            ],
        )

    return transact(ctx, action)


class ResumeRemindersRequest(Request):
    """Turn a client's e-mail reminders back on; only with the client's say-so (``client_agreed``)."""

    client_id: Id
    client_agreed: bool = False


class RemindersResumed(Result):
    client_id: int
    email_reminders: bool


def resume_reminders(ctx: ServiceContext, request: ResumeRemindersRequest) -> RemindersResumed:
    """Send a client who unsubscribed e-mail reminders again, when they asked for it (audited)."""
    r = request

    def action(db: Db, actor: Actor) -> RemindersResumed:
        actor.require("client.write")
        client = get_client(db, actor, r.client_id, for_update=True)
        if not r.client_agreed:
            raise InputError(
                "reminders are turned back on only when the client asks for them",
                field="client_agreed",
                allowed="true, once the client has agreed",
            )
        if client.email_opt_out_at is not None:
            repo.set_email_opt_out(db, client, None)
            log(db, actor, "update", "client", client.id, fields=["email_opt_out_at"], email_reminders=True)
        return RemindersResumed(client_id=client.id, email_reminders=True)

    return transact(ctx, action)


# --- unsubscribing (public: the token is the key) ----------------------------------------------------------


def _message_of(db: Db, token: str) -> tuple[int, int, int]:
    """(message id, client id, clinic id) of the unsubscribe ``token``, or a :class:`NotFoundError` for
    an unknown or malformed one (the two answer alike)."""
    clean = token.strip() if isinstance(token, str) else ""
    if len(clean) != _TOKEN_CHARS or not all(c.isascii() and (c.isalnum() or c in "-_") for c in clean):
        raise NotFoundError("this unsubscribe link is not known", field="token", code="no_unsubscribe_link")
    row = repo.message_by_unsubscribe_hash(db, hashlib.sha256(clean.encode("ascii")).hexdigest())
    if row is None:
        raise NotFoundError("this unsubscribe link is not known", field="token", code="no_unsubscribe_link")
    return row.id, row.client_id, row.clinic_id


class UnsubscribePage(Result):
    """What the unsubscribe page may show: the clinic's name, and whether reminders are already off."""

    clinic_name: str
    unsubscribed: bool


class Unsubscribed(Result):
    clinic_name: str
    unsubscribed_at: dt.datetime


def unsubscribe_page(ctx: ServiceContext, token: str) -> UnsubscribePage:
    """The clinic of an unsubscribe link (nothing else about the client)."""

    def action(db: Db) -> UnsubscribePage:
        _, client_id, clinic_id = _message_of(db, token)
        client = db.get(Client, client_id)
        clinic = clinic_rows.get_clinic(db, clinic_id)
        return UnsubscribePage(
            clinic_name=clinic.name if clinic else "the clinic",
            unsubscribed=client is not None and client.email_opt_out_at is not None,
        )

    return ctx.db.read(action)


def unsubscribe(ctx: ServiceContext, token: str) -> Unsubscribed:
    """Record that the client of an unsubscribe link wants no more e-mail reminders (a second time keeps
    the first date); audited under the clinic, with no acting user."""

    def action(db: Db) -> Unsubscribed:
        message_id, client_id, clinic_id = _message_of(db, token)
        client = db.get(Client, client_id)
        clinic = clinic_rows.get_clinic(db, clinic_id)
        if client is None or clinic is None:
            raise NotFoundError(
                "this unsubscribe link is not known", field="token", code="no_unsubscribe_link"
            )
        if client.email_opt_out_at is None:
            repo.set_email_opt_out(db, client, ctx.clock.now_utc())
            audit.append(
                db,
                actor_id=None,
                clinic_id=clinic_id,
                action="update",
                entity="client",
                entity_id=client_id,
                detail={"fields": ["email_opt_out_at"], "via": "unsubscribe_link", "message": message_id},
            )
        assert client.email_opt_out_at is not None
        return Unsubscribed(clinic_name=clinic.name, unsubscribed_at=client.email_opt_out_at)

    return ctx.db.write(action)
