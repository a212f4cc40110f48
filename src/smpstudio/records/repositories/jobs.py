"""Queries of the background jobs: adding one, reading one or a clinic's list, the worker's claim (one
conditional ``UPDATE``: a second delivery of the same job claims nothing) and its end."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session as Db

from smpstudio.records.clinic_day import Job
from smpstudio.records.models import Client

__all__ = [
    "add_job",
    "claim_job",
    "clinic_jobs",
    "end_stale_jobs",
    "expire_results",
    "finish_job",
    "get_job",
]


def add_job(db: Db, clinic_id: int, requested_by: int | None, kind: str, params: dict[str, Any]) -> Job:
    """Insert a queued job."""
    job = Job(clinic_id=clinic_id, requested_by=requested_by, kind=kind, params=params, status="queued")
    db.add(job)
    db.flush()
    return job


def get_job(db: Db, job_id: int) -> Job | None:
    """The job ``job_id`` of any clinic (the caller checks the clinic)."""
    return db.get(Job, job_id)


def clinic_jobs(
    db: Db, clinic_id: int, *, requested_by: int | None = None, with_backups: bool = True, limit: int = 50
) -> list[Job]:
    """The clinic's newest jobs first (only those ``requested_by`` asked for, when given; no backups
    unless ``with_backups``)."""
    query = select(Job).where(Job.clinic_id == clinic_id)
    if requested_by is not None:
        query = query.where(Job.requested_by == requested_by)
    if not with_backups:
        query = query.where(Job.kind != "backup")
    return list(db.scalars(query.order_by(Job.id.desc()).limit(limit)))


def claim_job(db: Db, job_id: int, now: dt.datetime) -> Job | None:
    """Mark the queued job ``job_id`` running and return it; None when it is not queued (already claimed
    by another delivery, finished, or missing). One conditional ``UPDATE``: of two concurrent claims, the
    database lets exactly one change the row."""
    changed = db.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "queued")
        .values(status="running", started_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if changed != 1:
        return None
    job = db.get(Job, job_id)
    if job is not None:
        db.refresh(job)
    return job


def finish_job(
    db: Db, job_id: int, now: dt.datetime, *, result_name: str | None, error: str | None
) -> Job | None:
    """Mark the running job ``job_id`` done (with the name of what it made) or failed (with its error);
    None when it is not running."""
    changed = db.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "running")
        .values(
            status="failed" if error is not None else "done",
            result_name=result_name,
            error=error,
            finished_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if changed != 1:
        return None
    job = db.get(Job, job_id)
    if job is not None:
        db.refresh(job)
    return job


def end_stale_jobs(db: Db, started_before: dt.datetime, now: dt.datetime, error: str) -> list[Job]:
    """Mark failed, with ``error``, every job still running that started before ``started_before`` (its
    worker stopped while running it); returns them."""
    stale = list(db.scalars(select(Job).where(Job.status == "running", Job.started_at < started_before)))
    for job in stale:
        job.status, job.error, job.finished_at = "failed", error, now
    db.flush()
    return stale


def expire_results(db: Db, finished_before: dt.datetime, now: dt.datetime) -> list[tuple[Job, str]]:
    """Mark ``expired`` every finished job whose result is older than ``finished_before``, or belongs to a
    client erased since (an export or a render of their record); returns each job with its result's name,
    the file to remove."""
    done = db.scalars(select(Job).where(Job.status == "done", Job.result_name.is_not(None)))
    jobs = list(done)
    client_ids = {int(j.params["client_id"]) for j in jobs if j.params.get("client_id") is not None}
    erased = set(
        db.scalars(select(Client.id).where(Client.id.in_(client_ids), Client.erased_at.is_not(None)))
        if client_ids
        else ()
    )
    out: list[tuple[Job, str]] = []
    for job in jobs:
        old = job.finished_at is not None and job.finished_at < finished_before
        if old or job.params.get("client_id") in erased:
            assert job.result_name is not None
            out.append((job, job.result_name))
            job.status, job.result_name = "expired", None
    db.flush()
    return out
