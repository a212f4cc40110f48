"""The client's side of the e-mail reminders: the messages on the client's record, turning reminders back
on when the client asks, and the unsubscribe link every reminder carries (public: its token is the key).

An unsubscribe token is random (``secrets.token_urlsafe``); only its SHA-256 is kept, on the message it was
sent with. An unknown or malformed token answers alike (:class:`NotFoundError`, ``no_unsubscribe_link``).
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy.orm import Session as Db

from smpstudio.errors import InputError, NotFoundError
from smpstudio.records import audit
from smpstudio.records.models import Client
from smpstudio.records.repositories import clinics as clinic_rows
from smpstudio.records.repositories import messages as repo
from smpstudio.services.access import Actor, get_client, log, transact
from smpstudio.services.accounts import token_digest
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import Id
from smpstudio.services.models import Request, Result

__all__ = [
    "ClientMessages",
    "ClientMessagesRequest",
    "MessageEntry",
    "RemindersResumed",
    "ResumeRemindersRequest",
    "UnsubscribePage",
    "Unsubscribed",
    "client_messages",
    "new_unsubscribe_token",
    "resume_reminders",
    "unsubscribe",
    "unsubscribe_page",
]

#: What each kind of reminder is about, for the client's record ("Reminder e-mail sent ...: <words>").
KIND_WORDS = {
    "appointment": "appointment tomorrow",
    "follow-up": "follow-up call",
    "touch-up": "touch-up due",
    "patch-test-read": "patch test reading",
}
#: Random bytes in an unsubscribe token (``secrets.token_urlsafe``: 43 characters). [bytes]
_TOKEN_BYTES = 32
_TOKEN_CHARS = 43


def new_unsubscribe_token() -> tuple[str, str]:
    """A new unsubscribe token for one message, and the SHA-256 to keep on it (the token itself is not)."""
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    return token, str(token_digest(token))


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
    row = repo.message_by_unsubscribe_hash(db, str(token_digest(clean)))
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
