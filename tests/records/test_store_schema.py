"""The store itself: migrations, pragmas, a missing store, and the revision a store may be opened at."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from smpstudio.records.store import (
    HEAD_REVISION,
    REVISIONS,
    Store,
    StoreError,
    alembic_config,
    open_store,
    upgrade_store,
)


def test_alembic_head_is_the_revision_the_store_expects() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert script.get_heads() == [HEAD_REVISION]
    assert tuple(reversed([r.revision for r in script.walk_revisions()])) == REVISIONS


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
    with pytest.raises(StoreError, match="no store in") as caught:
        open_store(tmp_path / "nothing-here")
    assert caught.value.code == "store_missing" and caught.value.exit_code == 3
    assert "smp" not in caught.value.message  # the face adds its own hint
    assert not (tmp_path / "nothing-here").exists()


def _reopen(store: Store) -> tuple[Path, str | None]:
    """Where ``store`` lives, to open it again (its URL on PostgreSQL, None for the SQLite file)."""
    return store.data_dir, None if store.dialect == "sqlite" else store.url


def test_an_empty_database_becomes_a_store_in_one_step(pg_url: str, tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        open_store(tmp_path / "var", url=pg_url)
    assert caught.value.code == "store_missing"
    st = open_store(tmp_path / "var", url=pg_url, create=True)
    try:
        assert st.revision() == HEAD_REVISION
    finally:
        st.close()


def test_an_outdated_store_is_refused_until_upgraded(store: Store) -> None:
    """A store at an older revision (here: base, its history kept) opens only after an upgrade."""
    data_dir, url = _reopen(store)
    store.downgrade("base")
    store.close()
    for create in (False, True):  # creating a store never upgrades an existing one either
        with pytest.raises(StoreError, match="needs an upgrade") as caught:
            open_store(data_dir, url=url, create=create)
        assert caught.value.code == "store_outdated" and caught.value.kind == "busy"
        assert caught.value.detail == {"revision": None, "head": HEAD_REVISION}
    assert upgrade_store(data_dir, url=url) == (None, HEAD_REVISION)
    assert upgrade_store(data_dir, url=url) == (HEAD_REVISION, HEAD_REVISION)  # nothing left to do
    open_store(data_dir, url=url).close()


def test_a_store_from_a_newer_release_is_refused(store: Store) -> None:
    data_dir, url = _reopen(store)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    store.close()
    with pytest.raises(StoreError, match="does not know") as caught:
        open_store(data_dir, url=url)
    assert caught.value.code == "store_too_new"
    with pytest.raises(StoreError) as again:
        upgrade_store(data_dir, url=url)
    assert again.value.code == "store_too_new"


def test_upgrading_a_missing_store_does_not_create_one(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        upgrade_store(tmp_path / "var")
    assert caught.value.code == "store_missing" and not (tmp_path / "var").exists()


def test_the_files_url_is_the_callers_choice(tmp_path: Path) -> None:
    st = open_store(tmp_path / "var", files_url="memory://smp-test-files", create=True)
    try:
        sha = st.files.put(b"x")
        assert st.files.get(sha) == b"x" and not (tmp_path / "var" / "files").exists()
    finally:
        st.close()


def test_two_upgrades_at_once_migrate_once(store: Store) -> None:
    """Two processes upgrading together (a deploy on two workers): one migrates, the other finds it done."""
    from concurrent.futures import ThreadPoolExecutor

    data_dir, url = _reopen(store)
    store.downgrade("base")
    store.close()
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: upgrade_store(data_dir, url=url), range(2)))
    assert sorted(results, key=str) == sorted(
        [(None, HEAD_REVISION), (HEAD_REVISION, HEAD_REVISION)], key=str
    )
    open_store(data_dir, url=url).close()


def test_the_migrated_schema_is_the_models_schema(store: Store) -> None:
    """Alembic's comparison of the migrated database with the models finds nothing to change."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from smpstudio.records.models import Base

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_a_store_of_revision_0001_with_records_upgrades_and_keeps_them(store: Store) -> None:
    """The real path of an existing clinic: records written at 0001, then ``db upgrade`` to the head."""
    from sqlalchemy import text

    data_dir, url = _reopen(store)
    store.downgrade("0001")
    at = "'2026-01-01 00:00:00+00:00'"
    with store.engine.begin() as conn:
        for sql in (
            f"INSERT INTO clinics (id, name, jurisdiction, retention_years, created_at) "
            f"VALUES (1, 'Old Clinic', 'default', 6, {at})",
            f"INSERT INTO users (id, clinic_id, name, role, active, created_at) "
            f"VALUES (7, 1, 'Owner', 'owner', true, {at})",
            f"INSERT INTO consent_texts (id, kind, version, body, sha256, created_at) "
            f"VALUES (1, 'treatment', '1', 'text', 'x', {at})",
            # Rows pointing at the users and clinics tables, which the upgrade rebuilds on SQLite.
            f"INSERT INTO certifications (id, user_id, kind, expires_on, created_at) "
            f"VALUES (1, 7, 'smp-training', '2030-01-01', {at})",
            f"INSERT INTO clients (id, clinic_id, name, created_at) VALUES (1, 1, 'A', {at})",
        ):
            conn.execute(text(sql))
    store.close()
    assert upgrade_store(data_dir, url=url) == ("0001", HEAD_REVISION)
    upgraded = open_store(data_dir, url=url)
    try:
        with upgraded.engine.connect() as conn:
            meta = dict(conn.execute(text("SELECT key, value FROM store_meta")).all())
            assert meta["admin_user_id"] == "7" and len(meta["store_id"]) == 32
            assert conn.execute(text("SELECT timezone FROM clinics")).scalar_one() == "UTC"
            assert conn.execute(text("SELECT clinic_id FROM consent_texts")).scalar_one() is None
            assert conn.execute(text("SELECT user_id FROM certifications")).scalar_one() == 7
        assert upgraded.integrity_check() == []
        upgraded.downgrade("0001")  # and back, with the rows in place
        assert upgraded.revision() == "0001"
    finally:
        upgraded.close()
