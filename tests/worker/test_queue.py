"""The queue for real: a private SQLite file beside the store that holds no passphrase in clear; jobs
queued while no worker runs are done once a worker starts (on a SQLite and a PostgreSQL store), a job
delivered twice runs once; and the same over Redis (``SMP_QUEUE_URL``)."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from smpstudio.records.clinic_day import Job
from smpstudio.records.models import AuditEntry
from smpstudio.services import jobs
from smpstudio.services.jobs import JobRequest
from smpstudio.settings import Settings
from smpstudio.worker.queue import QUEUE_FILE, build_queue, queue_location
from smpstudio.worker.tasks import Tasks, result_path
from tests.cli import CLEARED_ENV, SMP
from tests.worker.conftest import Clinic

PASSPHRASE = "correct horse battery staple, twice"
#: The longest a started worker may take to finish the few small jobs queued for it. [s]
WORKER_WAIT_S = 90.0
REDIS_URL = os.environ.get("SMP_TEST_REDIS", "redis://127.0.0.1:6379/15")


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENV}
    env["SMP_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        env["SMP_DATABASE_URL"] = settings.database_url
    if settings.queue_url:
        env["SMP_QUEUE_URL"] = settings.queue_url
    return env


def _start_worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [*SMP, "worker", "--workers", "2"], env=_env(settings), stdout=out, stderr=subprocess.STDOUT
        )


def _stop_worker(proc: subprocess.Popen[bytes]) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise


def _wait_for(check: Callable[[], bool], what: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + WORKER_WAIT_S
    while time.monotonic() < deadline:
        if check():
            return
        if proc.poll() is not None:
            pytest.fail(f"the worker exited ({proc.returncode}) before {what}: {log.read_text()[-2000:]}")
        time.sleep(0.2)
    pytest.fail(f"{what} took over {WORKER_WAIT_S} s: {log.read_text()[-2000:]}")


def _statuses(c: Clinic, ids: list[int]) -> dict[int, str]:
    return c.store.read(lambda db: {j.id: j.status for j in db.scalars(select(Job).where(Job.id.in_(ids)))})


def _claims(c: Clinic, job_id: int) -> int:
    query = select(AuditEntry).where(AuditEntry.entity == "job", AuditEntry.entity_id == str(job_id))
    entries = c.store.read(lambda db: [json.loads(e.detail or "{}") for e in db.scalars(query)])
    return sum(1 for d in entries if d.get("status") == "running")


@pytest.fixture
def queued(clinic: Clinic) -> Iterator[Tasks]:
    """The SQLite queue beside the clinic's store, as the studio's web face uses it (no worker runs)."""
    tasks = build_queue(clinic.settings)
    yield tasks
    tasks.huey.storage.close()


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_the_queue_file_is_private_and_holds_no_passphrase(clinic: Clinic, queued: Tasks) -> None:
    owner = clinic.ctx(clinic.owner)
    job_id = jobs.request_job(owner, JobRequest.of(kind="backup", encrypted=True)).id
    queued.enqueue_job(job_id, jobs.seal_secret(owner, PASSPHRASE))
    assert queued.huey.pending_count() == 1
    files = [p for p in clinic.store.data_dir.iterdir() if p.name.startswith(QUEUE_FILE)]
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files), files
    assert not any(PASSPHRASE.encode() in p.read_bytes() for p in files)
    assert not any(PASSPHRASE.encode() in p.read_bytes() for p in clinic.store.data_dir.glob("smpstudio*"))


def test_jobs_queued_before_the_worker_starts_run_once_it_does(
    clinic: Clinic, queued: Tasks, tmp_path: Path
) -> None:
    owner = clinic.ctx(clinic.owner)
    export = jobs.request_job(owner, JobRequest.of(kind="export", client_id=clinic.client)).id
    render = jobs.request_job(
        clinic.ctx(clinic.prac),
        JobRequest.of(kind="render", client_id=clinic.client, design_version=1, size_px=64),
    ).id
    queued.enqueue_job(export)
    queued.enqueue_job(export)  # delivered twice: runs once
    queued.enqueue_job(render)
    ids = [export, render]
    if clinic.store.dialect == "sqlite":  # a PostgreSQL backup needs the server's dump tool
        backup = jobs.request_job(owner, JobRequest.of(kind="backup", encrypted=True)).id
        queued.enqueue_job(backup, jobs.seal_secret(owner, PASSPHRASE))
        ids.append(backup)
    queued.huey.storage.close()  # the studio stopped; nothing has run
    assert set(_statuses(clinic, ids).values()) == {"queued"}

    log = tmp_path / "worker.log"
    proc = _start_worker(clinic.settings, log)
    try:
        _wait_for(lambda: set(_statuses(clinic, ids).values()) == {"done"}, "the jobs were done", proc, log)
    finally:
        code = _stop_worker(proc)
    text = log.read_text()
    assert code == 0, text
    assert "smpstudio worker stopped" in text
    assert _claims(clinic, export) == 1
    assert f"job {export}: not queued any more; nothing to do" in text
    assert result_path(clinic.settings, f"{export}-export.zip") is not None
    assert result_path(clinic.settings, f"{render}-render.png") is not None
    for secret in ("Alex", "a@example.org", PASSPHRASE):  # the log names jobs, never client data
        assert secret not in text


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_a_redis_queue_carries_jobs_to_the_worker(clinic: Clinic, tmp_path: Path) -> None:
    if not _redis_reachable():
        if os.environ.get("SMP_REQUIRE_REDIS"):
            pytest.fail(f"Redis required but not reachable at {REDIS_URL}")
        pytest.skip(f"no Redis server at {REDIS_URL}")
    settings = clinic.settings.model_copy(update={"queue_url": REDIS_URL})
    tasks = build_queue(settings)
    tasks.huey.flush()
    try:
        job_id = jobs.request_job(
            clinic.ctx(clinic.owner), JobRequest.of(kind="export", client_id=clinic.client)
        ).id
        tasks.enqueue_job(job_id)
        tasks.enqueue_job(job_id)
        assert tasks.huey.pending_count() == 2
        assert not (clinic.store.data_dir / QUEUE_FILE).exists()
        log = tmp_path / "worker.log"
        proc = _start_worker(settings, log)
        try:
            _wait_for(lambda: _statuses(clinic, [job_id]) == {job_id: "done"}, "the job was done", proc, log)
            _wait_for(lambda: tasks.huey.pending_count() == 0, "the queue was emptied", proc, log)
        finally:
            code = _stop_worker(proc)
        assert code == 0, log.read_text()
        assert f"on the queue {queue_location(settings)}" in log.read_text()
        assert _claims(clinic, job_id) == 1
    finally:
        tasks.huey.flush()


def test_an_unsupported_queue_url_is_refused(tmp_path: Path) -> None:
    from smpstudio.errors import InputError

    with pytest.raises(InputError) as refused:
        build_queue(Settings(data_dir=tmp_path, queue_url="amqp://127.0.0.1/"))
    assert refused.value.field == "queue_url"


def test_the_worker_refuses_a_missing_store(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENV}
    ran = subprocess.run(
        [*SMP, "--data-dir", str(tmp_path / f"none-{uuid.uuid4().hex[:6]}"), "worker"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 3 and "no store" in ran.stderr, ran.stderr
