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
from pathlib import Path

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


def _database(template: str | None) -> Iterator[str]:
    name = f"smp_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


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
