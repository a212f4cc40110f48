"""The studio's side of the jobs: asking for a backup, an export or a render (API and pages), the list
that polls while a job waits, the download once the worker is done, another clinic's job answering as a
missing one, and a queue that cannot be reached."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import replace

import pytest

from smpstudio.records.clinic_day import Job
from smpstudio.records.sealing import MAGIC
from smpstudio.services import clients
from smpstudio.worker.queue import QUEUE_FILE, build_queue
from smpstudio.worker.tasks import Tasks
from tests.web.conftest import SECRET, World, ctx_for
from tests.web.conftest import world as world
from tests.web.conftest import world_template as world_template
from tests.web.populated import design_document

PASSPHRASE = "a passphrase for the clinic's backups"


@pytest.fixture
def worker(world: World) -> Iterator[Tasks]:
    """The worker's side of the world's queue (run by :func:`_work` in this process)."""
    settings = world.app.state.studio.settings
    tasks = build_queue(settings, opener=lambda s: replace(ctx_for(world.store), secret=SECRET))
    yield tasks
    tasks.huey.storage.close()


def _work(tasks: Tasks) -> int:
    """Run every job waiting in the queue, as ``smp worker`` would; returns how many were run."""
    ran = 0
    while (task := tasks.huey.dequeue()) is not None:
        tasks.huey.execute(task)
        ran += 1
    return ran


def _job(world: World, job_id: int) -> Job:
    def read(db: object) -> Job:
        job = db.get(Job, job_id)  # type: ignore[attr-defined]
        db.expunge_all()  # type: ignore[attr-defined]
        return job  # type: ignore[no-any-return]

    return world.store.read(read)


def test_an_export_is_asked_for_done_by_the_worker_and_downloaded(world: World, worker: Tasks) -> None:
    owner = world.signed_in("owner")
    asked = owner.post("/api/v1/jobs", json={"kind": "export", "client_id": world.client})
    assert asked.status_code == 202, asked.text
    job_id = asked.json()["id"]
    listed = owner.get("/api/v1/jobs").json()
    assert listed["busy"] and listed["jobs"][0]["id"] == job_id and listed["jobs"][0]["status"] == "queued"
    assert owner.get(f"/api/v1/jobs/{job_id}/download").json()["code"] == "job_not_ready"
    assert _work(worker) == 1
    detail = owner.get(f"/api/v1/jobs/{job_id}").json()
    assert detail["status"] == "done" and detail["ready"] and detail["params"] == {"client_id": world.client}
    for path in (f"/api/v1/jobs/{job_id}/download", f"/jobs/{job_id}/download"):
        got = owner.get(path)
        assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
        assert f"smpstudio-job-{job_id}-export.zip" in got.headers["content-disposition"]
        with zipfile.ZipFile(io.BytesIO(got.content)) as archive:
            assert "record.json" in archive.namelist()


def test_another_clinics_job_is_not_found(world: World, worker: Tasks) -> None:
    owner = world.signed_in("owner")
    job_id = owner.post("/api/v1/jobs", json={"kind": "export", "client_id": world.client}).json()["id"]
    _work(worker)
    other = world.signed_in("other")
    for path in (f"/api/v1/jobs/{job_id}", f"/api/v1/jobs/{job_id}/download"):
        answer = other.get(path)
        assert answer.status_code == 404 and answer.json()["kind"] == "not_found"
    page = other.get(f"/jobs/{job_id}/download")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert other.get("/api/v1/jobs").json()["jobs"] == []
    theirs = other.post("/api/v1/jobs", json={"kind": "export", "client_id": world.client})
    assert theirs.status_code == 404


def test_a_backups_passphrase_is_kept_by_neither_the_job_nor_the_queue(world: World, worker: Tasks) -> None:
    owner = world.signed_in("owner")
    asked = owner.post("/api/v1/jobs", json={"kind": "backup", "passphrase": PASSPHRASE})
    assert asked.status_code == 202, asked.text
    job_id = asked.json()["id"]
    assert _job(world, job_id).params == {"encrypted": True}
    data_dir = world.app.state.studio.settings.data_dir
    queue_files = list(data_dir.glob(f"{QUEUE_FILE}*"))
    assert queue_files and not any(PASSPHRASE.encode() in p.read_bytes() for p in queue_files)
    _work(worker)
    got = owner.get(f"/api/v1/jobs/{job_id}/download")
    assert got.status_code == 200 and got.content.startswith(MAGIC)
    assert f"smpstudio-job-{job_id}-backup.smpseal" in got.headers["content-disposition"]


def test_the_jobs_page_backs_up_and_polls_while_a_job_waits(world: World, worker: Tasks) -> None:
    owner = world.signed_in("owner")
    empty = owner.get("/jobs")
    assert (
        empty.status_code == 200 and "No background jobs yet" in empty.text and "hx-trigger" not in empty.text
    )
    differ = owner.post("/jobs/backup", data={"passphrase": "one", "passphrase_again": "two"})
    assert differ.status_code == 422 and "the two passphrases differ" in differ.text
    done = owner.post("/jobs/backup", data={"passphrase": "", "passphrase_again": ""})
    assert done.status_code == 303 and done.headers["location"] == "/jobs"
    waiting = owner.get("/jobs")
    assert 'hx-get="/jobs/list"' in waiting.text and "every 3s" in waiting.text
    assert "waiting" in waiting.text and "Backup of the store" in waiting.text
    _work(worker)
    fragment = owner.get("/jobs/list")
    assert fragment.status_code == 200 and "hx-get" not in fragment.text and "Download" in fragment.text
    assert "<html" not in fragment.text


def test_an_export_from_the_clients_record(world: World, worker: Tasks) -> None:
    owner = world.signed_in("owner")
    record = owner.get(f"/clients/{world.client}")
    assert f'action="/clients/{world.client}/export-job"' in record.text
    assert 'href="/jobs"' in owner.get("/settings").text
    asked = owner.post(f"/clients/{world.client}/export-job", data={})
    assert asked.status_code == 303 and asked.headers["location"] == "/jobs"
    assert owner.post(f"/clients/{world.other_client}/export-job", data={}).status_code == 404
    prac = world.signed_in("practitioner")
    assert "export-job" not in prac.get(f"/clients/{world.client}").text
    assert 'href="/jobs"' not in prac.get("/settings").text
    assert prac.get("/jobs").status_code == 403


def test_a_practitioner_renders_a_design_and_sees_only_their_jobs(world: World, worker: Tasks) -> None:
    clients.add_design(
        ctx_for(world.store, world.users["practitioner"]),
        clients.AddDesignRequest.of(client_id=world.client, document=design_document()),
    )
    world.signed_in("owner").post("/api/v1/jobs", json={"kind": "export", "client_id": world.client})
    prac = world.signed_in("practitioner")
    asked = prac.post(f"/api/v1/clients/{world.client}/designs/1/render", json={"size_px": 64})
    assert asked.status_code == 202, asked.text
    job_id = asked.json()["id"]
    assert [j["id"] for j in prac.get("/api/v1/jobs").json()["jobs"]] == [job_id]
    bad = prac.post(f"/api/v1/clients/{world.client}/designs/1/render", json={"look": "glossy"})
    assert bad.status_code == 422 and bad.json()["field"] == "look"
    missing = prac.post(f"/api/v1/clients/{world.client}/designs/9/render")
    assert missing.status_code == 422 and missing.json()["field"] == "design_version"
    assert (
        world.signed_in("front-desk").post(f"/api/v1/clients/{world.client}/designs/1/render").status_code
        == 403
    )
    assert _work(worker) == 2
    got = prac.get(f"/api/v1/jobs/{job_id}/download")
    assert got.status_code == 200 and got.headers["content-type"] == "image/png"


def test_a_queue_that_cannot_be_reached_fails_the_job(world: World) -> None:
    studio = world.app.state.studio
    closed = studio.settings.model_copy(update={"queue_url": "redis://127.0.0.1:1/0"})
    world.app.state.studio = replace(studio, settings=closed)
    owner = world.signed_in("owner")
    answer = owner.post("/api/v1/jobs", json={"kind": "export", "client_id": world.client})
    assert answer.status_code == 503 and answer.json()["code"] == "queue_unreachable"
    job = owner.get("/api/v1/jobs").json()["jobs"][0]
    assert job["status"] == "failed" and job["error"] == "the job queue could not be reached"
