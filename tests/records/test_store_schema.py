"""The store itself: migrations, pragmas, a missing store."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from smpstudio.records.store import HEAD_REVISION, Store, alembic_config, open_store


def test_alembic_head_is_the_revision_the_store_expects() -> None:
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads() == [HEAD_REVISION]


def test_migrations_up_from_empty_and_down_again(store: Store) -> None:
    assert store.revision() == HEAD_REVISION
    with store.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    assert {"clients", "sessions", "lots", "audit_log", "consents", "sterilisation_cycles"} <= tables
    store.downgrade("base")
    with store.engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    store.upgrade()
    assert store.revision() == HEAD_REVISION


def test_sqlite_store_runs_wal_with_foreign_keys(tmp_path: Path) -> None:
    st = open_store(tmp_path / "v", create=True)
    with st.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    st.close()


def test_a_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    from smpstudio.records.store import StoreError

    with pytest.raises(StoreError, match="clinic init"):
        open_store(tmp_path / "nothing-here")
