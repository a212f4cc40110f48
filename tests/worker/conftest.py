"""A clinic for the worker's tests on each store backend (SQLite, PostgreSQL): an owner (the store's
administrator), a practitioner, front desk and a client with a design, and a second clinic with its own
owner and client; and the settings a worker over that store runs with. The studio's secret key is
written where the worker reads it (the data directory)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from smpstudio.records.store import Store
from smpstudio.services import clients, clinics
from smpstudio.services.context import ServiceContext
from smpstudio.settings import Settings
from tests.records.conftest import (  # noqa: F401  (the fixtures)
    acting,
    pg_store_url,
    pg_template,
    sqlite_template,
    store,
)
from tests.records.helpers import setup_clinic
from tests.web.populated import design_document

#: The studio's secret key in these tests (the worker seals and opens passphrases with it).
SECRET = b"w" * 32


@dataclass(frozen=True)
class Clinic:
    store: Store
    settings: Settings
    owner: int
    prac: int
    desk: int
    client: int
    other_owner: int
    other_client: int

    def ctx(self, user: int | None) -> ServiceContext:
        """A context acting as ``user`` with the studio's secret key."""
        return ServiceContext(store=self.store, user_id=user, secret=SECRET)


def settings_for(st: Store) -> Settings:
    """The settings of a worker over the store ``st`` (its data directory; its PostgreSQL URL, if any)."""
    return Settings(data_dir=st.data_dir, database_url=None if st.dialect == "sqlite" else st.url)


@pytest.fixture
def clinic(store: Store, tmp_path: Path) -> Clinic:  # noqa: F811
    ids = setup_clinic(store, tmp_path)
    clients.add_design(
        acting(store, ids["prac"]),
        clients.AddDesignRequest.of(client_id=ids["client"], document=design_document()),
    )
    other = clinics.init_clinic(
        acting(store, ids["owner"]),
        clinics.InitClinicRequest.of(name="Other Clinic", owner_email="owner@other.example.org"),
    ).owner_id
    other_client = clients.add_client(
        acting(store, other), clients.AddClientRequest.of(name="Bo Other", date_of_birth="1970-05-06")
    ).id
    (store.data_dir / "studio-secret.key").write_text(SECRET.hex() + "\n")
    (store.data_dir / "studio-secret.key").chmod(0o600)
    return Clinic(
        store,
        settings_for(store),
        ids["owner"],
        ids["prac"],
        ids["desk"],
        ids["client"],
        other,
        other_client,
    )
