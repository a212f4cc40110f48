"""Backup archives: one zip holding the database, every stored file and a manifest.

An archive holds ``manifest.json`` (format, database kind, migration, creation time, the store's id, the
audit chain's head: entry count, last sequence number and last hash), the database (an SQLite online
backup, consistent while others write, or a ``pg_dump`` custom-format dump) and every stored file under
``files/<sha256>``. The manifest is read from the copy that goes into the archive (SQLite) or from the
very snapshot ``pg_dump`` dumps (PostgreSQL), so its audit head is exactly the archived chain's.

Reading an archive is bounded before anything is inflated: the entry count, each entry's and the total
declared size, and the compression ratio of large entries (a zip bomb is refused from its directory);
entry names other than the three kinds above (``../x``, absolute paths, duplicates) and odd manifests
(missing keys, wrong types, huge numbers) are an :class:`InputError` naming the backup. Restoring is
:mod:`smpstudio.records.restore`. Work files live in a private folder in the data directory.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import URL, make_url, text
from sqlalchemy.exc import ArgumentError

from smpstudio.errors import InputError
from smpstudio.records import audit
from smpstudio.records.private import make_private_dirs, open_private, private_tempdir, touch_private
from smpstudio.records.store import REVISIONS, Store, StoreError

#: What reading a damaged archive member raises (zipfile raises NotImplementedError for a compression
#: method it does not support: a hostile archive, not unfinished code).
_UNREADABLE: tuple[type[BaseException], ...] = (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError)
#: And what reading a malformed manifest adds (no such member, bad JSON, nesting too deep).
_UNREADABLE_MANIFEST: tuple[type[BaseException], ...] = (*_UNREADABLE, KeyError, ValueError, RecursionError)

__all__ = [
    "BACKUP_FORMAT",
    "DATABASE_MEMBERS",
    "LIMITS",
    "Archive",
    "Limits",
    "Manifest",
    "libpq_url",
    "read_archive",
    "run_tool",
    "write_archive",
]

BACKUP_FORMAT = 2
#: Formats this release reads: 1 (before the store's id and the head's sequence number) and 2.
READABLE_FORMATS = (1, 2)
#: The archive member that holds the database, by database kind.
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
_NOT_A_BACKUP = "a backup archive written by smpstudio"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_STORE_ID = re.compile(r"^[0-9a-f]{32}$")
_FILE_MEMBER = re.compile(r"^files/[0-9a-f]{64}$")
_MAX_COUNT = 2**62


@dataclass(frozen=True)
class Limits:
    """What a restore accepts: entries, bytes per entry and in all (uncompressed), and the compression
    ratio of any entry over ``ratio_from_bytes``."""

    entries: int = 1_000_000
    entry_bytes: int = 64 * 2**30
    total_bytes: int = 256 * 2**30
    manifest_bytes: int = 64 * 2**10
    ratio: float = 250.0
    ratio_from_bytes: int = 2**20


LIMITS = Limits()


def _bad(message: str) -> InputError:
    return InputError(message, field="backup", allowed=_NOT_A_BACKUP)


@dataclass(frozen=True)
class Manifest:
    """What an archive says about itself, and what a restore is checked against."""

    dialect: str
    revision: str
    created_at: str
    audit_entries: int
    audit_last_hash: str
    audit_ok: bool
    store_id: str | None = None
    audit_last_seq: int | None = None
    format: int = BACKUP_FORMAT

    def to_json(self) -> dict[str, Any]:
        """``manifest.json`` as written into the archive."""
        return {
            "format": self.format,
            "dialect": self.dialect,
            "revision": self.revision,
            "created_at": self.created_at,
            "store_id": self.store_id,
            "audit": {
                "entries": self.audit_entries,
                "last_seq": self.audit_last_seq,
                "last_hash": self.audit_last_hash,
                "ok": self.audit_ok,
            },
        }

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        """The manifest in ``data``, or an :class:`InputError` naming the backup."""
        if not isinstance(data, dict):
            raise _bad("not an smpstudio backup")
        fmt = data.get("format")
        if type(fmt) is not int or fmt not in READABLE_FORMATS:
            raise InputError(
                f"backup format {str(fmt)[:20]}",
                field="backup",
                allowed=", ".join(str(f) for f in READABLE_FORMATS),
            )
        dialect = data.get("dialect")
        if dialect not in DATABASE_MEMBERS:
            raise InputError(
                f"a backup of a {str(dialect)[:20]} database",
                field="backup",
                allowed=", ".join(DATABASE_MEMBERS),
            )
        revision = data.get("revision")
        if revision not in REVISIONS:
            raise InputError(
                f"a backup at revision {str(revision)[:20]}, which this release does not know",
                field="backup",
                allowed=", ".join(REVISIONS),
            )
        chain = data.get("audit")
        created = data.get("created_at")
        store_id = data.get("store_id")
        if not isinstance(chain, dict) or not isinstance(created, str) or len(created) > 64:
            raise _bad("the backup's manifest is incomplete")
        entries, last_hash, ok = chain.get("entries"), chain.get("last_hash"), chain.get("ok")
        last_seq = chain.get("last_seq")
        if (
            type(entries) is not int
            or not 0 <= entries <= _MAX_COUNT
            or not isinstance(last_hash, str)
            or not _HEX64.match(last_hash)
            or type(ok) is not bool
            or (last_seq is not None and (type(last_seq) is not int or not 0 <= last_seq <= _MAX_COUNT))
            or (store_id is not None and (not isinstance(store_id, str) or not _STORE_ID.match(store_id)))
        ):
            raise _bad("the backup's manifest is incomplete or holds values of the wrong kind")
        return cls(
            dialect=str(dialect),
            revision=str(revision),
            created_at=created,
            audit_entries=entries,
            audit_last_hash=last_hash,
            audit_ok=ok,
            store_id=store_id,
            audit_last_seq=last_seq,
            format=fmt,
        )


@dataclass(frozen=True)
class Archive:
    """An opened backup archive: its zip file and checked manifest."""

    zf: zipfile.ZipFile
    manifest: Manifest

    @property
    def database_member(self) -> str:
        return DATABASE_MEMBERS[self.manifest.dialect]

    def extract_database(self, target: Path) -> Path:
        """Stream the archive's database into ``target`` (created 0600) without holding it in memory."""
        try:
            with self.zf.open(self.database_member) as src, open_private(target) as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except _UNREADABLE as exc:
            raise _bad("the backup's database cannot be read") from exc
        return target

    def files(self) -> Iterator[tuple[str, bytes]]:
        """The stored files the archive holds, with the SHA-256 their names give."""
        for name in self.zf.namelist():
            if name.startswith("files/"):
                try:
                    yield name[len("files/") :], self.zf.read(name)
                except _UNREADABLE as exc:
                    raise _bad("a stored file in the backup cannot be read") from exc


#: The argument that names the database of ``pg_dump`` and ``pg_restore``.
DBNAME = "--dbname="


def _without_password(url: str) -> tuple[str, str | None]:
    """``url`` without its password (in the user part or a ``password`` query parameter), and the
    password (None when it has none; a URL that does not parse is returned as it is)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url, None
    password = parsed.password
    query = dict(parsed.query)
    given = query.pop("password", None)
    if password is None and given is not None:
        password = given if isinstance(given, str) else given[-1]
    if password is None:
        return url, None
    bare = URL.create(
        parsed.drivername, parsed.username, None, parsed.host, parsed.port, parsed.database, query
    ).render_as_string(hide_password=False)
    return bare, str(password)


def _tool_command(args: list[str]) -> tuple[list[str], dict[str, str] | None]:
    """The tool's arguments with the password taken out of its ``--dbname=URL``, and the environment that
    carries it instead (``PGPASSWORD``; None: the caller's environment as it is)."""
    env = None
    command = []
    for arg in args:
        if arg.startswith(DBNAME):
            url, password = _without_password(arg.removeprefix(DBNAME))
            if password is not None:
                env = {**os.environ, "PGPASSWORD": password}
            arg = DBNAME + url
        command.append(arg)
    return command, env


def run_tool(args: list[str]) -> None:
    """Run a database tool; a missing tool or a failure is a :class:`StoreError`.

    A password in a ``--dbname=URL`` argument is passed in the tool's environment (``PGPASSWORD``), never
    on its command line, which other processes on the machine can read.
    """
    command, env = _tool_command(args)
    try:
        proc = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    except FileNotFoundError as exc:
        raise StoreError(f"{args[0]} is not installed", code="tool_missing") from exc
    if proc.returncode != 0:
        raise StoreError(f"{args[0]} failed: {proc.stderr.strip()[:300]}")


def libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _sqlite_facts(conn: sqlite3.Connection) -> tuple[str | None, str | None, dict[str, Any]]:
    """The revision, store id and audit head of an SQLite copy."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    store_id = None
    if "store_meta" in tables:
        row = conn.execute("SELECT value FROM store_meta WHERE key = 'store_id'").fetchone()
        store_id = row[0] if row else None
    rows = conn.execute(
        "SELECT seq, at, actor_id, clinic_id, action, entity, entity_id, detail, prev_hash, hash "
        "FROM audit_log ORDER BY seq"
    )
    return revision, store_id, audit.verify_rows(rows)


def _manifest(dialect: str, created_at: str, revision: Any, store_id: Any, chain: dict[str, Any]) -> Manifest:
    return Manifest(
        dialect=dialect,
        revision=str(revision),
        created_at=created_at,
        audit_entries=int(chain["entries"]),
        audit_last_hash=str(chain["last_hash"]),
        audit_ok=bool(chain["ok"]),
        store_id=store_id,
        audit_last_seq=int(chain["entries"]),
    )


@contextmanager
def _dump(store: Store, work: Path, created_at: str) -> Iterator[tuple[Path, Manifest]]:
    """Copy the database into ``work`` and read the manifest from the copy (or the dumped snapshot)."""
    target = work / DATABASE_MEMBERS[store.dialect]
    if store.dialect == "sqlite":
        source_file = store.sqlite_file
        if source_file is None:
            raise StoreError("an in-memory database cannot be backed up")
        touch_private(target)
        src, dst = sqlite3.connect(source_file), sqlite3.connect(target)
        try:
            with dst:
                src.backup(dst)  # consistent while others write
            revision, store_id, chain = _sqlite_facts(dst)
        finally:
            src.close()
            dst.close()
        yield target, _manifest("sqlite", created_at, revision, store_id, chain)
        return
    with store.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            store_id = conn.execute(text("SELECT value FROM store_meta WHERE key = 'store_id'")).scalar()
            result = conn.exec_driver_sql(
                "SELECT seq, at, actor_id, clinic_id, action, entity, entity_id, detail, prev_hash, hash "
                "FROM audit_log ORDER BY seq"
            )
            chain = audit.verify_rows(result)
            touch_private(target)
            run_tool(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                    f"--dbname={libpq_url(store.url)}",
                ]
            )
    yield target, _manifest("postgresql", created_at, revision, store_id, chain)


def write_archive(store: Store, out: IO[bytes], created_at: str) -> tuple[Manifest, int]:
    """Write the archive of ``store`` to ``out``; returns its manifest and how many stored files it holds."""
    make_private_dirs(store.data_dir)
    with private_tempdir(store.data_dir) as work, _dump(store, work, created_at) as (dump, manifest):
        shas = store.files.all()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            zf.writestr("manifest.json", json.dumps(manifest.to_json(), indent=2))
            zf.write(dump, dump.name)
            for sha in shas:
                zf.writestr(f"files/{sha}", store.files.get(sha))
    return manifest, len(shas)


def _check_members(zf: zipfile.ZipFile, limits: Limits) -> None:
    infos = zf.infolist()
    if len(infos) > limits.entries:
        raise _bad(f"the backup holds more than {limits.entries} entries")
    seen: set[str] = set()
    total = 0
    allowed = {"manifest.json", *DATABASE_MEMBERS.values()}
    for info in infos:
        name = info.filename
        if name in seen:
            raise _bad("the backup holds an entry twice")
        seen.add(name)
        if name not in allowed and not _FILE_MEMBER.match(name):
            raise _bad(f"the backup holds an unexpected entry {name[:60]!r}")
        if info.file_size > limits.entry_bytes:
            raise _bad("an entry of the backup is larger than a restore accepts")
        if info.file_size > limits.ratio_from_bytes and info.file_size > limits.ratio * max(
            info.compress_size, 1
        ):
            raise _bad("an entry of the backup is compressed beyond any real data (a zip bomb?)")
        total += info.file_size
    if total > limits.total_bytes:
        raise _bad("the backup is larger than a restore accepts")


@contextmanager
def read_archive(source: IO[bytes], limits: Limits = LIMITS) -> Iterator[Archive]:
    """Open the archive in ``source`` (seekable) and check its entries and manifest; an
    :class:`InputError` names the backup when it is not one."""
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _bad("not an smpstudio backup") from exc
    try:
        _check_members(zf, limits)
        try:
            info = zf.getinfo("manifest.json")
            if info.file_size > limits.manifest_bytes:
                raise _bad("the backup's manifest is too large")
            data = json.loads(zf.read(info))
        except _UNREADABLE_MANIFEST as exc:
            raise _bad("not an smpstudio backup") from exc
        manifest = Manifest.from_json(data)
        if DATABASE_MEMBERS[manifest.dialect] not in zf.namelist():
            raise _bad("the backup holds no database")
        yield Archive(zf, manifest)
    finally:
        zf.close()
