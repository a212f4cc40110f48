"""A studio over a fresh store for each web test: one clinic with an owner, a practitioner and front desk
(each with an e-mail and password), a second clinic with its own owner, and clients signed in as each.

``world.signed_in(role)`` is a test client holding that user's session cookie and sending its CSRF token;
``world.bearer(role)`` one that sends a personal API token instead.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from smpstudio.records.store import SQLITE_FILE, Store, open_store
from smpstudio.services import accounts, api_tokens, clients, clinics
from smpstudio.services.context import ServiceContext
from smpstudio.settings import Settings
from smpstudio.web.app import create_app
from smpstudio.web.state import Studio
from tests.records.conftest import sqlite_template  # noqa: F401  (the fixture)

PASSWORD = "correct horse battery"
EMAILS = {
    "owner": "owner@clinic-a.example.org",
    "practitioner": "prac@clinic-a.example.org",
    "front-desk": "desk@clinic-a.example.org",
    "other": "owner@clinic-b.example.org",
}
ROLES = ("owner", "practitioner", "front-desk")


def ctx_for(store: Store, user_id: int | None = None) -> ServiceContext:
    return ServiceContext(store=store, user_id=user_id)


@dataclass
class World:
    """The app, its store and the people in it."""

    app: Any
    store: Store
    users: dict[str, int]
    clinic: int
    other_clinic: int
    client: int
    other_client: int
    _clients: list[TestClient] = field(default_factory=list)

    def anonymous(self) -> TestClient:
        c = TestClient(self.app, raise_server_exceptions=False, follow_redirects=False)
        self._clients.append(c)
        return c

    def signed_in(self, role: str) -> TestClient:
        """A client signed in as ``role`` ('owner', 'practitioner', 'front-desk' or 'other': the second
        clinic's owner), sending the session's CSRF token on every request."""
        c = self.anonymous()
        answer = c.post("/api/v1/login", json={"email": EMAILS[role], "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        c.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        return c

    def bearer(self, role: str) -> TestClient:
        token = api_tokens.issue_token(
            ctx_for(self.store, self.users[role]), api_tokens.IssueTokenRequest.of(user_id=self.users[role])
        ).token
        c = self.anonymous()
        c.headers["Authorization"] = f"Bearer {token}"
        return c

    def today(self) -> dt.date:
        """Today for the app: the date of its context's clock, read when a test asks (so a run that crosses
        midnight compares with the app's own today, never a date taken when the module was imported)."""
        return self.app.state.studio.context.today()

    def close(self) -> None:
        for c in self._clients:
            c.close()


@dataclass(frozen=True)
class Ids:
    users: dict[str, int]
    clinic: int
    other_clinic: int
    client: int
    other_client: int


def populate(store: Store) -> Ids:
    owner = clinics.init_clinic(
        ctx_for(store), clinics.InitClinicRequest.of(name="Clinic A", owner_email=EMAILS["owner"])
    )
    as_owner = ctx_for(store, owner.owner_id)
    users = {"owner": owner.owner_id}
    for role, name in (("practitioner", "Pat Practitioner"), ("front-desk", "Fran Desk")):
        users[role] = clinics.add_user(
            as_owner,
            clinics.AddUserRequest.of(name=name, role=role, email=EMAILS[role], certified_until="2999-01-01"),
        ).id
    other = clinics.init_clinic(
        as_owner, clinics.InitClinicRequest.of(name="Clinic B", owner_email=EMAILS["other"])
    )
    users["other"] = other.owner_id
    for user_id in users.values():
        accounts.set_password(
            ctx_for(store, user_id), accounts.SetPasswordRequest.of(user_id=user_id, password=PASSWORD)
        )
    client = clients.add_client(
        as_owner,
        clients.AddClientRequest.of(
            name="Alex Doe", date_of_birth="1980-01-02", email="alex@example.org", skin_type="III"
        ),
    ).id
    other_client = clients.add_client(
        ctx_for(store, other.owner_id),
        clients.AddClientRequest.of(name="Bo Other", date_of_birth="1975-05-05", skin_type="II"),
    ).id
    return Ids(users, owner.clinic_id, other.clinic_id, client, other_client)


@pytest.fixture(scope="session")
def world_template(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> tuple[Path, Ids]:  # noqa: F811
    """The populated store, made once per test session (passwords are slow to hash); tests get a copy."""
    data_dir = tmp_path_factory.mktemp("world") / "var"
    data_dir.mkdir()
    shutil.copyfile(sqlite_template, data_dir / SQLITE_FILE)
    store = open_store(data_dir)
    try:
        ids = populate(store)
    finally:
        store.close()
    return data_dir, ids


SECRET = b"k" * 32
#: The test client calls itself "testserver".
TEST_SETTINGS = Settings(allowed_hosts="testserver,localhost,127.0.0.1")
_APPS: list[Any] = []


def shared_app() -> Any:
    """One app per test process: building one costs about a second (FastAPI resolves its routes on first
    use), so each test points the same app at its own store (``app.state.studio``)."""
    if not _APPS:
        _APPS.append(create_app(TEST_SETTINGS, ServiceContext(), secret=SECRET))
    return _APPS[0]


@pytest.fixture
def world(tmp_path: Path, world_template: tuple[Path, Ids]) -> Iterator[World]:
    source, ids = world_template
    data_dir = tmp_path / "var"
    shutil.copytree(source, data_dir)
    store = open_store(data_dir)
    app = shared_app()
    settings = TEST_SETTINGS.model_copy(update={"data_dir": data_dir})
    app.state.studio = Studio(settings=settings, context=ctx_for(store), secret=SECRET)
    w = World(app, store, dict(ids.users), ids.clinic, ids.other_clinic, ids.client, ids.other_client)
    try:
        yield w
    finally:
        w.close()
        store.close()
