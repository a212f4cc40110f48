"""The store's schema services, called directly: where a store stands (``database_state``) and its
upgrade (``upgrade_database``) for a current, an outdated, a too new and a missing store, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from smpstudio.errors import AccessError
from smpstudio.records.models import Client
from smpstudio.records.store import HEAD_REVISION, Store, StoreError, open_store
from smpstudio.services.database import database_state, upgrade_database
from smpstudio.settings import Settings
from tests.records.helpers import setup_clinic


def _settings(store: Store, user: int | None = None) -> Settings:
    return Settings(
        data_dir=store.data_dir, database_url=None if store.dialect == "sqlite" else store.url, user=user
    )


def test_a_current_store_is_up_to_date_and_its_upgrade_changes_nothing(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    state = database_state(_settings(store))
    assert state.to_json() == {
        "revision": HEAD_REVISION,
        "head": HEAD_REVISION,
        "status": "current",
        "up_to_date": True,
    }
    done = upgrade_database(_settings(store, ids["owner"]))
    assert done.to_json() == {"from_revision": HEAD_REVISION, "to_revision": HEAD_REVISION, "upgraded": False}
    assert store.revision() == HEAD_REVISION


def test_an_outdated_store_is_upgraded_by_its_administrator_only(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    data_dir, url = store.data_dir, None if store.dialect == "sqlite" else store.url
    store.downgrade("0001")  # the store an earlier release left, its records in place
    store.close()
    settings = Settings(data_dir=data_dir, database_url=url)
    state = database_state(settings)
    assert (state.revision, state.head, state.status, state.up_to_date) == (
        "0001",
        HEAD_REVISION,
        "outdated",
        False,
    )
    with pytest.raises(AccessError) as refused:  # a practitioner is not the store's administrator
        upgrade_database(settings.model_copy(update={"user": ids["prac"]}))
    assert refused.value.code == "not_administrator"
    assert database_state(settings).revision == "0001"  # nothing changed
    done = upgrade_database(settings.model_copy(update={"user": ids["owner"]}))
    assert (done.from_revision, done.to_revision, done.upgraded) == ("0001", HEAD_REVISION, True)
    assert database_state(settings).status == "current"
    upgraded = open_store(data_dir, url=url)
    try:
        assert upgraded.read(lambda db: db.scalar(select(func.count()).select_from(Client))) == 1
    finally:
        upgraded.close()


def test_a_store_a_newer_release_wrote_is_too_new_and_not_upgraded(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    state = database_state(_settings(store))
    assert (state.revision, state.status, state.up_to_date) == ("9999_future", "too_new", False)
    with pytest.raises(StoreError) as refused:
        upgrade_database(_settings(store))
    assert refused.value.code == "store_too_new"
    assert database_state(_settings(store)).revision == "9999_future"


def test_a_missing_sqlite_store_is_refused_and_not_created(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "nothing-here")
    for call in (database_state, upgrade_database):
        with pytest.raises(StoreError) as missing:
            call(settings)
        assert missing.value.code == "store_missing" and missing.value.exit_code == 3
    assert not (tmp_path / "nothing-here").exists()


def test_a_postgresql_database_without_a_store_is_refused(pg_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url=pg_url)
    for call in (database_state, upgrade_database):
        with pytest.raises(StoreError) as missing:
            call(settings)
        assert missing.value.code == "store_missing"
