"""Backups and restores of the whole store: who may, the checks before and after, and the audit entries.

The mechanics (SQLite's online backup, ``pg_dump``/``pg_restore``, the archive and its manifest) are
:mod:`smpstudio.records.backup`. A backup is written to a binary stream and a restore reads one: the face
opens the file (or the upload, or the download).
"""

from __future__ import annotations

import io
from typing import IO, Any

from pydantic import Field
from sqlalchemy.orm import Session as Db

from smpstudio.records import audit
from smpstudio.records.backup import Manifest, read_archive, restore_archive, write_archive
from smpstudio.records.store import HEAD_REVISION, StoreError, connect_store
from smpstudio.services.access import log, resolve_actor
from smpstudio.services.context import Clock, ServiceContext
from smpstudio.services.models import Result
from smpstudio.settings import Settings

__all__ = ["BackupResult", "RestoreResult", "backup", "restore"]


class BackupResult(Result):
    """What a backup holds."""

    out: str | None = Field(
        default=None, description="Where the face wrote the backup (the service only writes to a stream)."
    )
    files: int = Field(description="Stored files (photos, signatures) in the backup.")
    audit_entries: int = Field(description="Audit entries in the backed-up chain.")
    dialect: str = Field(description="The database kind: sqlite or postgresql.")


class RestoreResult(Result):
    """A restore that went through."""

    restored: bool = True
    audit_entries: int = Field(
        description="Audit entries in the restored chain (before the restore's own entry)."
    )
    kept: str | None = Field(description="Where the replaced SQLite database was kept (None: nothing kept).")


def backup(ctx: ServiceContext, out: IO[bytes]) -> BackupResult:
    """Write a backup of the store and its files to ``out``; owners only.

    The audit chain is walked first and its entry count and last hash go into the manifest, so a restore
    can tell a whole chain from a truncated one.
    """

    def check(db: Db) -> dict[str, Any]:
        resolve_actor(db, ctx.user_id).require("backup")
        return audit.verify(db)

    chain = ctx.db.read(check)
    manifest = Manifest(
        dialect=ctx.db.dialect,
        revision=HEAD_REVISION,
        created_at=ctx.clock.now_utc().isoformat(timespec="seconds"),
        audit_entries=chain["entries"],
        audit_last_hash=chain["last_hash"],
        audit_ok=chain["ok"],
    )
    files = write_archive(ctx.db, out, manifest)
    return BackupResult(files=files, audit_entries=chain["entries"], dialect=ctx.db.dialect)


def _require_restore_right(settings: Settings) -> None:
    """An existing store may only be replaced by a user allowed to (an empty place has nothing to guard)."""
    try:
        current = connect_store(settings.data_dir, url=settings.database_url, files_url=settings.files_url)
    except StoreError as exc:
        if exc.code == "store_missing":
            return
        raise
    try:
        if current.revision() is not None:
            current.read(lambda db: resolve_actor(db, settings.user).require("restore"))
    finally:
        current.close()


def restore(settings: Settings, archive: IO[bytes] | bytes) -> RestoreResult:
    """Replace the store the settings name with a backup, after checking the backup is whole.

    Parameters
    ----------
    settings
        Where the store is (``data_dir``, ``database_url``, ``files_url``), who acts (``user``: an owner of
        the store being replaced, if there is one) and the clinic's timezone (the kept file's name).
    archive
        The backup: a seekable binary stream, or its bytes.

    Returns
    -------
    RestoreResult
        The restored chain's entry count and where the replaced SQLite database was kept.
    """
    source = io.BytesIO(archive) if isinstance(archive, bytes) else archive
    with read_archive(source) as opened:
        _require_restore_right(settings)
        restored = restore_archive(
            opened,
            settings.data_dir,
            url=settings.database_url,
            files_url=settings.files_url,
            stamp=Clock(settings.tzinfo).now(),
        )
    entries = restored.audit_entries
    try:
        restored.store.write(lambda db: log(db, None, "restore", "store", None, entries=entries))
    finally:
        restored.store.close()
    return RestoreResult(audit_entries=entries, kept=str(restored.kept) if restored.kept else None)
