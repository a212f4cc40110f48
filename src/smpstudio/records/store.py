"""The store: an engine and session factory over SQLite (default) or PostgreSQL, migrated by Alembic.

``open_store(data_dir)`` is the app factory; nothing is connected at import and nothing here reads the
environment (the face passes the database and files URLs from its settings). SQLite runs in WAL mode with
foreign keys on, a busy timeout, ``synchronous=FULL`` (a committed record survives a killed process) and
``BEGIN IMMEDIATE`` for write transactions, so two writers queue instead of failing on a lock upgrade.
PostgreSQL is chosen by a URL; photos and documents live under the data directory unless a files URL names
another place (:mod:`smpstudio.records.files`).

Migrations run in two places only: :func:`open_store` with ``create`` migrates an empty database (a new
store), and :func:`upgrade_store` upgrades an existing store. Opening a store at any other revision than
:data:`HEAD_REVISION` is refused (``store_outdated``, ``store_too_new``), so several processes opening one
store never race to change its schema; an upgrade holds the write lock (SQLite) or an advisory lock
(PostgreSQL) and reads the revision again under it.

Privacy and safety: the data directory is made 0700 and the database file 0600 before SQLite first opens
it (SQLite gives its WAL and shared-memory files the database file's mode); ``secure_delete`` overwrites
deleted content. Every open SQLite store holds a shared lock that a restore takes exclusively
(:mod:`smpstudio.records.locking`); opening a store removes the temporary files of dead processes
(:mod:`smpstudio.records.private`). A write that fails because the disk is full, a unique value already
stored or a value too long for its column raises the store's own error (:mod:`smpstudio.records.failures`).
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from smpstudio.errors import InputError, SmpError
from smpstudio.records.failures import disk_full, is_disk_full, translate
from smpstudio.records.files import FileStore
from smpstudio.records.locking import PG_RESTORE_LOCK_KEY, StoreLock, lock_path
from smpstudio.records.private import make_private_dirs, remove_leftovers, touch_private

__all__ = [
    "HEAD_REVISION",
    "REVISIONS",
    "SQLITE_FILE",
    "Store",
    "StoreError",
    "alembic_config",
    "connect_store",
    "database_url",
    "open_store",
    "sqlite_path",
    "store_revision",
    "upgrade_store",
]

#: Every migration, oldest first; a test checks it equals Alembic's history so opening a store needs no
#: Alembic import.
REVISIONS = ("0001", "0002", "0003", "0004", "0005")
#: The newest migration: the only revision a store may be opened at.
HEAD_REVISION = REVISIONS[-1]
SQLITE_FILE = "smpstudio.sqlite3"
BUSY_TIMEOUT_MS = 30_000
_PG_MIGRATION_LOCK_KEY = 0x534D504D  # "SMPM"
T = TypeVar("T")


class StoreError(SmpError):
    """The store is missing, at another revision, or could not be reached.

    The ``code`` says which: ``store_missing``, ``store_outdated`` (an upgrade is needed), ``store_too_new``
    (a newer release wrote it), ``store_unreachable``, ``store_unavailable`` (busy, or a tool failed).
    """

    kind = "busy"
    default_code = "store_unavailable"


def alembic_config(url: str) -> Any:
    """An Alembic configuration for the packaged migrations, pointed at ``url``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("smpstudio.records").joinpath("migrations")))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA secure_delete = ON")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    readonly = conn.get_execution_options().get("smp_readonly", False)
    conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def _is_transient(exc: OperationalError) -> bool:
    msg = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    return any(
        s in msg for s in ("database is locked", "database is busy", "could not serialize", "deadlock")
    )


def _migration_state(conn: Connection) -> tuple[bool, str | None]:
    if not inspect(conn).has_table("alembic_version"):
        return False, None
    return True, conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


@dataclass
class Store:
    """An open store: where it lives, its engine, sessions and file store."""

    data_dir: Path
    url: str
    engine: Engine
    files: FileStore
    _sessions: sessionmaker[Session] = field(repr=False)
    _lock: StoreLock | None = field(default=None, repr=False)
    #: SQLite takes one writer at a time: the threads of one process queue here, in order, rather than
    #: polling the database's lock with SQLite's growing sleeps (which a busy web worker turns into long
    #: waits). Other processes still meet at the database's own lock.
    _write_gate: contextlib.AbstractContextManager[bool] = field(default_factory=threading.RLock, repr=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def sqlite_file(self) -> Path | None:
        """The SQLite database file (None on PostgreSQL or an in-memory database)."""
        return sqlite_path(self.url)

    @contextmanager
    def session(self, *, readonly: bool = False) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back on any error."""
        bind = self.engine.execution_options(smp_readonly=True) if readonly else self.engine
        with self._sessions(bind=bind) as s, s.begin():
            yield s

    def write(self, action: Callable[[Session], T], *, attempts: int = 8) -> T:
        """Run ``action`` in one write transaction, retrying a transient lock or serialisation failure.

        The retry is invisible to the user; only when every attempt fails does a clear error come back. A
        unique violation is retried once (a concurrent writer may have committed the same row, which the
        action then finds and answers in its own words), then it is a conflict; a full disk is
        ``disk_full``. On PostgreSQL each write shares the lock a restore holds exclusively.
        """
        for attempt in range(attempts):
            try:
                with self._gate(), self.session() as s:
                    if self.dialect == "postgresql":
                        s.execute(text("SELECT pg_advisory_xact_lock_shared(:k)"), {"k": PG_RESTORE_LOCK_KEY})
                    return action(s)
            except OperationalError as exc:
                if is_disk_full(exc):
                    raise disk_full() from exc
                if not _is_transient(exc) or attempt == attempts - 1:
                    raise StoreError(
                        "the store is busy with another writer; nothing was changed, try again"
                    ) from exc
                time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))
            except IntegrityError as exc:
                if attempt == 0:
                    continue
                conflict = translate(exc)
                if conflict is None:
                    raise
                raise conflict from exc
            except (DBAPIError, OSError) as exc:
                mapped = translate(exc)
                if mapped is None:
                    raise
                raise mapped from exc
        raise AssertionError("unreachable")

    def _gate(self) -> contextlib.AbstractContextManager[object]:
        """The process's queue of SQLite writers (nothing to queue for on PostgreSQL)."""
        return self._write_gate if self.dialect == "sqlite" else contextlib.nullcontext()

    def read(self, action: Callable[[Session], T]) -> T:
        """Run ``action`` in one read-only transaction."""
        with self.session(readonly=True) as s:
            return action(s)

    def migration_state(self) -> tuple[bool, str | None]:
        """Whether the database has a migration history, and the revision it is at (None: at base)."""
        with self.engine.connect() as conn:
            return _migration_state(conn)

    def revision(self) -> str | None:
        """The revision the database is at (None for an empty database or one at base)."""
        return self.migration_state()[1]

    def upgrade(self, revision: str = "head") -> str | None:
        """Migrate to ``revision`` under a lock that serialises migrations; returns the revision before.

        SQLite's ``BEGIN IMMEDIATE`` holds the write lock for the whole migration; on PostgreSQL a
        transaction-scoped advisory lock does. The revision is read under the lock, so a second process
        that waited finds the work done and changes nothing.
        """
        from alembic import command

        with self._migrating() as conn:
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK_KEY})
            before = _migration_state(conn)[1]
            cfg = alembic_config(self.url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
        return before

    def downgrade(self, revision: str) -> None:
        """Migrate down to ``revision`` (``base`` drops every table): for tests and repairs."""
        from alembic import command

        with self._migrating() as conn:
            cfg = alembic_config(self.url)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)

    @contextmanager
    def _migrating(self) -> Iterator[Connection]:
        """One transaction for a migration. On SQLite, foreign keys are switched off around it (batch mode
        copies a table, drops the old one and renames the copy, which the keys of rows pointing at it would
        refuse) and every key is checked before the commit: a migration that broke one is rolled back."""
        with self.engine.connect() as conn:
            raw = conn.connection.driver_connection if self.dialect == "sqlite" else None
            if raw is not None:
                raw.execute("PRAGMA foreign_keys = OFF")  # outside any transaction, where SQLite honours it
            try:
                with conn.begin():
                    yield conn
                    if raw is not None:
                        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                        if broken:
                            raise StoreError(
                                f"the migration would break {len(broken)} foreign key(s)",
                                code="migration_failed",
                            )
            finally:
                if raw is not None:
                    raw.execute("PRAGMA foreign_keys = ON")

    def integrity_check(self) -> list[str]:
        """SQLite's own integrity and foreign-key checks (empty when sound); PostgreSQL checks itself."""
        if self.dialect != "sqlite":
            return []
        with self.engine.connect() as conn:
            problems = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check") if r[0] != "ok"]
            problems += [f"foreign key: {tuple(r)}" for r in conn.exec_driver_sql("PRAGMA foreign_key_check")]
        return problems

    def close(self) -> None:
        """Close every pooled connection and let go of the store's lock."""
        self.engine.dispose()
        if self._lock is not None:
            self._lock.release()


def database_url(data_dir: Path, url: str | None = None) -> str:
    """The SQLAlchemy URL of the store: ``url`` when given (PostgreSQL or SQLite), else the SQLite file in
    ``data_dir``."""
    if not url:
        return f"sqlite:///{data_dir / SQLITE_FILE}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if not (url.startswith("sqlite:") or url.startswith("postgresql+psycopg://")):
        raise InputError(
            "unsupported database URL", field="database_url", allowed="postgresql://... or sqlite:///FILE"
        )
    return url


def sqlite_path(url: str) -> Path | None:
    """The database file a SQLite URL names (None for PostgreSQL or an in-memory database)."""
    if not url.startswith("sqlite:"):
        return None
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def _where(store: Store) -> str:
    return f"in {store.data_dir}" if store.dialect == "sqlite" else "in the database"


def _refusal(store: Store, versioned: bool, current: str | None) -> StoreError:
    """Why a store at this migration state cannot be opened as it is."""
    detail = {"revision": current, "head": HEAD_REVISION}
    if not versioned:
        return StoreError(f"no store {_where(store)}", code="store_missing")
    if current is None or current in REVISIONS:
        return StoreError(
            f"the store {_where(store)} is at revision {current or 'base'} and this release needs "
            f"{HEAD_REVISION}: it needs an upgrade",
            code="store_outdated",
            detail=detail,
        )
    return StoreError(
        f"the store {_where(store)} is at revision {current}, which this release does not know "
        "(a newer release wrote it)",
        code="store_too_new",
        detail=detail,
    )


def connect_store(
    data_dir: str | Path, *, url: str | None = None, files_url: str | None = None, create: bool = False
) -> Store:
    """The store in ``data_dir`` (or at ``url``) whatever its revision, without migrating it.

    A missing SQLite file is ``store_missing`` unless ``create`` (then the directory is made); an
    unreachable database is ``store_unreachable``. Callers other than backup, restore and upgrade want
    :func:`open_store`.
    """
    data_dir = Path(data_dir)
    if data_dir.exists() and not data_dir.is_dir():
        raise InputError("is a file, not a directory", field="data_dir", allowed="a directory")
    full_url = database_url(data_dir, url)
    is_sqlite = full_url.startswith("sqlite:")
    db_file = sqlite_path(full_url)
    if db_file is not None and not create and not db_file.exists():
        raise StoreError(f"no store in {data_dir}", code="store_missing")
    if create or is_sqlite:
        make_private_dirs(data_dir)
    lock = None
    if db_file is not None:
        make_private_dirs(db_file.parent)
        lock = StoreLock(lock_path(db_file)).acquire(
            BUSY_TIMEOUT_MS / 1000, "the store is being restored; nothing was changed, try again"
        )
        if create:
            touch_private(db_file)
    if is_sqlite:
        # hide_parameters: an error's text never carries the values of a statement (client data) into a log
        engine = create_engine(
            full_url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, hide_parameters=True
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(full_url, pool_pre_ping=True, hide_parameters=True)
    files = FileStore.for_data_dir(data_dir, files_url)
    store = Store(data_dir, full_url, engine, files, sessionmaker(expire_on_commit=False), lock)
    try:
        store.migration_state()
    except OperationalError as exc:
        store.close()
        raise StoreError(
            f"cannot reach the database ({type(exc.orig).__name__})", code="store_unreachable"
        ) from exc
    except BaseException:
        store.close()
        raise
    if data_dir.is_dir():
        remove_leftovers(data_dir)
        files.remove_leftovers()
    return store


def open_store(
    data_dir: str | Path, *, url: str | None = None, files_url: str | None = None, create: bool = False
) -> Store:
    """Open the store in ``data_dir`` (``url`` names a database elsewhere, ``files_url`` a files location).

    With ``create`` an empty place (no SQLite file, or a database without tables) becomes a new store,
    migrated to the newest revision in one step. A store at any revision but :data:`HEAD_REVISION` is
    refused with ``store_outdated`` or ``store_too_new`` (upgrading is :func:`upgrade_store`'s job alone),
    and a missing store with ``store_missing``.
    """
    store = connect_store(data_dir, url=url, files_url=files_url, create=create)
    versioned, current = store.migration_state()
    if current == HEAD_REVISION:
        return store
    if create and not versioned:
        try:
            store.upgrade()
        except BaseException:
            store.close()
            raise
        return store
    store.close()
    raise _refusal(store, versioned, current)


def store_revision(
    data_dir: str | Path, *, url: str | None = None, files_url: str | None = None
) -> str | None:
    """The revision an existing store is at (None: at base), read without opening it for use.

    A missing store (no SQLite file, or a database without a migration history) is ``store_missing``.
    """
    store = connect_store(data_dir, url=url, files_url=files_url)
    try:
        versioned, current = store.migration_state()
        if not versioned:
            raise _refusal(store, versioned, current)
        return current
    finally:
        store.close()


def upgrade_store(
    data_dir: str | Path, *, url: str | None = None, files_url: str | None = None
) -> tuple[str | None, str]:
    """Upgrade an existing store to :data:`HEAD_REVISION`; returns the revisions before and after.

    A store already at the head is left as it is (the two revisions are then equal); a missing store is
    ``store_missing`` (a new store is made by opening it with ``create``) and one written by a newer
    release ``store_too_new``.
    """
    store = connect_store(data_dir, url=url, files_url=files_url)
    try:
        versioned, current = store.migration_state()
        if not versioned or (current is not None and current not in REVISIONS):
            raise _refusal(store, versioned, current)
        before = store.upgrade() if current != HEAD_REVISION else current
        return before, HEAD_REVISION
    finally:
        store.close()
