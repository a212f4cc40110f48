"""The jobs' upkeep: a result is kept ``job_result_days`` and then removed, an erased client's export goes at
the next upkeep, a job whose worker stopped while running it is ended with a reason, and a half-written
result a stopped worker left is removed; every change is audited."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from smpstudio.errors import ConflictError, InputError
from smpstudio.records.clinic_day import Job
from smpstudio.records.models import AuditEntry
from smpstudio.services import job_runs, jobs, protection
from smpstudio.services.jobs import JobDetailRequest, JobRequest
from smpstudio.worker.queue import build_queue
from smpstudio.worker.tasks import JOBS_DIR, TIDY_MINUTES, Tasks, result_path, tidy_jobs
from tests.worker.conftest import Clinic


@pytest.fixture
def tasks(clinic: Clinic) -> Tasks:
    return build_queue(clinic.settings, immediate=True, opener=lambda settings: clinic.ctx(None))


def _export(c: Clinic, tasks: Tasks) -> tuple[int, Path]:
    job_id = jobs.request_job(c.ctx(c.owner), JobRequest.of(kind="export", client_id=c.client)).id
    tasks.enqueue_job(job_id)
    path = result_path(c.settings, f"{job_id}-export.zip")
    assert path is not None
    return job_id, path


def _set(c: Clinic, job_id: int, **values: object) -> None:
    def write(db: object) -> None:
        job = db.get(Job, job_id)  # type: ignore[attr-defined]
        for name, value in values.items():
            setattr(job, name, value)

    c.store.write(write)


def _job(c: Clinic, job_id: int) -> tuple[str, str | None, str | None]:
    def read(db: object) -> tuple[str, str | None, str | None]:
        job = db.get(Job, job_id)  # type: ignore[attr-defined]
        return job.status, job.result_name, job.error

    return c.store.read(read)


def _ago(**delta: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(**delta)


def test_a_result_older_than_the_setting_is_removed_and_a_newer_one_kept(
    clinic: Clinic, tasks: Tasks
) -> None:
    old_id, old_path = _export(clinic, tasks)
    new_id, new_path = _export(clinic, tasks)
    _set(clinic, old_id, finished_at=_ago(days=clinic.settings.job_result_days, minutes=1))
    assert tidy_jobs(tasks.worker) == 1
    assert not old_path.exists() and new_path.exists()
    assert _job(clinic, old_id) == ("expired", None, None)
    assert _job(clinic, new_id)[0] == "done"
    with pytest.raises(ConflictError, match="expired"):
        jobs.job_download(clinic.ctx(clinic.owner), JobDetailRequest.of(job_id=old_id))
    assert tidy_jobs(tasks.worker) == 0  # nothing left to do: a second upkeep changes nothing


def test_an_erased_clients_export_goes_at_the_next_upkeep(clinic: Clinic, tasks: Tasks) -> None:
    job_id, path = _export(clinic, tasks)
    protection.erase_client(clinic.ctx(clinic.owner), protection.EraseRequest.of(client_id=clinic.client))
    assert path.exists()  # the erasure does not reach the worker's disk; the upkeep does
    tidy_jobs(tasks.worker)
    assert not path.exists() and _job(clinic, job_id)[0] == "expired"


def test_a_job_whose_worker_stopped_is_ended_with_the_reason(clinic: Clinic, tasks: Tasks) -> None:
    ask = clinic.ctx(clinic.owner)
    stale = jobs.request_job(ask, JobRequest.of(kind="export", client_id=clinic.client)).id
    busy = jobs.request_job(ask, JobRequest.of(kind="export", client_id=clinic.client)).id
    limit_h = job_runs.JOB_RUNNING_LIMIT_H
    _set(clinic, stale, status="running", started_at=_ago(hours=limit_h, minutes=1))
    _set(clinic, busy, status="running", started_at=_ago(hours=limit_h - 1))
    tidy_jobs(tasks.worker)
    assert _job(clinic, stale) == ("failed", None, job_runs.STOPPED_ERROR)
    assert _job(clinic, busy) == ("running", None, None)
    assert job_runs.finish_job(clinic.ctx(None), stale, result_name="late.zip") is None  # too late to finish


def test_a_half_written_result_of_a_stopped_worker_is_removed(clinic: Clinic, tasks: Tasks) -> None:
    _export(clinic, tasks)  # makes the jobs folder
    folder = clinic.store.data_dir / JOBS_DIR
    old, fresh = folder / ".smp-tmp-1-aa.part", folder / ".smp-tmp-2-bb.part"
    for path in (old, fresh):
        path.write_bytes(b"half an export")
    hours_ago = time.time() - (job_runs.JOB_RUNNING_LIMIT_H * 3600 + 60)
    os.utime(old, (hours_ago, hours_ago))
    assert tidy_jobs(tasks.worker) == 1
    assert not old.exists() and fresh.exists()  # a job still running writes the fresh one


def test_each_change_is_audited_under_the_jobs_clinic(clinic: Clinic, tasks: Tasks) -> None:
    job_id, _ = _export(clinic, tasks)
    _set(clinic, job_id, finished_at=_ago(days=400))
    tidy_jobs(tasks.worker)

    def entries(db: object) -> list[tuple[int | None, int | None, str]]:
        rows = db.execute(  # type: ignore[attr-defined]
            select(AuditEntry.actor_id, AuditEntry.clinic_id, AuditEntry.detail).where(
                AuditEntry.entity == "job", AuditEntry.entity_id == str(job_id)
            )
        )
        return [(a, c, str(d)) for a, c, d in rows]

    last = clinic.store.read(entries)[-1]
    assert last[0] is None and "expired" in last[2]


def test_the_setting_is_bounded() -> None:
    with pytest.raises(InputError, match="keep_results_days"):
        job_runs.TidyJobsRequest.of(keep_results_days=0)


def test_the_upkeep_runs_every_quarter_hour(tasks: Tasks) -> None:
    assert TIDY_MINUTES == 15
    upkeep = tasks.tidy_jobs.s()
    due = [upkeep.validate_datetime(dt.datetime(2030, 1, 1, 9, m)) for m in range(31)]
    assert [m for m, yes in enumerate(due) if yes] == [0, 15, 30]
