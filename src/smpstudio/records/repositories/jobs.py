"""Queries of the background jobs: adding one, reading one or a clinic's list, the worker's claim (one
conditional ``UPDATE``: a second delivery of the same job claims nothing) and its end."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session as Db

from smpstudio.records.clinic_day import Job

__all__ = [
    "add_job",
    "claim_job",
    "clinic_jobs",
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
