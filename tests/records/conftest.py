"""Stores for the records tests: a SQLite file, and a fresh database on the PostgreSQL server.

The PostgreSQL server is the one at ``SMP_TEST_POSTGRES`` (default ``postgresql://postgres@127.0.0.1:5432``).
Where none answers the PostgreSQL cases are skipped, unless ``SMP_REQUIRE_POSTGRES=1`` (set by CI), where
they fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from smpstudio.records.store import SQLITE_FILE, Store, open_store
from smpstudio.services.context import ServiceContext

PG_SERVER = os.environ.get("SMP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
QUESTIONS = [
    "keloid_history",
    "pregnant_or_breastfeeding",
    "anticoagulants",
    "bleeding_disorder",
    "active_scalp_condition",
    "chemotherapy_recent",
    "immunosuppressed",
    "diabetes",
    "isotretinoin_recent",
    "ink_or_anaesthetic_reaction",
    "laser_in_area_last_90_days",
    "unstable_alopecia",
    "wants_long_hair",
    "under_influence",
    "heart_condition_or_epilepsy",
    "unrealistic_hairline",
]


def _pg_admin():  # type: ignore[no-untyped-def]
    import psycopg

    try:
        return psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("SMP_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL required but not reachable at {PG_SERVER}: {exc}")
        pytest.skip(f"no PostgreSQL server at {PG_SERVER}")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite store made once per test session; tests get a copy."""
    data_dir = tmp_path_factory.mktemp("template") / "var"
    open_store(data_dir, create=True).close()
    return data_dir / SQLITE_FILE


@pytest.fixture(scope="session")
def pg_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty PostgreSQL database made once per test session, the template of each test's."""
    name = f"smp_template_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        open_store(tmp_path_factory.mktemp("pg-template"), url=f"{PG_SERVER}/{name}", create=True).close()
        yield name
    finally:
        _DATABASES.close()  # no copy of the template may be under way when it is dropped
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database (no schema), dropped afterwards."""
    yield from _database(None)


@pytest.fixture
def pg_store_url(pg_template: str) -> Iterator[str]:
    """A fresh PostgreSQL database holding a migrated, empty store (a copy of the template)."""
    yield from _database(pg_template)


class _TestDatabases:
    """Each test's database, made and dropped on a thread of its own: a copy of the template is made ahead
    while a test runs, and a finished test's database is dropped while the next one works (each costs the
    server about 0.2 s). Every test still gets a database no other test has touched."""

    def __init__(self) -> None:
        self._thread: ThreadPoolExecutor | None = None
        self._ahead: dict[str, Future[str]] = {}
        self._admin: Any = None

    def _run(self, sql: str) -> None:
        if self._admin is None:
            self._admin = _pg_admin()
        self._admin.execute(sql)

    def _create(self, template: str | None) -> str:
        name = f"smp_test_{uuid.uuid4().hex[:12]}"
        self._run(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return name

    def _drop(self, name: str) -> None:
        self._run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def take(self, template: str | None) -> str:
        _pg_admin().close()  # fails or skips here, in the test, when no server answers
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="test-databases")
        made = self._ahead.pop(template, None) if template else None
        name = (made or self._thread.submit(self._create, template)).result()
        if template:
            self._ahead[template] = self._thread.submit(self._create, template)
        return name

    def give_back(self, name: str) -> None:
        assert self._thread is not None
        self._thread.submit(self._drop, name)

    def close(self) -> None:
        """Drop the copies made ahead and wait for every drop."""
        if self._thread is None:
            return
        for made in self._ahead.values():
            self._thread.submit(lambda f=made: self._drop(f.result()))
        self._ahead.clear()
        self._thread.shutdown(wait=True)
        self._thread = None
        if self._admin is not None:
            self._admin.close()
            self._admin = None


_DATABASES = _TestDatabases()


def _database(template: str | None) -> Iterator[str]:
    name = _DATABASES.take(template)
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        _DATABASES.give_back(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty store on each backend: a copy of the session's template, so no test migrates."""
    data_dir = tmp_path / "var"
    if request.param == "postgresql":
        url: str | None = request.getfixturevalue("pg_store_url")
        data_dir.mkdir()
    else:
        url = None
        data_dir.mkdir()
        shutil.copyfile(request.getfixturevalue("sqlite_template"), data_dir / SQLITE_FILE)
    st = open_store(data_dir, url=url)
    try:
        yield st
    finally:
        st.close()


def answers(**yes: bool) -> dict[str, dict[str, bool]]:
    """A questionnaire document answering every question no, except those given (what a face parses)."""
    return {"answers": {q: bool(yes.get(q, False)) for q in QUESTIONS}}


def write_answers(path: Path, **yes: bool) -> Path:
    """The questionnaire of :func:`answers` written as a JSON file (for the command-line tests)."""
    path.write_text(json.dumps(answers(**yes)))
    return path


def acting(store: Store, user_id: int | None = None) -> ServiceContext:
    """A service context on ``store`` for the acting user ``user_id`` (the single owner when None)."""
    return ServiceContext(store=store, user_id=user_id)
