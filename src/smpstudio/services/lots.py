"""Pigment, needle and diluent lots: stock, expiry, recall and the clients a lot reached."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as Db

from smpstudio.care.compliance import check_product, parse_product
from smpstudio.errors import InputError, check_choice, check_range, parse_date, read_json_file
from smpstudio.records.models import (
    LOT_KINDS,
    Client,
    Lot,
    PatchTest,
    Session,
    StockMove,
    utc_now,
)
from smpstudio.services.access import Actor, log, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import text_field

__all__ = ["add_lot", "adjust_lot", "list_lots", "lot_clients", "lots_expiring"]


def add_lot(
    ctx: ServiceContext,
    *,
    kind: str,
    product: str,
    lot: str,
    expires: str,
    quantity: int,
    product_file: str | Path | None = None,
) -> dict[str, Any]:
    """Receive a lot into stock; with a product file the pigment compliance rules are run and kept."""
    check_choice("kind", kind, LOT_KINDS)
    product_name = text_field(product, "product")
    code = text_field(lot, "lot", max_len=80)
    expires_on = parse_date(expires, "expires")
    if not 0 <= quantity <= 1_000_000:
        raise InputError(f"{quantity}", field="quantity", allowed="0 to 1000000 units")
    compliance, report = "unchecked", None
    if product_file is not None:
        rules = ctx.pigment_rules
        result = check_product(parse_product(read_json_file(product_file, "product-file"), rules), rules)
        report = result.to_dict()
        compliance = "pass" if result.compliant else "fail"

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("lot.write")
        exists = db.scalar(
            select(Lot.id).where(
                Lot.clinic_id == actor.clinic_id,
                Lot.kind == kind,
                Lot.product == product_name,
                Lot.lot_code == code,
            )
        )
        if exists is not None:
            raise InputError(
                f"lot {code} of {product_name} is already in stock (id {exists})",
                field="lot",
                allowed="a new lot, or `smp lot adjust` to change its quantity",
            )
        row = Lot(
            clinic_id=actor.clinic_id,
            kind=kind,
            product=product_name,
            lot_code=code,
            expires_on=expires_on,
            quantity=quantity,
            compliance=compliance,
            compliance_report=report,
        )
        db.add(row)
        db.flush()
        db.add(StockMove(lot_id=row.id, delta=quantity, reason="received"))
        log(db, actor, "create", "lot", row.id, quantity=quantity, compliance=compliance)
        warnings = []
        if expires_on < ctx.today():
            warnings.append(f"lot {code} expired on {expires_on}")
        if compliance == "unchecked" and kind != "needle":
            warnings.append("no compliance check: pass --product-file with the label and certificate data")
        return {"id": row.id, "compliance": compliance, "warnings": warnings, "report": report}

    return transact(ctx, action)


def adjust_lot(ctx: ServiceContext, *, lot_id: int, delta: int, reason: str) -> dict[str, Any]:
    why = text_field(reason, "reason", max_len=200)

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("lot.write")
        row = db.get(Lot, lot_id, with_for_update=True)
        if row is None or row.clinic_id != actor.clinic_id:
            raise InputError(f"no lot {lot_id}", field="lot", allowed="a lot id")
        if row.quantity + delta < 0:
            raise InputError(f"{row.quantity} in stock", field="delta", allowed=f"at least {-row.quantity}")
        row.quantity += delta
        db.add(StockMove(lot_id=row.id, delta=delta, reason=f"adjust: {why}"[:40]))
        log(db, actor, "update", "lot", row.id, delta=delta)
        return {"id": row.id, "quantity": row.quantity}

    return transact(ctx, action)


def _lot_by_code(db: Db, actor: Actor, code: str, role: str) -> Lot:
    rows = db.scalars(select(Lot).where(Lot.clinic_id == actor.clinic_id, Lot.lot_code == code)).all()
    if not rows:
        known = db.scalars(
            select(Lot.lot_code).where(Lot.clinic_id == actor.clinic_id, Lot.kind == role).limit(20)
        )
        raise InputError(
            f"no lot {code!r}", field=f"{role}-lot", allowed=", ".join(known) or "a lot added first"
        )
    of_kind = [r for r in rows if r.kind == role] or rows
    if len(of_kind) > 1:
        raise InputError(
            f"lot {code!r} names {len(of_kind)} products",
            field=f"{role}-lot",
            allowed="ask for the lot by id: #" + ", #".join(str(r.id) for r in of_kind),
        )
    return of_kind[0]


def _resolve_lot(db: Db, actor: Actor, ref: str, role: str) -> Lot:
    if ref.startswith("#") and ref[1:].isdigit():
        row = db.get(Lot, int(ref[1:]))
        if row is None or row.clinic_id != actor.clinic_id:
            raise InputError(f"no lot {ref}", field=f"{role}-lot", allowed="a lot code or #id")
        return row
    return _lot_by_code(db, actor, ref, role)


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


def _exposed(db: Db, clinic_id: int, lots: list[Lot]) -> list[dict[str, Any]]:
    """Clients who received any of ``lots``: one indexed lookup per lot kind, on that kind's column."""
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


def lot_clients(
    ctx: ServiceContext, lot: str, *, recall: bool = False, reason: str | None = None
) -> dict[str, Any]:
    """Every client who received lot ``lot`` (sessions and patch tests), with contact details.

    With ``recall`` the lot is also marked recalled, so no further session can use it.
    """
    code = text_field(lot, "lot", max_len=80)

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("lot.recall" if recall else "lot.read")
        lots = db.scalars(select(Lot).where(Lot.clinic_id == actor.clinic_id, Lot.lot_code == code)).all()
        if not lots:
            raise InputError(
                f"no lot {code!r} in this clinic", field="lot", allowed="a lot code in stock records"
            )
        if recall:
            now = utc_now()
            for row in lots:
                if row.recalled_at is None:
                    row.recalled_at, row.recall_reason = now, text_field(reason, "reason", required=False)
                    log(db, actor, "update", "lot", row.id, recalled=True)
        clients = _exposed(db, actor.clinic_id, list(lots))
        log(
            db,
            actor,
            "read",
            "client",
            None,
            via="lot",
            lot_ids=[r.id for r in lots],
            clients=[c["id"] for c in clients],
        )
        return {
            "lot": code,
            "lots": [
                {"id": r.id, "kind": r.kind, "product": r.product, "recalled": r.recalled_at is not None}
                for r in lots
            ],
            "clients": clients,
        }

    return transact(ctx, action)


def lots_expiring(
    ctx: ServiceContext, *, within_days: int = 30, on: dt.date | None = None
) -> list[dict[str, Any]]:
    today = on or ctx.today()
    check_range("days", within_days, 0, 3650, "days")

    def action(db: Db, actor: Actor) -> list[dict[str, Any]]:
        actor.require("lot.read")
        rows = db.scalars(
            select(Lot)
            .where(Lot.clinic_id == actor.clinic_id, Lot.quantity > 0, Lot.recalled_at.is_(None))
            .where(Lot.expires_on <= today + dt.timedelta(days=within_days))
            .order_by(Lot.expires_on)
        ).all()
        return [_lot_dict(r, today) for r in rows]

    return transact(ctx, action)


def _lot_dict(r: Lot, today: dt.date) -> dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind,
        "product": r.product,
        "lot": r.lot_code,
        "expires_on": r.expires_on.isoformat(),
        "expired": r.expires_on < today,
        "quantity": r.quantity,
        "compliance": r.compliance,
        "recalled": r.recalled_at is not None,
    }


def list_lots(ctx: ServiceContext) -> list[dict[str, Any]]:
    def action(db: Db, actor: Actor) -> list[dict[str, Any]]:
        actor.require("lot.read")
        rows = db.scalars(
            select(Lot).where(Lot.clinic_id == actor.clinic_id).order_by(Lot.kind, Lot.expires_on)
        )
        return [_lot_dict(r, ctx.today()) for r in rows]

    return transact(ctx, action)
