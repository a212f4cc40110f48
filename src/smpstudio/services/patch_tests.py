"""Patch tests: recording one on a pigment lot of the clinic (read at once, or applied and read later) and
recording the reading of a pending one.

Each use case is ``f(ctx, request) -> result``; times are as written, naive, in the clinic's timezone. The
record carries the clinic's care rules' statement of the test's limited predictive value.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import Field, model_validator
from sqlalchemy.orm import Session as Db

from smpstudio.care.patch_test import patch_test_record
from smpstudio.care.rules import RuleSet
from smpstudio.errors import ConflictError, InputError, RefusedError, echo
from smpstudio.records.models import Lot
from smpstudio.records.repositories import consent as rows
from smpstudio.records.repositories import lots as lot_rows
from smpstudio.services.access import Actor, get_client, log, not_in_clinic, rules_for, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import DateTimeInput, Id, text
from smpstudio.services.models import Request, Result

__all__ = [
    "PatchTestReadRequest",
    "PatchTestRecordRequest",
    "PatchTestRecorded",
    "read_due_at",
    "read_patch_test",
    "record_patch_test",
]


class PatchTestRecordRequest(Request):
    """A patch test: the lot tested, when applied and, once read, when read (as written, naive) and its
    result. Applied only (no ``read`` and no ``result``), the test is pending until
    :func:`read_patch_test` records its reading."""

    client_id: int
    lot: Annotated[str, text(80)] = Field(description="A pigment lot of the clinic: its code or #id.")
    applied: DateTimeInput
    read: DateTimeInput | None = Field(None, description="When it was read (None: not read yet).")
    result: str | None = Field(None, description="negative, positive or doubtful (None: not read yet).")
    site: Annotated[str, text(80)] = "behind the ear"

    @model_validator(mode="after")
    def _read_with_result(self) -> PatchTestRecordRequest:
        if (self.read is None) != (self.result is None):
            missing = "result" if self.result is None else "read"
            raise InputError(
                "a reading needs both when it was read and its result",
                field=missing,
                allowed="both read and result, or neither (read later)",
            )
        return self


class PatchTestRecorded(Result):
    """The kept patch test with its hours, whether it blocks a session, and its limited predictive value;
    a pending test (applied, not read yet) has no reading and is due to be read at ``read_due_at``."""

    id: int
    site: str
    lot: str
    applied_at: str
    read_at: str | None
    hours: float | None
    result: str | None
    blocks_session: bool
    limited_value: str
    rules_version: str
    pending: bool = Field(False, description="Applied and not read yet: no result, never passed.")
    read_due_at: str | None = Field(
        None, description="When a pending test is due to be read (the care rules' first reading time)."
    )


def read_due_at(applied_at: dt.datetime, rules: RuleSet) -> dt.datetime:
    """When a patch test applied at ``applied_at`` is first due to be read: the care rules' first reading
    time (``[patch_test] read_at_hours``, 48 h: [clinic-patch-test] in docs/references.md, grade C)."""
    hours = min(float(h) for h in rules.data["patch_test"]["read_at_hours"])
    return applied_at + dt.timedelta(hours=hours)


def _pigment_lot(db: Db, actor: Actor, ref: str) -> Lot:
    """The clinic's pigment lot ``ref`` names (a lot code or ``#id``); anything else is refused naming
    the field ``lot``."""
    if ref.startswith("#") and ref[1:].isdigit():
        found = lot_rows.get_lot(db, actor.clinic_id, int(ref[1:]))
        candidates = [found] if found is not None else []
    else:
        candidates = lot_rows.lots_by_code(db, actor.clinic_id, ref)
    pigments = [lot for lot in candidates if lot.kind == "pigment"]
    if len(pigments) == 1:
        return pigments[0]
    if len(pigments) > 1:
        raise InputError(
            f"lot {echo(ref)} names {len(pigments)} pigments",
            field="lot",
            allowed="the lot by id: #" + ", #".join(str(lot.id) for lot in pigments),
        )
    known = lot_rows.lot_codes(db, actor.clinic_id, "pigment")
    what = f"lot {echo(ref)} is a {candidates[0].kind} lot" if candidates else f"no pigment lot {echo(ref)}"
    raise InputError(
        what, field="lot", allowed="a pigment lot of the clinic: " + (", ".join(known) or "none yet")
    )


def _check_dates(applied: dt.datetime, read: dt.datetime | None, today: dt.date) -> None:
    """A patch test was applied (and read) by the clinic's today, and read after it was applied."""
    for field, when in (("applied", applied), ("read", read)):
        if when is not None and when.date() > today:
            raise InputError(f"{when.date()} is in the future", field=field, allowed=f"a date up to {today}")
    if read is not None and read <= applied:
        raise InputError(
            f"read at {read.isoformat(timespec='minutes')}, not after it was applied",
            field="read",
            allowed="a time after the applied time",
        )


def _pending_record(site: str, lot: str, applied_at: dt.datetime, rules: RuleSet) -> dict[str, Any]:
    """The record of a test applied and not read yet (no reading, no result)."""
    cfg = rules.data["patch_test"]
    return {
        "site": site,
        "lot": lot,
        "applied_at": applied_at.isoformat(timespec="minutes"),
        "read_at": None,
        "hours": None,
        "result": None,
        "limited_value": cfg["limited_value"],
        "rules_version": rules.version,
        "pending": True,
        "read_due_at": read_due_at(applied_at, rules).isoformat(timespec="minutes"),
    }


def record_patch_test(ctx: ServiceContext, request: PatchTestRecordRequest) -> PatchTestRecorded:
    """Record a patch test on a pigment lot of the clinic, with the clinic's care rules' statement of its
    limited predictive value: read at once (``read`` and ``result``), or applied only and read later
    (:func:`read_patch_test`). Times are as written, in the clinic's timezone."""

    def action(db: Db, actor: Actor) -> PatchTestRecorded:
        actor.require("patch_test")
        client = get_client(db, actor, request.client_id, for_update=True)
        lot = _pigment_lot(db, actor, request.lot)
        if lot.recalled_at is not None:  # a recalled pigment is not used on a client, not even for a test
            raise RefusedError(
                f"pigment lot {lot.lot_code} is recalled",
                field="lot",
                allowed="a pigment lot that is not recalled",
                code="lot_recalled",
            )
        _check_dates(request.applied, request.read, actor.today())
        rules = rules_for(db, actor, ctx)
        zone = actor.clock.tz
        applied = request.applied.replace(tzinfo=zone)
        if request.read is None or request.result is None:
            record = _pending_record(request.site, lot.lot_code, request.applied, rules)
            read_at = None
        else:
            record = patch_test_record(
                site=request.site,
                lot=lot.lot_code,
                applied_at=request.applied,
                read_at=request.read,
                result=request.result,
                rules=rules,
            )
            read_at = request.read.replace(tzinfo=zone)
        row = rows.add_patch_test(
            db,
            client.id,
            lot_code=lot.lot_code,
            lot_id=lot.id,
            site=request.site,
            applied_at=applied,
            read_at=read_at,
            result=request.result,
            record=record,
            rules_version=rules.version,
        )
        log(db, actor, "create", "patch_test", row.id, client=client.id, lot=lot.id, result=request.result)
        if read_at is None:
            record = {**record, "blocks_session": rows.patch_test_advised(db, client.id)}
        return PatchTestRecorded(id=row.id, **record)

    return transact(ctx, action)


class PatchTestReadRequest(Request):
    """The reading of a pending patch test: its result and when it was read (now by default; as written,
    naive, in the clinic's timezone)."""

    client_id: Id
    patch_test_id: Id
    result: str = Field(description="negative, positive or doubtful.")
    read: DateTimeInput | None = Field(None, description="When it was read (now by default).")


def read_patch_test(ctx: ServiceContext, request: PatchTestReadRequest) -> PatchTestRecorded:
    """Record the reading of a patch test applied earlier and not read yet: its result and when.

    A test of another client or clinic answers as not found; a test already read is a conflict (code
    ``patch_test_already_read``: a later reading of the same application is recorded as a test of its own).
    The reading must come at least the care rules' first reading time after the application.
    """
    r = request

    def action(db: Db, actor: Actor) -> PatchTestRecorded:
        actor.require("patch_test")
        client = get_client(db, actor, r.client_id, for_update=True)
        test = rows.get_patch_test(db, actor.clinic_id, client.id, r.patch_test_id, for_update=True)
        if test is None:
            raise not_in_clinic(
                "patch_test",
                r.patch_test_id,
                noun="patch test",
                field="patch_test_id",
                allowed="a patch test of this client",
            )
        if test.read_at is not None:
            raise ConflictError(
                f"patch test {test.id} was read on {test.read_at.astimezone(actor.clock.tz).date()}",
                field="patch_test_id",
                allowed="a patch test not read yet (record a later reading as a new patch test)",
                code="patch_test_already_read",
            )
        zone = actor.clock.tz
        applied = test.applied_at.astimezone(zone).replace(tzinfo=None)
        read = r.read or actor.clock.now().replace(tzinfo=None, second=0, microsecond=0)
        _check_dates(applied, read, actor.today())
        rules = rules_for(db, actor, ctx)
        record = patch_test_record(
            site=test.site, lot=test.lot_code, applied_at=applied, read_at=read, result=r.result, rules=rules
        )
        test.read_at = read.replace(tzinfo=zone)
        test.result = r.result
        test.record = {**test.record, **record, "pending": False, "read_due_at": None}
        test.rules_version = rules.version
        db.flush()
        log(db, actor, "update", "patch_test", test.id, client=client.id, result=r.result)
        return PatchTestRecorded(id=test.id, **record)

    return transact(ctx, action)
