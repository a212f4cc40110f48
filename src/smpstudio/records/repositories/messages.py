"""Queries of the clinic's mail: its mail server, the reminders due (appointments, follow-up calls,
touch-ups, patch-test reads), the messages sent to clients (one per ``source_key``: a second insert of
the same key inserts nothing) and a client's opt-out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as Db

from smpstudio.records.clinic_day import Appointment, ClinicMail, Message
from smpstudio.records.models import Client, FollowUp, PatchTest, Reminder

__all__ = [
    "BookedSources",
    "add_message",
    "appointments_starting",
    "booked_sources",
    "claim_message",
    "client_messages",
    "clinic_ids_with_mail",
    "finish_message",
    "followups_due",
    "get_mail",
    "message_by_unsubscribe_hash",
    "messages_by_key",
    "pending_patch_tests",
    "save_mail",
    "set_email_opt_out",
    "touch_ups_due",
]


def get_mail(db: Db, clinic_id: int) -> ClinicMail | None:
    """The clinic's mail server settings (None when none were saved)."""
    return db.get(ClinicMail, clinic_id)


def save_mail(db: Db, clinic_id: int, **values: object) -> ClinicMail:
    """Insert or change the clinic's mail server settings (``values``: the columns to set)."""
    row = db.get(ClinicMail, clinic_id)
    if row is None:
        row = ClinicMail(clinic_id=clinic_id)
        db.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    db.flush()
    return row


def clinic_ids_with_mail(db: Db) -> list[int]:
    """The clinics whose mail server is set up and turned on, by id."""
    return list(
        db.scalars(select(ClinicMail.clinic_id).where(ClinicMail.enabled).order_by(ClinicMail.clinic_id))
    )


def _of_clinic(clinic_id: int) -> tuple[ColumnElement[bool], ...]:
    return (Client.clinic_id == clinic_id, Client.erased_at.is_(None))


def appointments_starting(
    db: Db, clinic_id: int, start: dt.datetime, end: dt.datetime
) -> list[tuple[Appointment, Client]]:
    """Booked appointments of the clinic's clients on record starting from ``start`` (inclusive) to ``end``
    (exclusive), with the client, soonest first."""
    rows = db.execute(
        select(Appointment, Client)
        .join(Client, Client.id == Appointment.client_id)
        .where(
            Appointment.clinic_id == clinic_id,
            Appointment.status == "booked",
            Appointment.starts_at >= start,
            Appointment.starts_at < end,
            *_of_clinic(clinic_id),
        )
        .order_by(Appointment.starts_at, Appointment.id)
    ).all()
    return [(r[0], r[1]) for r in rows]


@dataclass(frozen=True)
class BookedSources:
    """The follow-ups, touch-up reminders and patch tests a booked appointment was made from."""

    followups: frozenset[int]
    reminders: frozenset[int]
    patch_tests: frozenset[int]


def booked_sources(db: Db, clinic_id: int, now: dt.datetime) -> BookedSources:
    """What the clinic's appointments still booked from ``now`` on were booked from."""
    rows = db.execute(
        select(Appointment.followup_id, Appointment.reminder_id, Appointment.patch_test_id).where(
            Appointment.clinic_id == clinic_id,
            Appointment.status == "booked",
            Appointment.starts_at >= now,
            (Appointment.followup_id.is_not(None))
            | (Appointment.reminder_id.is_not(None))
            | (Appointment.patch_test_id.is_not(None)),
        )
    ).all()
    return BookedSources(
        frozenset(r[0] for r in rows if r[0] is not None),
        frozenset(r[1] for r in rows if r[1] is not None),
        frozenset(r[2] for r in rows if r[2] is not None),
    )


def followups_due(db: Db, clinic_id: int, first: dt.date, last: dt.date) -> list[tuple[FollowUp, Client]]:
    """Open follow-ups of the clinic's clients on record due from ``first`` to ``last`` (inclusive)."""
    rows = db.execute(
        select(FollowUp, Client)
        .join(Client, Client.id == FollowUp.client_id)
        .where(
            FollowUp.done_at.is_(None),
            FollowUp.due_on >= first,
            FollowUp.due_on <= last,
            *_of_clinic(clinic_id),
        )
        .order_by(FollowUp.due_on, FollowUp.id)
    ).all()
    return [(r[0], r[1]) for r in rows]


def touch_ups_due(db: Db, clinic_id: int, first: dt.date, last: dt.date) -> list[tuple[Reminder, Client]]:
    """Open touch-up reminders of the clinic's clients on record due from ``first`` to ``last``."""
    rows = db.execute(
        select(Reminder, Client)
        .join(Client, Client.id == Reminder.client_id)
        .where(
            Reminder.kind == "touch-up",
            Reminder.done_at.is_(None),
            Reminder.due_on >= first,
            Reminder.due_on <= last,
            *_of_clinic(clinic_id),
        )
        .order_by(Reminder.due_on, Reminder.id)
    ).all()
    return [(r[0], r[1]) for r in rows]


def pending_patch_tests(
    db: Db, clinic_id: int, applied_from: dt.datetime, applied_to: dt.datetime
) -> list[tuple[PatchTest, Client]]:
    """Patch tests not read yet of the clinic's clients on record, applied from ``applied_from`` to
    ``applied_to`` (inclusive)."""
    rows = db.execute(
        select(PatchTest, Client)
        .join(Client, Client.id == PatchTest.client_id)
        .where(
            PatchTest.read_at.is_(None),
            PatchTest.applied_at >= applied_from,
            PatchTest.applied_at <= applied_to,
            *_of_clinic(clinic_id),
        )
        .order_by(PatchTest.applied_at, PatchTest.id)
    ).all()
    return [(r[0], r[1]) for r in rows]


def messages_by_key(db: Db, clinic_id: int, keys: Iterable[str]) -> dict[str, Message]:
    """The clinic's messages of the ``keys`` given, by key."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    rows = db.scalars(select(Message).where(Message.clinic_id == clinic_id, Message.source_key.in_(wanted)))
    return {m.source_key: m for m in rows}


def add_message(
    db: Db,
    *,
    clinic_id: int,
    client_id: int,
    kind: str,
    source_key: str,
    to_address: str | None,
    subject: str,
    status: str,
    queued_at: dt.datetime,
) -> Message | None:
    """Insert a message, or nothing when the clinic already has one of ``source_key`` (inserted by
    another run: the unique key decides, inside a savepoint, so the transaction goes on)."""
    row = Message(
        clinic_id=clinic_id,
        client_id=client_id,
        kind=kind,
        source_key=source_key,
        to_address=to_address,
        subject=subject,
        status=status,
        attempts=0,
        queued_at=queued_at,
    )
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError:
        return None
    return row


def claim_message(
    db: Db, message_id: int, *, status: str, attempts: int, to_address: str, unsubscribe_hash: str
) -> bool:
    """Mark the message ``sending`` (one more attempt, the address and the new unsubscribe token's hash)
    if it is still in ``status`` after ``attempts`` attempts; False when another run took it first."""
    result = db.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == status, Message.attempts == attempts)
        .values(
            status="sending",
            attempts=attempts + 1,
            to_address=to_address,
            unsubscribe_hash=unsubscribe_hash,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def finish_message(
    db: Db, message_id: int, *, status: str, error: str | None = None, sent_at: dt.datetime | None = None
) -> None:
    """Record what became of a message being sent (``sent`` or ``failed``) or never sent."""
    db.execute(
        update(Message)
        .where(Message.id == message_id)
        .values(status=status, error=error, sent_at=sent_at)
        .execution_options(synchronize_session=False)
    )


def message_by_unsubscribe_hash(db: Db, digest: str) -> Message | None:
    """The message whose unsubscribe token hashes to ``digest`` (any clinic's: the token is the key)."""
    return db.scalar(select(Message).where(Message.unsubscribe_hash == digest))


def client_messages(db: Db, clinic_id: int, client_id: int) -> list[Message]:
    """The messages of the client, newest first."""
    return list(
        db.scalars(
            select(Message)
            .where(Message.clinic_id == clinic_id, Message.client_id == client_id)
            .order_by(Message.queued_at.desc(), Message.id.desc())
        )
    )


def set_email_opt_out(db: Db, client: Client, at: dt.datetime | None) -> None:
    """Record that the client wants no e-mail reminders (``at``), or wants them again (None)."""
    client.email_opt_out_at = at
    db.flush()
