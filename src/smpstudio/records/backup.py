"""Backup and restore mechanics: one zip archive holding the database and every stored file.

An archive holds ``manifest.json`` (format, database kind, migration, creation time, audit entry count and
last hash), the database (an SQLite online backup, consistent while others write, or a ``pg_dump``
custom-format dump) and every stored file under ``files/``. Restoring checks the archive first (its format
and database kind, SQLite's integrity check) before it replaces anything, keeps the replaced SQLite file
beside the new one, and checks the restored audit chain against the manifest.

Who may back up or restore, and the audit entries, are the services' business; this module only moves
bytes. The archive is written to and read from binary streams the caller opens.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from smpstudio.errors import InputError
from smpstudio.records import audit
from smpstudio.records.store import (
    REVISIONS,
    Store,
    StoreError,
    connect_store,
    database_url,
    sqlite_path,
)

__all__ = [
    "BACKUP_FORMAT",
    "Archive",
    "Manifest",
    "Restored",
    "read_archive",
    "restore_archive",
    "write_archive",
]

BACKUP_FORMAT = 1
#: The archive member that holds the database, by database kind.
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
_NOT_A_BACKUP = "a backup archive written by smpstudio"


@dataclass(frozen=True)
class Manifest:
    """What an archive says about itself, and what a restore is checked against."""

    dialect: str
    revision: str
    created_at: str
    audit_entries: int
    audit_last_hash: str
    audit_ok: bool
    format: int = BACKUP_FORMAT

    def to_json(self) -> dict[str, Any]:
        """``manifest.json`` as written into the archive."""
        return {
            "format": self.format,
            "dialect": self.dialect,
            "revision": self.revision,
            "created_at": self.created_at,
            "audit": {"entries": self.audit_entries, "last_hash": self.audit_last_hash, "ok": self.audit_ok},
        }

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        """The manifest in ``data``, or an :class:`InputError` naming the backup."""
        if not isinstance(data, dict):
            raise InputError("not an smpstudio backup", field="backup", allowed=_NOT_A_BACKUP)
        if data.get("format") != BACKUP_FORMAT:
            raise InputError(
                f"backup format {data.get('format')}", field="backup", allowed=str(BACKUP_FORMAT)
            )
        try:
            chain = data["audit"]
            manifest = cls(
                dialect=str(data["dialect"]),
                revision=str(data["revision"]),
                created_at=str(data["created_at"]),
                audit_entries=int(chain["entries"]),
                audit_last_hash=str(chain["last_hash"]),
                audit_ok=bool(chain["ok"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(
                "the backup's manifest is incomplete", field="backup", allowed=_NOT_A_BACKUP
            ) from exc
        if manifest.dialect not in DATABASE_MEMBERS:
            raise InputError(
                f"a backup of a {manifest.dialect} database",
                field="backup",
                allowed=", ".join(DATABASE_MEMBERS),
            )
        if manifest.revision not in REVISIONS:
            raise InputError(
                f"a backup at revision {manifest.revision}, which this release does not know",
                field="backup",
                allowed=", ".join(REVISIONS),
            )
        return manifest


@dataclass(frozen=True)
class Archive:
    """An opened backup archive: its zip file and checked manifest."""

    zf: zipfile.ZipFile
    manifest: Manifest

    def files(self) -> Iterator[bytes]:
        """The stored files the archive holds."""
        for name in self.zf.namelist():
            if name.startswith("files/"):
                yield self.zf.read(name)


@dataclass(frozen=True)
class Restored:
    """A restored store (open: the caller closes it), its audit entry count and the kept SQLite file."""

    store: Store
    audit_entries: int
    kept: Path | None


def _libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _run_tool(args: list[str]) -> None:
    try:
        proc = subprocess.run(args, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise StoreError(f"{args[0]} is not installed", code="tool_missing") from exc
    if proc.returncode != 0:
        raise StoreError(f"{args[0]} failed: {proc.stderr.strip()[:300]}")


def _dump_database(store: Store, work: Path) -> Path:
    """Copy the database into ``work`` (SQLite's online backup API, or ``pg_dump``)."""
    target = work / DATABASE_MEMBERS[store.dialect]
    if store.dialect == "sqlite":
        source_file = store.sqlite_file
        if source_file is None:
            raise StoreError("an in-memory database cannot be backed up")
        src = sqlite3.connect(source_file)
        dst = sqlite3.connect(target)
        try:
            with dst:
                src.backup(dst)  # consistent while others write
        finally:
            src.close()
            dst.close()
    else:
        _run_tool(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                f"--file={target}",
                f"--dbname={_libpq_url(store.url)}",
            ]
        )
    return target


def write_archive(store: Store, out: IO[bytes], manifest: Manifest) -> int:
    """Write the archive of ``store`` to ``out``; returns how many stored files it holds."""
    with tempfile.TemporaryDirectory() as work:
        dump = _dump_database(store, Path(work))
        shas = store.files.all()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("manifest.json", json.dumps(manifest.to_json(), indent=2))
            zf.write(dump, dump.name)
            for sha in shas:
                zf.writestr(f"files/{sha}", store.files.get(sha))
    return len(shas)


@contextmanager
def read_archive(source: IO[bytes]) -> Iterator[Archive]:
    """Open the archive in ``source`` (seekable) and check its manifest; an :class:`InputError` names the
    backup when it is not one."""
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError("not an smpstudio backup", field="backup", allowed=_NOT_A_BACKUP) from exc
    try:
        try:
            data = json.loads(zf.read("manifest.json"))
        except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError("not an smpstudio backup", field="backup", allowed=_NOT_A_BACKUP) from exc
        manifest = Manifest.from_json(data)
        if DATABASE_MEMBERS[manifest.dialect] not in zf.namelist():
            raise InputError("the backup holds no database", field="backup", allowed=_NOT_A_BACKUP)
        yield Archive(zf, manifest)
    finally:
        zf.close()


def _restore_sqlite(archive: Archive, live: Path, stamp: dt.datetime) -> Path | None:
    """Stage the archive's SQLite file beside ``live``, check it, and swap it in; returns the kept file."""
    live.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=live.parent) as work:
        staged = Path(work) / live.name
        staged.write_bytes(archive.zf.read(DATABASE_MEMBERS["sqlite"]))
        try:
            check = sqlite3.connect(staged)
            try:
                ok = check.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                check.close()
        except sqlite3.DatabaseError as exc:
            ok = str(exc)
        if ok != "ok":
            raise InputError(
                f"the backup's database fails its integrity check: {ok}",
                field="backup",
                allowed="an intact backup",
            )
        kept = None
        if live.exists():
            kept = live.with_name(f"{live.name}.before-restore-{stamp:%Y%m%dT%H%M%S}")
            shutil.copy2(live, kept)
            for suffix in ("-wal", "-shm"):
                Path(f"{live}{suffix}").unlink(missing_ok=True)
        staged.replace(live)
    return kept


def _restore_postgresql(archive: Archive, url: str) -> None:
    with tempfile.TemporaryDirectory() as work:
        dump = Path(work) / DATABASE_MEMBERS["postgresql"]
        dump.write_bytes(archive.zf.read(DATABASE_MEMBERS["postgresql"]))
        _run_tool(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={_libpq_url(url)}",
                str(dump),
            ]
        )


def restore_archive(
    archive: Archive,
    data_dir: Path,
    *,
    url: str | None = None,
    files_url: str | None = None,
    stamp: dt.datetime,
) -> Restored:
    """Replace the store in ``data_dir`` (or at ``url``) with the archive's, then its files.

    Nothing is replaced unless the archive is of the same database kind and (SQLite) passes its integrity
    check; the replaced SQLite file is kept beside the new one, named after ``stamp``. The restored audit
    chain must verify and hold at least the entries the manifest counted, else a :class:`StoreError`.
    Every connection to the store must be closed first.
    """
    full_url = database_url(data_dir, url)
    dialect = "sqlite" if full_url.startswith("sqlite:") else "postgresql"
    if archive.manifest.dialect != dialect:
        raise InputError(
            f"a {archive.manifest.dialect} backup", field="backup", allowed=f"a backup of a {dialect} store"
        )
    kept = None
    if dialect == "sqlite":
        live = sqlite_path(full_url)
        if live is None:
            raise StoreError("an in-memory database cannot be restored into")
        kept = _restore_sqlite(archive, live, stamp)
    else:
        _restore_postgresql(archive, full_url)
    store = connect_store(data_dir, url=url, files_url=files_url)
    try:
        for data in archive.files():
            store.files.put(data)
        chain = store.read(lambda db: audit.verify(db))
        if not chain["ok"] or chain["entries"] < archive.manifest.audit_entries:
            raise StoreError(f"the restored audit trail does not verify: {chain}", code="restore_unverified")
    except BaseException:
        store.close()
        raise
    return Restored(store, int(chain["entries"]), kept)
