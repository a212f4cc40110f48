"""Restoring a backup: nothing of the live store is replaced until a staged copy passes every check.

The archive's database is staged first (a private folder in the data directory for SQLite; a scratch
database on the same server for PostgreSQL) and checked there: SQLite's integrity check, the schema
revision the manifest names, the audit trail's append-only triggers (an update and a delete are tried in a
transaction that is rolled back: both must be refused), the audit chain verified, its head the manifest's,
and the store's identity: a backup of another store is refused unless the caller says it means it.

Only then: the stored files are copied in (content-addressed, so adding them harms nothing), the restore's
own audit entry is appended to the staged copy, and the live store is swapped under an exclusive lock
(:mod:`smpstudio.records.locking`; on PostgreSQL the advisory lock every write shares): SQLite's WAL is
checkpointed, the replaced database is kept beside the new one (a consistent copy that includes what was
in the WAL), and the staged file takes its place with one ``os.replace``. A kill at any point leaves the
live store whole and the staging folder for the next start to remove.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from smpstudio.errors import BusyError, InputError, RefusedError
from smpstudio.records import audit
from smpstudio.records.backup import Archive, Manifest, libpq_url, run_tool
from smpstudio.records.files import FileStore
from smpstudio.records.locking import PG_RESTORE_LOCK_KEY, StoreLock, lock_path
from smpstudio.records.private import make_private_dirs, private_tempdir, touch_private
from smpstudio.records.store import StoreError, connect_store, database_url, sqlite_path

__all__ = ["Restored", "check_append_only", "restore_archive"]

_AUDIT_ROWS = (
    "SELECT seq, at, actor_id, clinic_id, action, entity, entity_id, detail, prev_hash, hash "
    "FROM audit_log ORDER BY seq"
)
_BUSY = "the store is in use by another process; nothing was replaced, try again when it is closed"


@dataclass(frozen=True)
class Restored:
    """A restore that went through: the restored chain's entry count and the kept SQLite file."""

    audit_entries: int
    kept: Path | None
    store_id: str | None


def _refused(message: str, code: str = "backup_refused") -> InputError:
    return InputError(message, field="backup", allowed="an intact backup written by smpstudio", code=code)


def check_append_only(engine: Engine, next_seq: int) -> None:
    """Try an update and a delete of a probe entry, each in a transaction rolled back: both must fail."""
    probe = (
        "INSERT INTO audit_log (seq, at, action, entity, detail, prev_hash, hash) "
        "VALUES (:s, 'probe', 'read', 'probe', '{}', :h, :h)"
    )
    for statement in (
        "UPDATE audit_log SET entity = 'changed' WHERE seq = :s",
        "DELETE FROM audit_log WHERE seq = :s",
    ):
        with engine.connect() as conn:
            trans = conn.begin()
            try:
                conn.execute(text(probe), {"s": next_seq, "h": audit.GENESIS})
                try:
                    conn.execute(text(statement), {"s": next_seq})
                except DBAPIError:
                    continue  # refused, as the triggers must
                raise _refused(
                    "the backup's audit trail is not append-only (its triggers are missing)",
                    code="backup_not_append_only",
                )
            finally:
                trans.rollback()


def check_staged(engine: Engine, manifest: Manifest) -> tuple[str | None, int]:
    """Every check of a staged copy; returns its store id and audit entry count."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            try:
                ok = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
            except DBAPIError as exc:
                ok = str(exc.orig)
            if ok != "ok":
                raise _refused(f"the backup's database fails its integrity check: {str(ok)[:200]}")
        tables = set(inspect(conn).get_table_names())
        if not {"alembic_version", "audit_log"} <= tables:
            raise _refused("the backup's database holds no smpstudio store", code="backup_empty")
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if revision != manifest.revision:
            raise _refused(
                f"the backup's database is at revision {str(revision)[:20]}, its manifest says "
                f"{manifest.revision}"
            )
        store_id = None
        if "store_meta" in tables:
            store_id = conn.execute(text("SELECT value FROM store_meta WHERE key = 'store_id'")).scalar()
        if manifest.store_id is not None and store_id != manifest.store_id:
            raise _refused("the backup's database is of another store than its manifest names")
        result = conn.exec_driver_sql(_AUDIT_ROWS)
        try:
            chain = audit.verify_rows(result)
        finally:
            result.close()
        if manifest.audit_entries:
            anchored = conn.execute(
                text("SELECT hash FROM audit_log WHERE seq = :s"), {"s": manifest.audit_entries}
            ).scalar()
        else:
            anchored = audit.GENESIS
    if not chain["ok"]:
        raise _refused(
            f"the backup's audit trail does not verify (entry {chain['first_bad_entry']} fails)",
            code="backup_unverified",
        )
    exact = manifest.format >= 2  # format 1 read its head before the dump: the chain may be longer
    if anchored != manifest.audit_last_hash or (exact and chain["entries"] != manifest.audit_entries):
        raise _refused(
            f"the backup's audit trail does not end where its manifest says ({chain['entries']} entries, "
            f"the manifest {manifest.audit_entries})",
            code="backup_unverified",
        )
    check_append_only(engine, int(chain["entries"]) + 1)
    return store_id, int(chain["entries"])


def _check_identity(backup_id: str | None, live_id: str | None, live_exists: bool, other_store: bool) -> None:
    if not live_exists or other_store or live_id is None:
        return
    if backup_id != live_id:
        raise RefusedError(
            f"the backup is of another store ({(backup_id or 'unknown')[:8]}, this store is {live_id[:8]}): "
            "restoring it replaces this store's records with that store's, which needs an explicit choice",
            field="backup",
            code="other_store",
        )


def _copy_files(archive: Archive, files: FileStore) -> None:
    for sha, data in archive.files():
        if hashlib.sha256(data).hexdigest() != sha:
            raise _refused("a stored file in the backup does not match its name (a SHA-256)")
        files.put(data)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _kept_name(live: Path, stamp: dt.datetime) -> Path:
    base = live.with_name(f"{live.name}.before-restore-{stamp:%Y%m%dT%H%M%S}")
    kept, n = base, 1
    while kept.exists():
        n += 1
        kept = base.with_name(f"{base.name}-{n}")
    return kept


def _swap_sqlite(staged: Path, live: Path, work: Path, stamp: dt.datetime, wait_s: float) -> Path | None:
    """Under the exclusive lock: checkpoint the live store, keep a copy, and put the staged file in place."""
    lock = StoreLock(lock_path(live), exclusive=True).acquire(wait_s, _BUSY)
    try:
        kept = None
        if live.exists():
            partial = work / "kept.sqlite3"
            touch_private(partial)
            src = sqlite3.connect(live)
            try:
                src.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                dst = sqlite3.connect(partial)
                try:
                    with dst:
                        src.backup(dst)  # everything committed, the WAL's frames included
                finally:
                    dst.close()
            finally:
                src.close()
            with partial.open("rb+") as fh:
                os.fsync(fh.fileno())
            kept = _kept_name(live, stamp)
            partial.replace(kept)
        for suffix in ("-wal", "-shm"):
            Path(f"{live}{suffix}").unlink(missing_ok=True)
        staged.replace(live)
        _fsync_dir(live.parent)
        return kept
    finally:
        lock.release()


def _restore_sqlite(
    archive: Archive,
    live: Path,
    ctx: _Target,
) -> Restored:
    make_private_dirs(live.parent)
    with private_tempdir(live.parent) as work:
        staged = archive.extract_database(work / live.name)
        engine = create_engine(f"sqlite:///{staged}", poolclass=NullPool)
        try:
            store_id, entries = check_staged(engine, archive.manifest)
        finally:
            engine.dispose()
        _check_identity(store_id, ctx.live_id, ctx.live_exists, ctx.other_store)
        _copy_files(archive, ctx.files)
        staged_store = connect_store(work, url=f"sqlite:///{staged}")
        try:
            staged_store.write(lambda db: ctx.record(db, entries))
        finally:
            staged_store.close()
        kept = _swap_sqlite(staged, live, work, ctx.stamp, ctx.wait_s)
    return Restored(entries, kept, store_id)


def _pg_lock(engine: Engine, wait_s: float) -> Callable[[], None]:
    """Take the restore's advisory lock (every write shares it); returns the function that lets it go."""
    conn = engine.connect()
    deadline = time.monotonic() + wait_s
    while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_RESTORE_LOCK_KEY}).scalar():
        if time.monotonic() >= deadline:
            conn.close()
            raise BusyError(_BUSY, code="store_in_use")
        time.sleep(0.1)

    def release() -> None:
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_RESTORE_LOCK_KEY})
        finally:
            conn.close()

    return release


def _restore_postgresql(archive: Archive, url: str, ctx: _Target) -> Restored:
    make_private_dirs(ctx.data_dir)
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    staging = f"smp_restore_{os.getpid()}_{secrets.token_hex(4)}"
    staging_url = make_url(url).set(database=staging).render_as_string(hide_password=False)
    try:
        with private_tempdir(ctx.data_dir) as work:
            dump = archive.extract_database(work / "database.pgdump")
            try:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'CREATE DATABASE "{staging}"')
            except DBAPIError as exc:
                raise StoreError(
                    "cannot stage the restore: the database user may not create a scratch database",
                    code="restore_unstaged",
                ) from exc
            try:
                try:
                    run_tool(["pg_restore", "--no-owner", "--single-transaction",
                              f"--dbname={libpq_url(staging_url)}", str(dump)])  # fmt: skip
                except StoreError as exc:
                    if exc.code == "tool_missing":
                        raise
                    raise _refused("the backup's database dump cannot be restored") from exc
                engine = create_engine(staging_url, poolclass=NullPool)
                try:
                    store_id, entries = check_staged(engine, archive.manifest)
                finally:
                    engine.dispose()
            finally:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{staging}" WITH (FORCE)')
            _check_identity(store_id, ctx.live_id, ctx.live_exists, ctx.other_store)
            _copy_files(archive, ctx.files)
            release = _pg_lock(admin, ctx.wait_s)
            try:
                run_tool(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                          f"--dbname={libpq_url(url)}", str(dump)])  # fmt: skip
            finally:
                release()
    finally:
        admin.dispose()
    restored = connect_store(ctx.data_dir, url=url)
    try:
        restored.write(lambda db: ctx.record(db, entries))
    finally:
        restored.close()
    return Restored(entries, None, store_id)


@dataclass(frozen=True)
class _Target:
    data_dir: Path
    files: FileStore
    live_id: str | None
    live_exists: bool
    other_store: bool
    record: Callable[[Session, int], None]
    stamp: dt.datetime
    wait_s: float


def restore_archive(
    archive: Archive,
    data_dir: Path,
    *,
    url: str | None = None,
    files_url: str | None = None,
    stamp: dt.datetime,
    live_id: str | None,
    live_exists: bool,
    other_store: bool = False,
    record: Callable[[Session, int], None],
    wait_s: float = 10.0,
) -> Restored:
    """Replace the store in ``data_dir`` (or at ``url``) with the archive's, once a staged copy passed
    every check.

    ``live_id``/``live_exists``: the identity of the store there now (the caller read it); a backup of
    another store is refused (``other_store``) unless ``other_store``. ``record(db, entries)`` appends the
    restore's audit entry to the restored store. Every connection to the store must be closed first; a
    store other processes keep open is ``store_in_use`` (busy) after ``wait_s`` seconds.
    """
    full_url = database_url(data_dir, url)
    dialect = "sqlite" if full_url.startswith("sqlite:") else "postgresql"
    if archive.manifest.dialect != dialect:
        raise InputError(
            f"a {archive.manifest.dialect} backup", field="backup", allowed=f"a backup of a {dialect} store"
        )
    target = _Target(
        Path(data_dir),
        FileStore.for_data_dir(Path(data_dir), files_url),
        live_id,
        live_exists,
        other_store,
        record,
        stamp,
        wait_s,
    )
    if dialect == "sqlite":
        live = sqlite_path(full_url)
        if live is None:
            raise StoreError("an in-memory database cannot be restored into")
        return _restore_sqlite(archive, live, target)
    return _restore_postgresql(archive, full_url, target)
