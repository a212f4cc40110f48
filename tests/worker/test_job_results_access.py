"""Who may read a job's result: the same rule as asking for it. A second owner who does not administer the
store neither sees nor downloads the administrator's backup; an erased client's export or render answers
as missing; another user's export stays theirs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from smpstudio.services import accounts, clinics, protection
from smpstudio.worker.queue import build_queue
from smpstudio.worker.tasks import Tasks
from tests.web.conftest import PASSWORD, SECRET, World, ctx_for
from tests.web.conftest import world as world
from tests.web.conftest import world_template as world_template


@pytest.fixture
def worker(world: World) -> Iterator[Tasks]:
    settings = world.app.state.studio.settings
    tasks = build_queue(settings, opener=lambda s: replace(ctx_for(world.store), secret=SECRET))
    yield tasks
    tasks.huey.storage.close()


def _work(tasks: Tasks) -> None:
    while (task := tasks.huey.dequeue()) is not None:
        tasks.huey.execute(task)


def _second_owner(world: World) -> Any:
    """A client signed in as a second owner of clinic A who is not the store's administrator."""
    second = clinics.add_user(
        ctx_for(world.store, world.users["owner"]),
        clinics.AddUserRequest.of(name="Sam Second", role="owner", email="sam@clinic-a.example.org"),
    ).id
    accounts.set_password(
        ctx_for(world.store, second), accounts.SetPasswordRequest.of(user_id=second, password=PASSWORD)
    )
    c = world.anonymous()
    login = c.post("/api/v1/login", json={"email": "sam@clinic-a.example.org", "password": PASSWORD})
    assert login.status_code == 200, login.text
    c.headers["X-CSRF-Token"] = login.json()["csrf_token"]
    return c


def test_a_second_owner_cannot_see_or_download_the_administrators_backup(world: World, worker: Tasks) -> None:
    admin = world.signed_in("owner")
    asked = admin.post("/api/v1/jobs", json={"kind": "backup"})
    assert asked.status_code == 202, asked.text
    job_id = asked.json()["id"]
    _work(worker)
    assert admin.get(f"/api/v1/jobs/{job_id}/download").status_code == 200
    second = _second_owner(world)
    assert second.post("/api/v1/jobs", json={"kind": "backup"}).status_code == 403
    for path in (f"/api/v1/jobs/{job_id}", f"/api/v1/jobs/{job_id}/download", f"/jobs/{job_id}/download"):
        answer = second.get(path)
        assert answer.status_code == 404, (path, answer.status_code)
        assert b"PK" not in answer.content[:4]
    assert job_id not in [j["id"] for j in second.get("/api/v1/jobs").json()["jobs"]]
    assert job_id in [j["id"] for j in admin.get("/api/v1/jobs").json()["jobs"]]


def test_a_second_owner_still_downloads_an_export(world: World, worker: Tasks) -> None:
    admin = world.signed_in("owner")
    job_id = admin.post("/api/v1/jobs", json={"kind": "export", "client_id": world.client}).json()["id"]
    _work(worker)
    second = _second_owner(world)
    assert second.get(f"/api/v1/jobs/{job_id}/download").status_code == 200


def test_an_erased_clients_export_is_no_longer_downloadable(world: World, worker: Tasks) -> None:
    owner = world.signed_in("owner")
    job_id = owner.post("/api/v1/jobs", json={"kind": "export", "client_id": world.client}).json()["id"]
    _work(worker)
    assert owner.get(f"/api/v1/jobs/{job_id}/download").status_code == 200
    protection.erase_client(
        ctx_for(world.store, world.users["owner"]), protection.EraseRequest.of(client_id=world.client)
    )
    for path in (f"/api/v1/jobs/{job_id}", f"/api/v1/jobs/{job_id}/download", f"/jobs/{job_id}/download"):
        answer = owner.get(path)
        assert answer.status_code == 404, (path, answer.status_code)
        assert "Alex Doe" not in answer.text
