"""Data protection: a client's export, erasure when the retention rule allows it, and the audit trail's
verification. Backups and restores are :mod:`smpstudio.services.backups`.

Examples
--------
>>> from smpstudio.services.protection import EraseRequest
>>> EraseRequest.of(client_id=3, on="2030-01-02").on
datetime.date(2030, 1, 2)
>>> EraseRequest.of(client_id=3).on is None  # judged on today's date in the clinic
True
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from typing import IO, Any, Literal

from pydantic import Field
from sqlalchemy.orm import Session as Db

from smpstudio.records import audit
from smpstudio.records.files import FileStore
from smpstudio.records.models import Clinic
from smpstudio.records.repositories import protection as repo
from smpstudio.records.repositories import repair_maps as repair_rows
from smpstudio.records.repositories import sessions as session_rows
from smpstudio.services.access import Actor, get_client, log, resolve_actor, transact
from smpstudio.services.clients import record_of
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import Id, IsoDate, check_id
from smpstudio.services.models import Request, Result

__all__ = [
    "AuditCheck",
    "EraseRequest",
    "EraseResult",
    "Erased",
    "ErasureRefused",
    "ExportResult",
    "erase_client",
    "export_client",
    "verify_audit",
]

#: File extension of a stored photo in an export, by media type.
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


# ------------------------------------------------------------------------------------------------ export


class ExportResult(Result):
    """What a client's export archive holds."""

    client: int = Field(description="The client's id.")
    out: str | None = Field(
        default=None, description="Where the face wrote the archive (the service only writes to a stream)."
    )
    files: int = Field(
        description="Photos, drawn signatures, design documents and repair maps in the archive."
    )
    sessions: int = Field(description="Sessions in the record.")

    def stored_at(self, location: str) -> ExportResult:
        """The same result, saying where the face stored the archive."""
        return self.model_copy(update={"out": location})


def _plain(record: Any) -> dict[str, Any]:
    """The record view as plain JSON data (a model's JSON, or the dict itself)."""
    if hasattr(record, "to_json"):
        return record.to_json()  # type: ignore[no-any-return]
    return dict(record)


def _write_export(
    out: IO[bytes], record: dict[str, Any], designs: list[tuple[int, dict[str, Any]]], files: FileStore
) -> int:
    """Write the export archive to ``out``; returns how many files besides ``record.json`` it holds."""
    count = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("record.json", json.dumps(record, indent=2, ensure_ascii=False))
        for photo in record["photos"]:
            ext = EXTENSIONS.get(photo["media_type"], "bin")
            zf.writestr(
                f"photos/{photo['id']}-{photo['kind']}-{photo['view']}.{ext}", files.get(photo["sha256"])
            )
            count += 1
        for consent in record["consents"]:
            if consent["signature_sha256"]:
                zf.writestr(f"signatures/consent-{consent['id']}.png", files.get(consent["signature_sha256"]))
                count += 1
        for version, document in designs:
            zf.writestr(f"designs/design-v{version}.json", json.dumps(document))
            count += 1
        for repair in record.get("repair_maps", []):
            zf.writestr(f"repairs/repair-{repair['id']}.json", json.dumps(repair["document"]))
            count += 1
    return count


def export_client(ctx: ServiceContext, client_id: int, out: IO[bytes]) -> ExportResult:
    """Write the client's whole record (JSON, photos, drawn signatures, design documents, repair maps) as a
    zip archive; the JSON also holds the client's appointments, the e-mails sent to them, their own links
    (never a token) and their repair maps (each close-up's dot map, corrections and plan).

    Parameters
    ----------
    ctx
        The service context; the acting user needs the ``client.export`` permission.
    client_id
        The client, of the acting user's clinic.
    out
        A binary stream the face opened; nothing is written to it unless the export is allowed.

    Returns
    -------
    ExportResult
        The counts of what the archive holds (``out`` is left for the face to fill in).
    """

    check_id(client_id, "client")

    def action(db: Db, actor: Actor) -> tuple[dict[str, Any], list[tuple[int, dict[str, Any]]]]:
        actor.require("client.export")
        client = get_client(db, actor, client_id)
        record = {**_plain(record_of(db, client)), **repo.clinic_day_of(db, client.id)}
        record["repair_maps"] = repair_rows.repair_documents(db, client.id)
        designs = repo.design_documents(db, client.id)
        log(db, actor, "export", "client", client.id)
        return record, designs

    record, designs = transact(ctx, action)
    files = _write_export(out, record, designs, ctx.db.files)
    return ExportResult(client=client_id, files=files, sessions=len(record["sessions"]))


# ------------------------------------------------------------------------------------------------- erase


class EraseRequest(Request):
    """Erase a client's record, judged against the clinic's retention period on ``on``."""

    client_id: Id
    on: IsoDate | None = Field(
        default=None, description="The day to judge the retention on (today in the clinic)."
    )


class Erased(Result):
    """The client was anonymised."""

    erased: Literal[True] = True
    client: int


class ErasureRefused(Result):
    """The retention period has not passed: the record stays as it is."""

    erased: Literal[False] = False
    retained_until: dt.date = Field(description="The first day the record may be erased.")
    reason: str


def _day(moment: dt.datetime, tz: dt.tzinfo) -> dt.date:
    """The date of a stored time (UTC) in the clinic's timezone."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(tz).date()


#: What an erasure gives: done, or refused until a date.
EraseResult = Erased | ErasureRefused


def erase_client(ctx: ServiceContext, request: EraseRequest) -> EraseResult:
    """Anonymise a client: at once when they were never treated, else once the clinic's retention period
    after their last treatment has passed (a historical session counts from when it was recorded).

    Identity, contact, health answers, photos, signatures, designs and free text go from every table that
    holds them (:mod:`smpstudio.records.repositories.protection` lists each column); the session skeleton
    (dates, lots, practitioner) stays without a name, so lot and sterilisation traces remain whole. A
    refusal is a result (and an audit entry), not an error. Stored files nothing refers to any more are
    deleted after the commit, so a failed erasure never loses a file; on SQLite the write-ahead log is
    then emptied into the database file, so no old page lingers there. Erasing an erased client again (a
    retry) answers as the first time did and changes nothing.
    """
    from smpstudio.records.deadlines import retention_until  # here: its date arithmetic loads NumPy

    def action(db: Db, actor: Actor) -> tuple[EraseResult, list[str]]:
        actor.require("client.erase")
        today = request.on or actor.today()
        client = get_client(db, actor, request.client_id)
        if client.erased_at is not None:
            return Erased(client=client.id), []
        clinic = db.get(Clinic, client.clinic_id)
        assert clinic is not None
        last = session_rows.retention_start(db, client.id)
        last_day = _day(last, actor.clock.tz) if last is not None else None
        until = retention_until(last_day, clinic.retention_years) if last_day is not None else today
        if today < until:
            log(db, actor, "refuse", "client", client.id, erase=True, retained_until=until.isoformat())
            reason = (
                f"records are kept {clinic.retention_years} years after the last session "
                f"({last_day}) under the clinic's {clinic.jurisdiction} policy"
            )
            return ErasureRefused(retained_until=until, reason=reason), []
        shas = repo.anonymise_client(db, client, ctx.clock.now())
        log(db, actor, "erase", "client", client.id, files=len(shas), treated=last is not None)
        return Erased(client=client.id), repo.unreferenced_files(db, shas)

    result, unused = transact(ctx, action)
    for sha in unused:
        ctx.db.files.delete(sha)
    if isinstance(result, Erased):
        repo.discard_old_pages(ctx.db.engine)
    return result


# ------------------------------------------------------------------------------------------------- audit


class AuditCheck(Result):
    """The audit chain walked from its first entry."""

    ok: bool = Field(description="Whether every entry verifies and the database keeps the trail append-only.")
    entries: int = Field(description="Entries that verify, from the first.")
    first_bad_entry: int | None = Field(description="The first entry that fails (None when all verify).")
    last_hash: str = Field(description="The hash of the last entry that verifies.")
    append_only: bool = Field(
        description="Whether the database refuses changing or deleting an entry (its append-only triggers)."
    )


def verify_audit(ctx: ServiceContext) -> AuditCheck:
    """Walk the audit chain in one read-only transaction (writers are not held up), then check that the
    database still refuses changing or deleting an entry (:func:`smpstudio.records.audit.append_only`, the
    restore's check: a backup of a trail without its triggers would be refused); owners only."""

    def check(db: Db) -> dict[str, Any]:
        resolve_actor(db, ctx.user_id).require("audit")
        return audit.verify(db)

    chain = ctx.db.read(check)
    guarded = audit.append_only(ctx.db.engine)
    return AuditCheck.model_validate({**chain, "ok": bool(chain["ok"]) and guarded, "append_only": guarded})
