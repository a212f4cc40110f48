"""Stores for the records tests: a SQLite file, and a fresh database on the PostgreSQL server.

The PostgreSQL server is the one at ``SMP_TEST_POSTGRES`` (default ``postgresql://postgres@127.0.0.1:5432``).
Where none answers the PostgreSQL cases are skipped, unless ``SMP_REQUIRE_POSTGRES=1`` (set by CI), where
they fail instead.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from smpstudio.records.store import Store, open_store
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


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    name = f"smp_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    st = open_store(tmp_path / "var", url=url, create=True)
    try:
        yield st
    finally:
        st.close()


def write_answers(path: Path, **yes: bool) -> Path:
    answers = {q: bool(yes.get(q, False)) for q in QUESTIONS}
    path.write_text(json.dumps({"answers": answers}))
    return path


def acting(store: Store, user_id: int | None = None) -> ServiceContext:
    """A service context on ``store`` for the acting user ``user_id`` (the single owner when None)."""
    return ServiceContext(store=store, user_id=user_id)
