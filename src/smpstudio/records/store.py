"""The store: an engine and session factory over SQLite (default) or PostgreSQL, migrated by Alembic.

``open_store(data_dir)`` is the app factory; nothing is connected at import. SQLite runs in WAL mode with
foreign keys on, a busy timeout, ``synchronous=FULL`` (a committed record survives a killed process) and
``BEGIN IMMEDIATE`` for write transactions, so two writers queue instead of failing on a lock upgrade.
PostgreSQL is chosen by a URL (``SMP_DATABASE_URL``); photos and documents live under the data directory
either way (:mod:`smpstudio.records.files`).
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from smpstudio.errors import InputError, SmpError
from smpstudio.records.files import FileStore

__all__ = [
    "DATABASE_URL_ENV",
    "HEAD_REVISION",
    "Store",
    "StoreError",
    "alembic_config",
    "open_store",
]

DATABASE_URL_ENV = "SMP_DATABASE_URL"
#: The newest migration; a test checks it equals Alembic's head so opening a store needs no Alembic import.
HEAD_REVISION = "0001"
SQLITE_FILE = "smpstudio.sqlite3"
BUSY_TIMEOUT_MS = 30_000
T = TypeVar("T")


class StoreError(SmpError):
    """The store is missing, of another version, or could not be reached."""

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
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    readonly = conn.get_execution_options().get("smp_readonly", False)
    conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def _is_transient(exc: OperationalError) -> bool:
    msg = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    return any(
        s in msg for s in ("database is locked", "database is busy", "could not serialize", "deadlock")
    )


@dataclass
class Store:
    """An open store: where it lives, its engine, sessions and file store."""

    data_dir: Path
    url: str
    engine: Engine
    files: FileStore
    _sessions: sessionmaker[Session] = field(repr=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, readonly: bool = False) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back on any error."""
        bind = self.engine.execution_options(smp_readonly=True) if readonly else self.engine
        with self._sessions(bind=bind) as s, s.begin():
            yield s

    def write(self, action: Callable[[Session], T], *, attempts: int = 8) -> T:
        """Run ``action`` in one write transaction, retrying a transient lock or serialisation failure.

        The retry is invisible to the user; only when every attempt fails does a clear error come back.
        """
        for attempt in range(attempts):
            try:
                with self.session() as s:
                    return action(s)
            except OperationalError as exc:
                if not _is_transient(exc) or attempt == attempts - 1:
                    raise StoreError(
                        "the store is busy with another writer; nothing was changed, try again"
                    ) from exc
                time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))
        raise AssertionError("unreachable")

    def read(self, action: Callable[[Session], T]) -> T:
        with self.session(readonly=True) as s:
            return action(s)

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def upgrade(self, revision: str = "head") -> None:
        from alembic import command

        with self.engine.begin() as conn:
            cfg = alembic_config(self.url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)

    def downgrade(self, revision: str) -> None:
        from alembic import command

        with self.engine.begin() as conn:
            cfg = alembic_config(self.url)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)

    def integrity_check(self) -> list[str]:
        """SQLite's own integrity and foreign-key checks (empty when sound); PostgreSQL checks itself."""
        if self.dialect != "sqlite":
            return []
        with self.engine.connect() as conn:
            problems = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check") if r[0] != "ok"]
            problems += [f"foreign key: {tuple(r)}" for r in conn.exec_driver_sql("PRAGMA foreign_key_check")]
        return problems

    def close(self) -> None:
        self.engine.dispose()


def database_url(data_dir: Path, url: str | None = None) -> str:
    url = url or os.environ.get(DATABASE_URL_ENV) or ""
    if not url:
        return f"sqlite:///{data_dir / SQLITE_FILE}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if not (url.startswith("sqlite:") or url.startswith("postgresql+psycopg://")):
        raise InputError(
            "unsupported database URL", field=DATABASE_URL_ENV, allowed="postgresql://... or sqlite:///FILE"
        )
    return url


def open_store(data_dir: str | Path, *, url: str | None = None, create: bool = False) -> Store:
    """Open the store in ``data_dir`` (``SMP_DATABASE_URL`` overrides where the database is).

    With ``create`` the directory and schema are made (or upgraded to the newest migration); without it a
    missing store is an error that says how to make one, and a store left behind by an older release is
    upgraded in place.
    """
    data_dir = Path(data_dir)
    if data_dir.exists() and not data_dir.is_dir():
        raise InputError("is a file, not a directory", field="data-dir", allowed="a directory")
    full_url = database_url(data_dir, url)
    is_sqlite = full_url.startswith("sqlite:")
    if is_sqlite and not create and not (data_dir / SQLITE_FILE).exists():
        raise StoreError(f"no store in {data_dir}: create one with `smp --data-dir {data_dir} clinic init`")
    if create or is_sqlite:
        data_dir.mkdir(parents=True, exist_ok=True)
    if is_sqlite:
        engine = create_engine(full_url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(full_url, pool_pre_ping=True)
    store = Store(
        data_dir, full_url, engine, FileStore.for_data_dir(data_dir), sessionmaker(expire_on_commit=False)
    )
    try:
        current = store.revision()
    except OperationalError as exc:
        engine.dispose()
        raise StoreError(f"cannot reach the database ({type(exc.orig).__name__})") from exc
    if current != HEAD_REVISION:
        if current is None and not create:
            engine.dispose()
            raise StoreError(
                f"the database has no smpstudio store: run `smp --data-dir {data_dir} clinic init`"
            )
        store.upgrade()
    return store
