"""Queries of clients' own links: the link a token's hash names, a client's links, the reports made
through them (counted per link for the daily limit, listed for the dashboard until a member of staff
reviews them), and what a client's own page shows: the last session, its open follow-ups and touch-up
reminders, and the client's booked appointments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session as Db

from smpstudio.records.clinic_day import Appointment, ClientLink
from smpstudio.records.models import Client, FollowUp, Reminder, Session, SymptomReport

__all__ = [
    "add_link",
    "booked_appointments",
    "client_reports",
    "get_link",
    "get_report",
    "last_session",
    "link_by_hash",
    "links_of_client",
    "open_followups",
    "open_reminders",
    "reports_since",
    "unreviewed_client_reports",
]


def add_link(db: Db, **values: Any) -> ClientLink:
    """Insert a client's link (``values``: :class:`~smpstudio.records.clinic_day.ClientLink` attributes)."""
    row = ClientLink(**values)
    db.add(row)
    db.flush()
    return row


def link_by_hash(db: Db, token_hash: str, *, for_update: bool = False) -> tuple[ClientLink, Client] | None:
    """The link whose token hashes to ``token_hash``, with its client (None when no link has it);
    ``for_update`` locks the link's row (PostgreSQL) until the transaction ends, so two uses of one link
    that count what it did (a rate limit) take turns."""
    query = (
        select(ClientLink, Client)
        .join(Client, Client.id == ClientLink.client_id)
        .where(ClientLink.token_hash == token_hash)
    )
    row = db.execute(query.with_for_update(of=ClientLink) if for_update else query).first()
    return (row[0], row[1]) if row else None


def get_link(db: Db, link_id: int, client_id: int, clinic_id: int) -> ClientLink | None:
    """The link ``link_id`` of the client ``client_id`` of the clinic (None otherwise: another client's or
    another clinic's link is not found either)."""
    return db.scalar(
        select(ClientLink).where(
            ClientLink.id == link_id, ClientLink.client_id == client_id, ClientLink.clinic_id == clinic_id
        )
    )


def links_of_client(db: Db, clinic_id: int, client_id: int) -> list[ClientLink]:
    """The client's links, newest first."""
    return list(
        db.scalars(
            select(ClientLink)
            .where(ClientLink.clinic_id == clinic_id, ClientLink.client_id == client_id)
            .order_by(ClientLink.created_at.desc(), ClientLink.id.desc())
        )
    )


def client_reports(db: Db, client_id: int, *, limit: int = 50) -> list[SymptomReport]:
    """The reports the client made through their links, newest first."""
    return list(
        db.scalars(
            select(SymptomReport)
            .where(SymptomReport.client_id == client_id, SymptomReport.via == "client")
            .order_by(SymptomReport.reported_at.desc(), SymptomReport.id.desc())
            .limit(limit)
        )
    )


def reports_since(db: Db, link_id: int, since: dt.datetime) -> int:
    """How many reports were made through the link since ``since``."""
    return int(
        db.scalar(
            select(func.count(SymptomReport.id)).where(
                SymptomReport.link_id == link_id, SymptomReport.reported_at >= since
            )
        )
        or 0
    )


def get_report(db: Db, report_id: int, clinic_id: int) -> SymptomReport | None:
    """The symptom report ``report_id`` of a client of the clinic (None otherwise)."""
    return db.scalar(
        select(SymptomReport)
        .join(Client, Client.id == SymptomReport.client_id)
        .where(SymptomReport.id == report_id, Client.clinic_id == clinic_id)
    )


def unreviewed_client_reports(db: Db, clinic_id: int, *, limit: int = 100) -> list[tuple[SymptomReport, str]]:
    """Reports made by clients of the clinic on record through their links that no member of staff has
    reviewed yet, oldest first, each with the client's name."""
    rows = db.execute(
        select(SymptomReport, Client.name)
        .join(Client, Client.id == SymptomReport.client_id)
        .where(
            Client.clinic_id == clinic_id,
            Client.erased_at.is_(None),
            SymptomReport.via == "client",
            SymptomReport.reviewed_at.is_(None),
        )
        .order_by(SymptomReport.reported_at, SymptomReport.id)
        .limit(limit)
    ).all()
    return [(r[0], r[1]) for r in rows]


def last_session(db: Db, client_id: int) -> Session | None:
    """The client's most recent session (None when none is recorded)."""
    return db.scalar(
        select(Session)
        .where(Session.client_id == client_id)
        .order_by(Session.started_at.desc(), Session.id.desc())
        .limit(1)
    )


def open_followups(db: Db, client_id: int, session_id: int, on_or_after: dt.date) -> list[FollowUp]:
    """The session's follow-ups not yet done and due on or after ``on_or_after``, soonest first."""
    return list(
        db.scalars(
            select(FollowUp)
            .where(
                FollowUp.client_id == client_id,
                FollowUp.session_id == session_id,
                FollowUp.done_at.is_(None),
                FollowUp.due_on >= on_or_after,
            )
            .order_by(FollowUp.due_on, FollowUp.id)
        )
    )


def open_reminders(db: Db, client_id: int, on_or_after: dt.date) -> list[Reminder]:
    """The client's touch-up reminders not yet done and due on or after ``on_or_after``, soonest first."""
    return list(
        db.scalars(
            select(Reminder)
            .where(
                Reminder.client_id == client_id,
                Reminder.kind == "touch-up",
                Reminder.done_at.is_(None),
                Reminder.due_on >= on_or_after,
            )
            .order_by(Reminder.due_on, Reminder.id)
        )
    )


def booked_appointments(db: Db, clinic_id: int, client_id: int, after: dt.datetime) -> list[Appointment]:
    """The client's booked appointments starting after ``after``, soonest first."""
    return list(
        db.scalars(
            select(Appointment)
            .where(
                Appointment.clinic_id == clinic_id,
                Appointment.client_id == client_id,
                Appointment.status == "booked",
                Appointment.starts_at > after,
            )
            .order_by(Appointment.starts_at, Appointment.id)
        )
    )
