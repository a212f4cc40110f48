"""Pigment, needle and diluent lots: stock, expiry, recall and the clients a lot reached.

Each use case is one call ``f(ctx, request) -> result`` over typed models; the queries are in
:mod:`smpstudio.records.repositories.lots`. A product document (label and certificate data) comes in
parsed; reading it from a file is the face's work.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, field_validator
from sqlalchemy.orm import Session as Db

from smpstudio.care.compliance import check_product, parse_product
from smpstudio.errors import InputError, NotFoundError, check_range
from smpstudio.records.models import Lot
from smpstudio.records.repositories import lots as repo
from smpstudio.services.access import Actor, log, rules_for, target, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import Id, IsoDate, check_id
from smpstudio.services.models import Request, Result

__all__ = [
    "AddLotRequest",
    "AdjustLotRequest",
    "ExposedClient",
    "LotAdded",
    "LotAdjusted",
    "LotExposure",
    "LotList",
    "LotSummary",
    "LotsExpiringRequest",
    "RecallRequest",
    "add_lot",
    "adjust_lot",
    "list_lots",
    "lot_clients",
    "lots_expiring",
    "recall_lot",
    "resolve_lot",
]

LotKind = Literal["pigment", "needle", "diluent"]


# --- receiving and adjusting stock ---------------------------------------------------------------------


class AddLotRequest(Request):
    """A lot received into stock; with ``product_document`` the pigment compliance rules are run."""

    kind: LotKind
    product: str = Field(min_length=1, max_length=200, description="Brand and product name.")
    lot: str = Field(min_length=1, max_length=80, description="The lot or batch code on the label.")
    expires: IsoDate
    quantity: int = Field(ge=0, le=1_000_000, description="Units received (cartridges, bottles).")
    product_document: Any = Field(
        None, description="The product's label and certificate data, parsed from JSON (or None)."
    )


class LotAdded(Result):
    """The new lot's id, its compliance (pass, fail or unchecked), warnings and the compliance report."""

    id: int
    compliance: str
    warnings: list[str]
    report: dict[str, Any] | None


def add_lot(ctx: ServiceContext, request: AddLotRequest) -> LotAdded:
    """Receive a lot into stock; with a product document the pigment compliance check is run and kept."""
    r = request

    def action(db: Db, actor: Actor) -> LotAdded:
        actor.require("lot.write")
        compliance, report = "unchecked", None
        if r.product_document is not None:
            rules = rules_for(db, actor, ctx, "pigments")
            product = parse_product(r.product_document, rules)
            _check_describes(product, r)
            checked = check_product(product, rules, today=actor.today())
            report = checked.to_dict()
            compliance = "pass" if checked.compliant else "fail"
        exists = repo.find_lot_id(db, actor.clinic_id, r.kind, r.product, r.lot)
        if exists is not None:
            raise InputError(
                f"lot {r.lot} of {r.product} is already in stock (id {exists})",
                field="lot",
                allowed="a new lot, or adjust the stock of the one on record",
                code="lot_exists",
            )
        row = repo.add_lot(
            db,
            actor.clinic_id,
            kind=r.kind,
            product=r.product,
            code=r.lot,
            expires_on=r.expires,
            quantity=r.quantity,
            compliance=compliance,
            report=report,
        )
        log(db, actor, "create", "lot", row.id, quantity=r.quantity, compliance=compliance)
        warnings = []
        if r.expires < actor.today():
            warnings.append(f"lot {r.lot} expired on {r.expires}")
        if compliance == "unchecked" and r.kind != "needle":
            warnings.append("no compliance check: the product's label and certificate data were not given")
        return LotAdded(id=row.id, compliance=compliance, warnings=warnings, report=report)

    return transact(ctx, action)


def _words(text: str) -> str:
    return " ".join(text.casefold().split())


def _check_describes(product: dict[str, Any], r: AddLotRequest) -> None:
    """Refuse a product document that is not the lot's: its lot code and product name must be the lot's,
    and it is a pigment's (or diluent's) label and certificate data, which no needle lot has."""
    if r.kind == "needle":
        raise InputError(
            "a needle lot has no product document: it holds a pigment's label and certificate data",
            field="product_document",
            allowed="none for a needle lot",
        )
    if _words(product["lot"]) != _words(r.lot):
        raise InputError(
            f"the product document is for lot {product['lot'][:80]!r}, not {r.lot!r}",
            field="product_document.lot",
            allowed=f"the document of lot {r.lot}",
        )
    if _words(product["name"]) not in _words(r.product):
        raise InputError(
            f"the product document is for {product['name'][:200]!r}, not {r.product!r}",
            field="product_document.name",
            allowed=f"the document of {r.product}",
        )


class AdjustLotRequest(Request):
    """A correction of a lot's stock with the reason kept in the ledger."""

    lot_id: Id
    delta: int = Field(description="Units to add (negative to remove).")
    reason: str = Field(min_length=1, max_length=200, description="Stock count, damaged, returned ...")


class LotAdjusted(Result):
    """The lot and its quantity after the correction."""

    id: int
    quantity: int


def adjust_lot(ctx: ServiceContext, request: AdjustLotRequest) -> LotAdjusted:
    """Correct a lot's stock; it never goes below zero."""
    r = request

    def action(db: Db, actor: Actor) -> LotAdjusted:
        actor.require("lot.write")
        row = _lot_by_id(db, actor, r.lot_id, for_update=True)
        if row.quantity + r.delta < 0:
            raise InputError(f"{row.quantity} in stock", field="delta", allowed=f"at least {-row.quantity}")
        repo.move_stock(db, row, r.delta, f"adjust: {r.reason}")
        log(db, actor, "update", "lot", row.id, delta=r.delta)
        return LotAdjusted(id=row.id, quantity=row.quantity)

    return transact(ctx, action)


def _lot_by_id(db: Db, actor: Actor, lot_id: int, *, for_update: bool = False) -> Lot:
    """The lot ``lot_id`` of the actor's clinic; another clinic's answers exactly as a missing one."""
    row = repo.get_lot(db, actor.clinic_id, lot_id, for_update=for_update)
    if row is None:
        error = NotFoundError(f"no lot {lot_id}", field="lot", allowed="a lot id", code="no_lot")
        raise target(error, "lot", lot_id)
    return row


# --- finding a lot for a session ------------------------------------------------------------------------


def resolve_lot(db: Db, actor: Actor, ref: str, role: str) -> Lot:
    """The lot a session names in its ``role`` slot (pigment, needle, diluent): a code or ``#id``.

    Errors name the field ``{role}_lot``; an unknown code lists some codes of that kind.
    """
    field = f"{role}_lot"
    if ref.startswith("#") and ref[1:].isdigit():
        row = repo.get_lot(db, actor.clinic_id, check_id(ref[1:], field))
        if row is None:
            raise InputError(f"no lot {ref}", field=field, allowed="a lot code or #id")
        return row
    rows = repo.lots_by_code(db, actor.clinic_id, ref)
    if not rows:
        known = repo.lot_codes(db, actor.clinic_id, role)
        raise InputError(f"no lot {ref!r}", field=field, allowed=", ".join(known) or "a lot added first")
    of_kind = [r for r in rows if r.kind == role] or rows
    if len(of_kind) > 1:
        raise InputError(
            f"lot {ref!r} names {len(of_kind)} products",
            field=field,
            allowed="ask for the lot by id: #" + ", #".join(str(r.id) for r in of_kind),
        )
    return of_kind[0]


# --- recalls and exposure -------------------------------------------------------------------------------


class LotRef(Result):
    """One lot carrying the code asked about."""

    id: int
    kind: str
    product: str
    recalled: bool


class Contact(Result):
    email: str | None
    phone: str | None
    address: str | None


class SessionDate(Result):
    id: int
    date: dt.date


class ExposedClient(Result):
    """A client who received the lot: contacts, the sessions (with their dates) and patch tests."""

    id: int
    name: str
    contact: Contact
    erased: bool
    sessions: list[SessionDate]
    patch_tests: list[int]


class LotExposure(Result):
    """The lots with the code asked about and every client they reached."""

    lot: str
    lots: list[LotRef]
    clients: list[ExposedClient]


class RecallRequest(Request):
    """A lot code (or ``#id`` for one lot) to recall, with the recall notice's reason."""

    lot: str = Field(min_length=1, max_length=80)
    reason: str | None = Field(None, max_length=200)


def _exposure(ctx: ServiceContext, lot: str, recall: bool, reason: str | None) -> LotExposure:
    def action(db: Db, actor: Actor) -> LotExposure:
        actor.require("lot.recall" if recall else "lot.read")
        by_id = lot.startswith("#") and lot[1:].isdigit()
        if by_id:  # one lot, by id
            lots = [_lot_by_id(db, actor, check_id(lot[1:], "lot"))]
        else:
            lots = repo.lots_by_code(db, actor.clinic_id, lot)
        if not lots:
            raise InputError(
                f"no lot {lot!r} in this clinic", field="lot", allowed="a lot code in stock records"
            )
        if recall:
            now = actor.clock.now()
            for row in lots:
                if repo.mark_recalled(row, now, reason or None):
                    log(db, actor, "update", "lot", row.id, recalled=True)
        clients = repo.exposed_clients(db, actor.clinic_id, lots)
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
        return LotExposure(
            lot=lots[0].lot_code if by_id else lot,
            lots=[
                LotRef(id=r.id, kind=r.kind, product=r.product, recalled=r.recalled_at is not None)
                for r in lots
            ],
            clients=[ExposedClient.model_validate(c) for c in clients],
        )

    return transact(ctx, action)


def lot_clients(ctx: ServiceContext, lot: str) -> LotExposure:
    """Every client who received lot ``lot`` (a code, or ``#id`` for one lot), sessions and patch tests,
    with contact details."""
    code = lot.strip()
    if not code or len(code) > 80:
        raise InputError(
            "missing" if not code else f"{len(code)} characters", field="lot", allowed="a lot code"
        )
    return _exposure(ctx, code, False, None)


def recall_lot(ctx: ServiceContext, request: RecallRequest) -> LotExposure:
    """Mark a lot recalled (every lot with the code, or ``#id`` for one lot), so no further session can use
    it, and list every client it reached."""
    return _exposure(ctx, request.lot, True, request.reason)


# --- stock lists ----------------------------------------------------------------------------------------


class LotSummary(Result):
    """A lot's stock, expiry, compliance and recall status."""

    id: int
    kind: str
    product: str
    lot: str
    expires_on: dt.date
    expired: bool
    quantity: int
    compliance: str
    recalled: bool

    @classmethod
    def of_row(cls, r: Lot, today: dt.date) -> LotSummary:
        return cls(
            id=r.id,
            kind=r.kind,
            product=r.product,
            lot=r.lot_code,
            expires_on=r.expires_on,
            expired=r.expires_on < today,
            quantity=r.quantity,
            compliance=r.compliance,
            recalled=r.recalled_at is not None,
        )


class LotList(Result):
    """Lots, in the order the use case gives them."""

    lots: list[LotSummary]


class LotsExpiringRequest(Request):
    """The window (days from ``on``, today by default) in which a lot in stock expires."""

    within_days: int = Field(default=30, description="Window. [days]")
    on: IsoDate | None = None

    @field_validator("within_days")
    @classmethod
    def _window(cls, value: int) -> int:
        check_range("within_days", value, 0, 3650, "days")
        return value


def lots_expiring(ctx: ServiceContext, request: LotsExpiringRequest | None = None) -> LotList:
    """Lots in stock, not recalled, that expire within the window (or have expired), soonest first."""
    r = request or LotsExpiringRequest()

    def action(db: Db, actor: Actor) -> LotList:
        actor.require("lot.read")
        today = r.on or actor.today()
        rows = repo.lots_expiring(db, actor.clinic_id, today + dt.timedelta(days=r.within_days))
        return LotList(lots=[LotSummary.of_row(row, today) for row in rows])

    return transact(ctx, action)


def list_lots(ctx: ServiceContext) -> LotList:
    """Every lot of the clinic with stock, expiry, compliance and recall status, by kind then expiry."""

    def action(db: Db, actor: Actor) -> LotList:
        actor.require("lot.read")
        today = actor.today()
        return LotList(
            lots=[LotSummary.of_row(row, today) for row in repo.lots_of_clinic(db, actor.clinic_id)]
        )

    return transact(ctx, action)
