"""Queries of clients and what is kept per client: screenings, design versions, treatment plans, photos."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session as Db

from smpstudio.records.models import Client, Design, Photo, Screening, Session, TreatmentPlan

__all__ = [
    "add_client",
    "add_design",
    "add_photo",
    "add_plan",
    "add_screening",
    "design_id",
    "find_by_name",
    "get_client",
    "get_session",
    "latest_design_version",
    "page_of_clients",
]


def get_client(db: Db, client_id: int) -> Client | None:
    """The client ``client_id`` of any clinic (None when there is none)."""
    return db.get(Client, client_id)


def get_session(db: Db, session_id: int) -> Session | None:
    """The session ``session_id`` of any client (None when there is none)."""
    return db.get(Session, session_id)


def add_client(db: Db, clinic_id: int, **fields: Any) -> Client:
    """Insert a client of the clinic; ``fields`` are the :class:`Client` columns to set."""
    client = Client(clinic_id=clinic_id, **fields)
    db.add(client)
    db.flush()
    return client


def find_by_name(db: Db, clinic_id: int, needle: str, *, limit: int = 50) -> list[Client]:
    """The clinic's clients on record whose name contains ``needle`` (any case), by name."""
    return list(
        db.scalars(
            select(Client)
            .where(Client.clinic_id == clinic_id, Client.erased_at.is_(None))
            .where(func.lower(Client.name).contains(needle.lower()))
            .order_by(Client.name)
            .limit(limit)
        )
    )


def page_of_clients(
    db: Db, clinic_id: int, needle: str | None, *, offset: int, limit: int
) -> tuple[list[Client], int]:
    """One page of the clinic's clients on record, by name then id (those whose name contains ``needle``,
    any case, when one is given), and how many there are in all."""
    where = [Client.clinic_id == clinic_id, Client.erased_at.is_(None)]
    if needle:
        where.append(func.lower(Client.name).contains(needle.lower(), autoescape=True))
    total = db.scalar(select(func.count(Client.id)).where(*where)) or 0
    page = db.scalars(
        select(Client).where(*where).order_by(Client.name, Client.id).offset(offset).limit(limit)
    )
    return list(page), total


def add_screening(db: Db, client_id: int, **fields: Any) -> Screening:
    """Insert a screening of the client; ``fields`` are the :class:`Screening` columns to set."""
    row = Screening(client_id=client_id, **fields)
    db.add(row)
    db.flush()
    return row


def latest_design_version(db: Db, client_id: int) -> int:
    """The client's newest design version (0 when there is none)."""
    return db.scalar(select(func.max(Design.version)).where(Design.client_id == client_id)) or 0


def add_design(
    db: Db,
    client_id: int,
    *,
    version: int,
    document: dict[str, Any],
    sha256: str,
    photo_id: int | None = None,
) -> Design:
    """Insert a design version of the client (``photo_id``: the consultation photo it was placed on)."""
    design = Design(client_id=client_id, version=version, document=document, sha256=sha256, photo_id=photo_id)
    db.add(design)
    db.flush()
    return design


def design_id(db: Db, client_id: int, version: int) -> int | None:
    """The id of the client's design version ``version`` (None when there is none)."""
    return db.scalar(select(Design.id).where(Design.client_id == client_id, Design.version == version))


def add_plan(
    db: Db,
    client_id: int,
    *,
    design_id: int | None,
    sessions_planned: int,
    interval_days: int,
    notes: str | None,
) -> TreatmentPlan:
    """Insert a treatment plan of the client."""
    plan = TreatmentPlan(
        client_id=client_id,
        design_id=design_id,
        sessions_planned=sessions_planned,
        interval_days=interval_days,
        notes=notes,
    )
    db.add(plan)
    db.flush()
    return plan


def add_photo(
    db: Db,
    client_id: int,
    *,
    session_id: int | None,
    kind: str,
    view: str,
    sha256: str,
    media_type: str,
    landmarks: dict[str, Any] | None,
) -> Photo:
    """Insert a photo's record (the image itself is in the file store under ``sha256``)."""
    photo = Photo(
        client_id=client_id,
        session_id=session_id,
        kind=kind,
        view=view,
        sha256=sha256,
        media_type=media_type,
        landmarks=landmarks,
    )
    db.add(photo)
    db.flush()
    return photo
