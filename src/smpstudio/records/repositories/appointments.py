"""Queries of appointments: the clash check (under the practitioner's row lock), a window of the clinic's
calendar, the facts a session appointment's checklist reads for many clients at once, and what is due to
be booked (follow-ups, touch-up reminders and patch tests not read yet, none already booked).

Every query is scoped to a clinic. The checklist facts are read with one query per kind of fact for all the
clients of a calendar window (not one per appointment).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session as Db
from sqlalchemy.orm import aliased

from smpstudio.records.clinic_day import Appointment
from smpstudio.records.models import (
    Certification,
    Client,
    Consent,
    FollowUp,
    Lot,
    PatchTest,
    Reminder,
    Screening,
    Session,
    User,
)

__all__ = [
    "ClientFacts",
    "add_appointment",
    "appointments_between",
    "certifications",
    "clash",
    "client_facts",
    "clients_of_clinic",
    "followups_unbooked",
    "get_appointment",
    "lock_practitioner",
    "patch_tests_pending",
    "practitioners",
    "reminders_unbooked",
    "session_starts_between",
    "source_of_clinic",
    "usable_lots",
]

#: The statuses that hold a practitioner's time: a cancelled appointment frees it; a no-show's time passed.
HOLDING = ("booked", "attended")


def lock_practitioner(db: Db, practitioner: User) -> None:
    """Lock the practitioner's user row for the rest of the transaction, so the clash check and the insert
    (or move) are atomic: a second booking of the same practitioner waits here, then sees the first.

    PostgreSQL takes a row lock (``SELECT ... FOR UPDATE``); on SQLite the write transaction's ``BEGIN
    IMMEDIATE`` already serialises writers and the clause is left out.
    """
    db.refresh(practitioner, with_for_update=True)


def clash(
    db: Db,
    practitioner_id: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    *,
    exclude_id: int | None = None,
) -> Appointment | None:
    """The practitioner's first appointment holding time that overlaps ``[starts_at, ends_at)`` (None when
    none does); ``exclude_id`` is the appointment being moved."""
    q = select(Appointment).where(
        Appointment.practitioner_id == practitioner_id,
        Appointment.status.in_(HOLDING),
        Appointment.starts_at < ends_at,
        Appointment.ends_at > starts_at,
    )
    if exclude_id is not None:
        q = q.where(Appointment.id != exclude_id)
    return db.scalars(q.order_by(Appointment.starts_at, Appointment.id).limit(1)).first()


def add_appointment(db: Db, **values: Any) -> Appointment:
    """Insert an appointment (``values``: :class:`~smpstudio.records.clinic_day.Appointment` attributes)."""
    row = Appointment(**values)
    db.add(row)
    db.flush()
    return row


def get_appointment(
    db: Db, clinic_id: int, appointment_id: int, *, for_update: bool = False
) -> Appointment | None:
    """The appointment ``appointment_id`` of the clinic (None when there is none: another clinic's is not
    found either); ``for_update`` locks its row."""
    q = select(Appointment).where(Appointment.id == appointment_id, Appointment.clinic_id == clinic_id)
    return db.scalars(q.with_for_update() if for_update else q).first()


def appointments_between(
    db: Db,
    clinic_id: int,
    start: dt.datetime,
    end: dt.datetime,
    *,
    practitioner_id: int | None = None,
    include_cancelled: bool = False,
) -> list[tuple[Appointment, str, str]]:
    """The clinic's appointments starting in ``[start, end)``, earliest first, each with the client's and
    the practitioner's names (one query)."""
    practitioner = aliased(User)
    q = (
        select(Appointment, Client.name, practitioner.name)
        .join(Client, Client.id == Appointment.client_id)
        .join(practitioner, practitioner.id == Appointment.practitioner_id)
        .where(
            Appointment.clinic_id == clinic_id, Appointment.starts_at >= start, Appointment.starts_at < end
        )
    )
    if practitioner_id is not None:
        q = q.where(Appointment.practitioner_id == practitioner_id)
    if not include_cancelled:
        q = q.where(Appointment.status != "cancelled")
    rows = db.execute(q.order_by(Appointment.starts_at, Appointment.id)).all()
    return [(r[0], r[1], r[2]) for r in rows]


@dataclass
class ClientFacts:
    """What a session appointment's checklist knows of one client."""

    date_of_birth: dt.date | None = None
    screening: Screening | None = None
    consent_valid: bool = False
    consent_withdrawn: bool = False
    patch_test: PatchTest | None = None
    session_starts: list[dt.datetime] = field(default_factory=list)


def client_facts(db: Db, clinic_id: int, client_ids: Iterable[int]) -> dict[int, ClientFacts]:
    """The checklist facts of the clinic's clients ``client_ids``: date of birth, latest screening, treatment
    consents, latest patch test (its newest row) and session starts, five queries for all of them."""
    ids = sorted(set(client_ids))
    if not ids:
        return {}
    out = {
        cid: ClientFacts(date_of_birth=born)
        for cid, born in db.execute(
            select(Client.id, Client.date_of_birth).where(Client.clinic_id == clinic_id, Client.id.in_(ids))
        ).all()
    }
    mine = list(out)
    latest_screening = (
        select(func.max(Screening.id)).where(Screening.client_id.in_(mine)).group_by(Screening.client_id)
    )
    for s in db.scalars(select(Screening).where(Screening.id.in_(latest_screening))):
        out[s.client_id].screening = s
    for cid, withdrawn in db.execute(
        select(Consent.client_id, Consent.withdrawn_at).where(
            Consent.client_id.in_(mine), Consent.kind == "treatment"
        )
    ).all():
        facts = out[cid]
        facts.consent_withdrawn = True  # a treatment consent is on file (withdrawn unless one is open)
        facts.consent_valid = facts.consent_valid or withdrawn is None
    for t in db.scalars(
        select(PatchTest)
        .where(PatchTest.client_id.in_(mine))
        .order_by(PatchTest.client_id, PatchTest.applied_at, PatchTest.id)
    ):
        out[t.client_id].patch_test = t  # the last one in order is the latest application's newest row
    for cid, started in db.execute(
        select(Session.client_id, Session.started_at).where(Session.client_id.in_(mine))
    ).all():
        out[cid].session_starts.append(started)
    return out


def practitioners(db: Db, clinic_id: int) -> list[User]:
    """The clinic's active practitioners and owners (who may be booked), by name."""
    return list(
        db.scalars(
            select(User)
            .where(User.clinic_id == clinic_id, User.active, User.role.in_(("practitioner", "owner")))
            .order_by(User.name, User.id)
        )
    )


def certifications(db: Db, user_ids: Iterable[int]) -> dict[int, list[tuple[str, dt.date]]]:
    """Each user's newest expiry per certification kind (one query)."""
    out: dict[int, list[tuple[str, dt.date]]] = {}
    ids = sorted(set(user_ids))
    if not ids:
        return out
    for uid, kind, until in db.execute(
        select(Certification.user_id, Certification.kind, func.max(Certification.expires_on))
        .where(Certification.user_id.in_(ids))
        .group_by(Certification.user_id, Certification.kind)
    ).all():
        out.setdefault(uid, []).append((kind, until))
    return out


def clients_of_clinic(db: Db, clinic_id: int, limit: int = 2000) -> list[tuple[int, str]]:
    """The clinic's clients on record (not erased), by name: ids and names for a booking form."""
    rows = db.execute(
        select(Client.id, Client.name)
        .where(Client.clinic_id == clinic_id, Client.erased_at.is_(None))
        .order_by(Client.name, Client.id)
        .limit(limit)
    ).all()
    return [(r[0], r[1]) for r in rows]


def usable_lots(db: Db, clinic_id: int) -> list[Lot]:
    """The clinic's pigment and needle lots in stock, not recalled and not failing compliance (their expiry
    is checked against each day by the caller)."""
    return list(
        db.scalars(
            select(Lot).where(
                Lot.clinic_id == clinic_id,
                Lot.kind.in_(("pigment", "needle")),
                Lot.recalled_at.is_(None),
                Lot.quantity > 0,
                Lot.compliance != "fail",
            )
        )
    )


def _not_booked(source: Any, row_id: Any) -> Any:
    """No appointment holding time is booked from the row ``row_id`` names (``source``: the appointment's
    column that points at such rows). The booked ids are gathered once, not looked up row by row: most
    appointments point at nothing, which makes an index on ``source`` look useless to SQLite's planner."""
    return row_id.not_in(select(source).where(source.is_not(None), Appointment.status.in_(HOLDING)))


def followups_unbooked(db: Db, clinic_id: int, until: dt.date) -> list[tuple[FollowUp, str, int | None]]:
    """Open follow-ups of the clinic's clients on record due on or before ``until`` with no appointment
    booked from them, oldest first, with the client's name and the practitioner of the session they came
    from (None for one not from a session)."""
    rows = db.execute(
        select(FollowUp, Client.name, Session.practitioner_id)
        .join(Client, Client.id == FollowUp.client_id)
        .outerjoin(Session, Session.id == FollowUp.session_id)
        .where(
            Client.clinic_id == clinic_id,
            Client.erased_at.is_(None),
            FollowUp.done_at.is_(None),
            FollowUp.due_on <= until,
            _not_booked(Appointment.followup_id, FollowUp.id),
        )
        .order_by(FollowUp.due_on, FollowUp.id)
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def reminders_unbooked(db: Db, clinic_id: int, until: dt.date) -> list[tuple[Reminder, str, int | None]]:
    """Open touch-up reminders of the clinic's clients on record due on or before ``until`` with no
    appointment booked from them, oldest first, with the client's name and the practitioner of the session
    they came from (None for one not from a session)."""
    rows = db.execute(
        select(Reminder, Client.name, Session.practitioner_id)
        .join(Client, Client.id == Reminder.client_id)
        .outerjoin(Session, Session.id == Reminder.session_id)
        .where(
            Client.clinic_id == clinic_id,
            Client.erased_at.is_(None),
            Reminder.kind == "touch-up",
            Reminder.done_at.is_(None),
            Reminder.due_on <= until,
            _not_booked(Appointment.reminder_id, Reminder.id),
        )
        .order_by(Reminder.due_on, Reminder.id)
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def patch_tests_pending(db: Db, clinic_id: int, applied_before: dt.datetime) -> list[tuple[PatchTest, str]]:
    """Patch tests of the clinic's clients on record applied before ``applied_before`` and not read yet,
    with no appointment booked to read them, oldest first, with the client's name."""
    rows = db.execute(
        select(PatchTest, Client.name)
        .join(Client, Client.id == PatchTest.client_id)
        .where(
            Client.clinic_id == clinic_id,
            Client.erased_at.is_(None),
            PatchTest.read_at.is_(None),
            PatchTest.applied_at < applied_before,
            _not_booked(Appointment.patch_test_id, PatchTest.id),
        )
        .order_by(PatchTest.applied_at, PatchTest.id)
    ).all()
    return [(r[0], r[1]) for r in rows]


def source_of_clinic(db: Db, clinic_id: int, client_id: int, model: Any, row_id: int) -> bool:
    """Whether the follow-up, reminder or patch test ``row_id`` (``model``) belongs to the client
    ``client_id`` of the clinic."""
    found = db.scalar(
        select(model.id)
        .join(Client, Client.id == model.client_id)
        .where(model.id == row_id, and_(Client.clinic_id == clinic_id, Client.id == client_id))
    )
    return found is not None


def session_starts_between(db: Db, clinic_id: int, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """When each booked session appointment of the clinic starts in ``[start, end)`` (for the stock a day
    needs)."""
    return list(
        db.scalars(
            select(Appointment.starts_at).where(
                Appointment.clinic_id == clinic_id,
                Appointment.kind == "session",
                Appointment.status == "booked",
                Appointment.starts_at >= start,
                Appointment.starts_at < end,
            )
        )
    )
