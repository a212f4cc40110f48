"""Data protection: a client's export, erasure when the retention rule allows it, backups and restores,
and the audit trail's verification.

A backup is one zip file: ``manifest.json`` (format, database kind, migration, audit entry count and last
hash), the database (an SQLite online backup, or a ``pg_dump`` custom-format dump) and every stored file
under ``files/``. A restore checks the archive (SQLite integrity, the audit chain against the manifest)
before it replaces anything, and keeps the replaced SQLite file beside the new one.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session as Db

from smpstudio.errors import InputError
from smpstudio.records import audit
from smpstudio.records.deadlines import retention_until
from smpstudio.records.models import (
    AdverseEvent,
    Clinic,
    Consent,
    Design,
    PatchTest,
    Photo,
    Screening,
    Session,
    SymptomReport,
)
from smpstudio.records.store import HEAD_REVISION, SQLITE_FILE, StoreError, open_store
from smpstudio.services.access import Actor, get_client, log, resolve_actor, transact
from smpstudio.services.clients import record_of
from smpstudio.services.context import ServiceContext

__all__ = ["backup", "erase_client", "export_client", "restore", "verify_audit"]

BACKUP_FORMAT = 1
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def _check_out(out: str | Path, field: str = "out") -> Path:
    target = Path(out)
    if target.is_dir():
        raise InputError(f"{target} is a folder", field=field, allowed="a file path")
    if not target.parent.exists():
        raise InputError(
            f"folder {target.parent} does not exist", field=field, allowed="a path in an existing folder"
        )
    return target


def export_client(ctx: ServiceContext, client_id: int, out: str | Path) -> dict[str, Any]:
    """Write the client's whole record (JSON, photos, drawn signatures, design documents) to a zip file."""
    target = _check_out(out)

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("client.export")
        client = get_client(db, actor, client_id)
        record = record_of(db, client)
        designs = db.scalars(select(Design).where(Design.client_id == client.id)).all()
        signatures = db.scalars(
            select(Consent.id, Consent.signature_sha256).where(
                Consent.client_id == client.id, Consent.signature_sha256.is_not(None)
            )
        ).all()
        log(db, actor, "export", "client", client.id)
        return {
            "record": record,
            "designs": [(d.version, d.document) for d in designs],
            "signatures": signatures,
        }

    data = transact(ctx, action)
    record = data["record"]
    tmp = target.with_name(f".{target.name}.part")
    files = 0
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("record.json", json.dumps(record, indent=2, ensure_ascii=False))
        for photo in record["photos"]:
            ext = EXTENSIONS.get(photo["media_type"], "bin")
            zf.writestr(
                f"photos/{photo['id']}-{photo['kind']}-{photo['view']}.{ext}",
                ctx.db.files.get(photo["sha256"]),
            )
            files += 1
        for consent in record["consents"]:
            if consent["signature_sha256"]:
                zf.writestr(
                    f"signatures/consent-{consent['id']}.png", ctx.db.files.get(consent["signature_sha256"])
                )
                files += 1
        for version, doc in data["designs"]:
            zf.writestr(f"designs/design-v{version}.json", json.dumps(doc))
            files += 1
    tmp.replace(target)
    return {"client": client_id, "out": str(target), "files": files, "sessions": len(record["sessions"])}


def erase_client(ctx: ServiceContext, client_id: int, *, on: dt.date | None = None) -> dict[str, Any]:
    """Anonymise a client once the clinic's retention period after the last session has passed.

    Identity, contact, health answers, photos, signatures, designs and free text go; the session skeleton
    (dates, lots, practitioner) stays without a name, so lot and sterilisation traces remain whole.
    """
    today = on or ctx.today()

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("client.erase")
        client = get_client(db, actor, client_id, for_update=True)
        clinic = db.get(Clinic, client.clinic_id)
        assert clinic is not None
        last = db.scalar(select(func.max(Session.started_at)).where(Session.client_id == client.id))
        last_day = last.date() if last else client.created_at.date()
        until = retention_until(last_day, clinic.retention_years)
        if today < until:
            log(db, actor, "refuse", "client", client.id, erase=True, retained_until=until.isoformat())
            return {
                "erased": False,
                "retained_until": until.isoformat(),
                "reason": f"records are kept {clinic.retention_years} years after the last session "
                f"({last_day}) under the clinic's {clinic.jurisdiction} policy",
            }
        shas = [p.sha256 for p in db.scalars(select(Photo).where(Photo.client_id == client.id))]
        shas += [
            c.signature_sha256
            for c in db.scalars(select(Consent).where(Consent.client_id == client.id))
            if c.signature_sha256
        ]
        db.execute(delete(Photo).where(Photo.client_id == client.id))
        db.execute(delete(Design).where(Design.client_id == client.id))
        for s in db.scalars(select(Screening).where(Screening.client_id == client.id)):
            s.answers, s.result = {}, {"erased": True}
        for c in db.scalars(select(Consent).where(Consent.client_id == client.id)):
            c.signed_name, c.signature_sha256 = "erased", None
        for r in db.scalars(select(SymptomReport).where(SymptomReport.client_id == client.id)):
            r.symptoms, r.triage = {}, {"erased": True}
        for a in db.scalars(select(AdverseEvent).where(AdverseEvent.client_id == client.id)):
            a.description = "erased"
        for t in db.scalars(select(PatchTest).where(PatchTest.client_id == client.id)):
            t.record = {"erased": True}
        for s2 in db.scalars(select(Session).where(Session.client_id == client.id)):
            s2.notes = None
        client.name = f"erased client {client.id}"
        client.date_of_birth = client.email = client.phone = client.address = None
        client.hair_colour = client.hair_loss_pattern = client.notes = client.skin_type = None
        client.erased_at = dt.datetime.now(dt.UTC)
        log(db, actor, "erase", "client", client.id, files=len(shas))
        db.flush()
        still_used = set(db.scalars(select(Photo.sha256).where(Photo.sha256.in_(shas))))
        still_used |= set(
            db.scalars(select(Consent.signature_sha256).where(Consent.signature_sha256.in_(shas)))
        )
        return {"erased": True, "client": client.id, "drop": [s for s in set(shas) if s not in still_used]}

    result = transact(ctx, action)
    for sha in result.pop("drop", []):
        ctx.db.files.delete(sha)  # after the commit: a failed erase never loses a file
    return result


def verify_audit(ctx: ServiceContext) -> dict[str, Any]:
    """Walk the audit chain (read-only, so writers are not held up)."""

    def check_actor(db: Db) -> None:
        resolve_actor(db, ctx.user_id).require("audit")

    ctx.db.read(check_actor)
    return ctx.db.read(lambda db: audit.verify(db))


# ------------------------------------------------------------------------------------------ backups


def _libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def backup(ctx: ServiceContext, out: str | Path) -> dict[str, Any]:
    target = _check_out(out)

    def check_actor(db: Db) -> dict[str, Any]:
        resolve_actor(db, ctx.user_id).require("backup")
        return audit.verify(db)

    chain = ctx.db.read(check_actor)
    tmp = target.with_name(f".{target.name}.part")
    with tempfile.TemporaryDirectory() as work:
        if ctx.db.dialect == "sqlite":
            db_name = "database.sqlite3"
            src = sqlite3.connect(ctx.db.data_dir / SQLITE_FILE)
            dst = sqlite3.connect(Path(work) / db_name)
            with dst:
                src.backup(dst)  # the online backup API: consistent while others write
            src.close()
            dst.close()
        else:
            db_name = "database.pgdump"
            proc = subprocess.run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    f"--file={Path(work) / db_name}",
                    f"--dbname={_libpq_url(ctx.db.url)}",
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                raise StoreError(f"pg_dump failed: {proc.stderr.strip()[:300]}")
        manifest = {
            "format": BACKUP_FORMAT,
            "dialect": ctx.db.dialect,
            "revision": HEAD_REVISION,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "audit": {"entries": chain["entries"], "last_hash": chain["last_hash"], "ok": chain["ok"]},
        }
        shas = ctx.db.files.all()
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("manifest.json", json.dumps(manifest, indent=2))
            zf.write(Path(work) / db_name, db_name)
            for sha in shas:
                zf.writestr(f"files/{sha}", ctx.db.files.get(sha))
    tmp.replace(target)
    return {
        "out": str(target),
        "files": len(shas),
        "audit_entries": chain["entries"],
        "dialect": ctx.db.dialect,
    }


def restore(
    data_dir: str | Path, archive: str | Path, actor_id: int | None, *, url: str | None = None
) -> dict[str, Any]:
    """Replace the store in ``data_dir`` with a backup, after checking the backup is whole."""
    path = Path(archive)
    if not path.is_file():
        raise InputError(f"no file {path}", field="backup", allowed="a file written by `smp backup`")
    try:
        zf = zipfile.ZipFile(path)
        manifest = json.loads(zf.read("manifest.json"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError) as exc:
        raise InputError(
            "not an smpstudio backup", field="backup", allowed="a file written by `smp backup`"
        ) from exc
    if manifest.get("format") != BACKUP_FORMAT:
        raise InputError(
            f"backup format {manifest.get('format')}", field="backup", allowed=str(BACKUP_FORMAT)
        )
    data_dir = Path(data_dir)
    try:
        current = open_store(data_dir, url=url)
    except StoreError:
        current = None  # nothing to protect: restoring into an empty place
    if current is not None:
        current.read(lambda db: resolve_actor(db, actor_id).require("restore"))
        if current.dialect != manifest["dialect"]:
            current.close()
            raise InputError(
                f"a {manifest['dialect']} backup",
                field="backup",
                allowed=f"a backup of a {current.dialect} store",
            )
        dialect = current.dialect
        current.close()
    else:
        from smpstudio.records.store import database_url

        dialect = "sqlite" if database_url(data_dir, url).startswith("sqlite") else "postgresql"
        if dialect != manifest["dialect"]:
            raise InputError(f"a {manifest['dialect']} backup", field="backup", allowed=f"a {dialect} backup")
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=data_dir) as work:
        if dialect == "sqlite":
            staged = Path(work) / SQLITE_FILE
            staged.write_bytes(zf.read("database.sqlite3"))
            check = sqlite3.connect(staged)
            ok = check.execute("PRAGMA integrity_check").fetchone()[0]
            check.close()
            if ok != "ok":
                raise InputError(
                    f"the backup's database fails its integrity check: {ok}",
                    field="backup",
                    allowed="an intact backup",
                )
            live = data_dir / SQLITE_FILE
            kept = None
            if live.exists():
                kept = data_dir / f"{SQLITE_FILE}.before-restore-{dt.datetime.now():%Y%m%dT%H%M%S}"
                shutil.copy2(live, kept)
                for suffix in ("-wal", "-shm"):
                    Path(f"{live}{suffix}").unlink(missing_ok=True)
            staged.replace(live)
        else:
            from smpstudio.records.store import database_url

            dump = Path(work) / "database.pgdump"
            dump.write_bytes(zf.read("database.pgdump"))
            proc = subprocess.run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    f"--dbname={_libpq_url(database_url(data_dir, url))}",
                    str(dump),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                raise StoreError(f"pg_restore failed: {proc.stderr.strip()[:300]}")
            kept = None
    store = open_store(data_dir, url=url)
    try:
        for name in zf.namelist():
            if name.startswith("files/"):
                store.files.put(zf.read(name))
        chain = store.read(lambda db: audit.verify(db))
        expected = manifest["audit"]
        if not chain["ok"] or chain["entries"] < expected["entries"]:
            raise StoreError(f"the restored audit trail does not verify: {chain}")
        store.write(lambda db: log(db, None, "restore", "store", None, entries=chain["entries"]))
    finally:
        store.close()
    zf.close()
    return {"restored": True, "audit_entries": chain["entries"], "kept": str(kept) if kept else None}
