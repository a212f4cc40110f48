"""Queries of pigment, needle and diluent lots: stock and its ledger, expiry, and who a lot reached."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as Db

from smpstudio.records.models import Client, Lot, PatchTest, Session, StockMove

__all__ = [
    "add_lot",
    "exposed_clients",
    "find_lot_id",
    "get_lot",
    "lot_codes",
    "lots_by_code",
    "lots_expiring",
    "lots_of_clinic",
    "mark_recalled",
    "move_stock",
]


def find_lot_id(db: Db, clinic_id: int, kind: str, product: str, code: str) -> int | None:
    """The id of the clinic's lot ``code`` of ``product`` (a lot is unique by kind, product and code)."""
    return db.scalar(
        select(Lot.id).where(
            Lot.clinic_id == clinic_id, Lot.kind == kind, Lot.product == product, Lot.lot_code == code
        )
    )


def add_lot(
    db: Db,
    clinic_id: int,
    *,
    kind: str,
    product: str,
    code: str,
    expires_on: dt.date,
    quantity: int,
    compliance: str,
    report: dict[str, Any] | None,
) -> Lot:
    """Insert a lot with its first stock move (``received``)."""
    row = Lot(
        clinic_id=clinic_id,
        kind=kind,
        product=product,
        lot_code=code,
        expires_on=expires_on,
        quantity=quantity,
        compliance=compliance,
        compliance_report=report,
    )
    db.add(row)
    db.flush()
    db.add(StockMove(lot_id=row.id, delta=quantity, reason="received"))
    return row


def get_lot(db: Db, clinic_id: int, lot_id: int, *, for_update: bool = False) -> Lot | None:
    """The clinic's lot ``lot_id`` (None when it does not exist or belongs to another clinic)."""
    row = db.get(Lot, lot_id, with_for_update=for_update)
    return row if row is not None and row.clinic_id == clinic_id else None


def move_stock(db: Db, lot: Lot, delta: int, reason: str, session_id: int | None = None) -> None:
    """Change a lot's quantity by ``delta`` and write the move to the ledger (reason cut to 40 chars)."""
    lot.quantity += delta
    db.add(StockMove(lot_id=lot.id, delta=delta, reason=reason[:40], session_id=session_id))


def mark_recalled(lot: Lot, when: dt.datetime, reason: str | None) -> bool:
    """Mark ``lot`` recalled at ``when``; False (and nothing changed) when it already was."""
    if lot.recalled_at is not None:
        return False
    lot.recalled_at, lot.recall_reason = when, reason
    return True


def lots_by_code(db: Db, clinic_id: int, code: str) -> list[Lot]:
    """Every lot of the clinic with the code ``code`` (several products may share one)."""
    return list(db.scalars(select(Lot).where(Lot.clinic_id == clinic_id, Lot.lot_code == code)))


def lot_codes(db: Db, clinic_id: int, kind: str, limit: int = 20) -> list[str]:
    """Up to ``limit`` lot codes of one kind, to suggest when a code is unknown."""
    return list(
        db.scalars(select(Lot.lot_code).where(Lot.clinic_id == clinic_id, Lot.kind == kind).limit(limit))
    )


def lots_expiring(db: Db, clinic_id: int, until: dt.date) -> list[Lot]:
    """Lots in stock and not recalled that expire on or before ``until``, soonest first."""
    return list(
        db.scalars(
            select(Lot)
            .where(Lot.clinic_id == clinic_id, Lot.quantity > 0, Lot.recalled_at.is_(None))
            .where(Lot.expires_on <= until)
            .order_by(Lot.expires_on)
        )
    )


def lots_of_clinic(db: Db, clinic_id: int) -> list[Lot]:
    """Every lot of the clinic, by kind then expiry."""
    return list(db.scalars(select(Lot).where(Lot.clinic_id == clinic_id).order_by(Lot.kind, Lot.expires_on)))


def _exposed_entry(
    cid: int, name: str, email: str | None, phone: str | None, address: str | None, erased: object
) -> dict[str, Any]:
    return {
        "id": cid,
        "name": name,
        "contact": {"email": email, "phone": phone, "address": address},
        "erased": erased is not None,
        "sessions": [],
        "patch_tests": [],
    }


def exposed_clients(db: Db, clinic_id: int, lots: list[Lot]) -> list[dict[str, Any]]:
    """Clients who received any of ``lots`` (sessions, then patch tests), with contacts, in client order.

    One indexed lookup per lot kind, on that kind's session column. Each entry is ``{"id", "name",
    "contact": {"email", "phone", "address"}, "erased", "sessions": [{"id", "date"}], "patch_tests"}``.
    """
    column = {
        "pigment": Session.pigment_lot_id,
        "needle": Session.needle_lot_id,
        "diluent": Session.diluent_lot_id,
    }
    by_kind: dict[str, list[int]] = {}
    for lot in lots:
        by_kind.setdefault(lot.kind, []).append(lot.id)
    lot_ids = [lot.id for lot in lots]
    hits: list[Any] = []
    for kind, ids in by_kind.items():  # sessions first, through the lot column's index
        hits += db.execute(
            select(Session.client_id, Session.id, Session.started_at).where(
                column[kind].in_(ids), Session.clinic_id == clinic_id
            )
        ).all()
    people = {
        r[0]: r
        for r in db.execute(
            select(
                Client.id, Client.name, Client.email, Client.phone, Client.address, Client.erased_at
            ).where(Client.id.in_({h[0] for h in hits}))
        )
    }
    rows = [(*people[cid], sid, started) for cid, sid, started in hits]
    rows.sort(key=lambda r: (r[0], r[7], r[6]))
    clients: dict[int, dict[str, Any]] = {}
    for cid, name, email, phone, address, erased, sid, started in rows:
        entry = clients.setdefault(cid, _exposed_entry(cid, name, email, phone, address, erased))
        entry["sessions"].append({"id": sid, "date": started.date().isoformat()})
    for cid, name, email, phone, address, erased, pid in db.execute(
        select(
            Client.id, Client.name, Client.email, Client.phone, Client.address, Client.erased_at, PatchTest.id
        )
        .join(PatchTest, PatchTest.client_id == Client.id)
        .where(Client.clinic_id == clinic_id, PatchTest.lot_id.in_(lot_ids))
    ):
        entry = clients.setdefault(cid, _exposed_entry(cid, name, email, phone, address, erased))
        entry["patch_tests"].append(pid)
    return list(clients.values())
