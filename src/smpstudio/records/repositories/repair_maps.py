"""Queries of repair maps: a client's close-up consultations (the photo, its scale and the dot map with its
classes and plan as one JSON document)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as Db

from smpstudio.records.models import Design, Photo, RepairMap, utc_now

__all__ = [
    "add_repair_map",
    "client_repair_maps",
    "design_of",
    "design_versions",
    "get_repair_map",
    "photo_of",
    "repair_documents",
    "update_document",
]


def add_repair_map(
    db: Db,
    client_id: int,
    *,
    photo_id: int,
    design_id: int | None,
    mm_per_px: float,
    document: dict[str, Any],
    created_by: int,
) -> RepairMap:
    """Insert a repair map of the client."""
    row = RepairMap(
        client_id=client_id,
        photo_id=photo_id,
        design_id=design_id,
        mm_per_px=mm_per_px,
        document=document,
        created_by=created_by,
    )
    db.add(row)
    db.flush()
    return row


def get_repair_map(db: Db, client_id: int, repair_id: int, *, for_update: bool = False) -> RepairMap | None:
    """The repair map ``repair_id`` when it is ``client_id``'s (None otherwise); ``for_update`` locks the row
    (PostgreSQL) so two corrections of one map are made one after the other."""
    query = select(RepairMap).where(RepairMap.id == repair_id, RepairMap.client_id == client_id)
    if for_update:
        query = query.with_for_update()
    return db.scalar(query)


def client_repair_maps(db: Db, client_id: int) -> list[RepairMap]:
    """The client's repair maps, newest first."""
    return list(
        db.scalars(
            select(RepairMap)
            .where(RepairMap.client_id == client_id)
            .order_by(RepairMap.created_at.desc(), RepairMap.id.desc())
        )
    )


def update_document(
    db: Db, row: RepairMap, document: dict[str, Any], *, at: dt.datetime | None = None
) -> None:
    """Replace the map's document (a new object: JSON columns do not track changes inside one) and mark
    when it changed."""
    row.document = document
    row.updated_at = at or utc_now()
    db.flush()


def photo_of(db: Db, row: RepairMap) -> Photo | None:
    """The close-up the map was made on."""
    return db.get(Photo, row.photo_id)


def design_of(db: Db, client_id: int, version: int) -> Design | None:
    """The client's design version ``version`` (None when there is none)."""
    return db.scalar(select(Design).where(Design.client_id == client_id, Design.version == version))


def design_versions(db: Db, client_id: int) -> list[int]:
    """The client's design versions, newest first."""
    return list(
        db.scalars(
            select(Design.version).where(Design.client_id == client_id).order_by(Design.version.desc())
        )
    )


def repair_documents(db: Db, client_id: int) -> list[dict[str, Any]]:
    """The client's repair maps for their export: ids, the photo, scale, times and the document, oldest
    first."""
    rows = db.scalars(select(RepairMap).where(RepairMap.client_id == client_id).order_by(RepairMap.id))
    return [
        {
            "id": r.id,
            "photo_id": r.photo_id,
            "design_id": r.design_id,
            "mm_per_px": r.mm_per_px,
            "created_at": r.created_at.isoformat(),
            "updated_at": r.updated_at.isoformat(),
            "document": r.document,
        }
        for r in rows
    ]
