"""Running a background job, the worker's side: claiming a job once, doing it, finishing it.

The worker (a face) claims a job the clinic asked for (:mod:`smpstudio.services.jobs`) with
:func:`claim_job`: one conditional update, so a second delivery of the same job claims nothing and the work
runs once. It does the job into a stream it opened (:func:`do_job`, acting as the user who asked, so their
permissions are checked again when the work runs) and finishes it (:func:`finish_job`). What the worker does
to a job is audited with no acting user, under the job's clinic.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import IO, Any

from pydantic import Field
from sqlalchemy.orm import Session as Db

from smpstudio.design.document import load_design
from smpstudio.errors import InputError
from smpstudio.records import audit
from smpstudio.records.clinic_day import Job
from smpstudio.records.repositories import jobs as repo
from smpstudio.records.repositories import sessions as session_rows
from smpstudio.services.access import Actor, get_client, log, not_in_clinic, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import check_id
from smpstudio.services.models import Request, Result

__all__ = [
    "ClaimedJob",
    "JobDone",
    "JobsTidied",
    "TidyJobsRequest",
    "claim_job",
    "do_job",
    "finish_job",
    "tidy_jobs",
]

#: The longest error kept on a failed job. [characters]
MAX_ERROR_CHARS = 300
#: The longest a job may run: beyond it, its worker stopped while running it (a backup of a 100,000-client
#: store takes minutes, docs/benchmarks.md). [h]
JOB_RUNNING_LIMIT_H = 6
STOPPED_ERROR = "the worker stopped while running this job; ask for it again"


class ClaimedJob(Result):
    """A job the worker claimed: it alone runs it."""

    id: int
    clinic_id: int
    kind: str
    params: dict[str, Any]
    requested_by: int | None


class JobDone(Result):
    """How a job ended."""

    id: int
    status: str
    result_name: str | None
    error: str | None


def _worker_log(db: Db, job: Job, action: str, **detail: Any) -> None:
    """The audit entry of what the worker did to a job (no acting user; the job's clinic)."""
    audit.append(
        db,
        actor_id=None,
        clinic_id=job.clinic_id,
        action=action,
        entity="job",
        entity_id=job.id,
        detail={"kind": job.kind, **detail},
    )


def claim_job(ctx: ServiceContext, job_id: int) -> ClaimedJob | None:
    """Mark a queued job running for this worker; None when it is not queued any more (a second delivery
    of the same job, or a finished one): the worker then does nothing, so a job runs once."""
    check_id(job_id, "job")

    def action(db: Db) -> ClaimedJob | None:
        job = repo.claim_job(db, job_id, ctx.clock.now_utc())
        if job is None:
            return None
        _worker_log(db, job, "update", status="running")
        return ClaimedJob(
            id=job.id,
            clinic_id=job.clinic_id,
            kind=job.kind,
            params=dict(job.params),
            requested_by=job.requested_by,
        )

    return ctx.db.write(action)


def finish_job(
    ctx: ServiceContext, job_id: int, *, result_name: str | None = None, error: str | None = None
) -> JobDone | None:
    """Mark a running job done (``result_name``: the name of what it made) or failed (``error``, cut to
    300 characters); None when the job is not running."""
    check_id(job_id, "job")
    if error is not None:
        error = error if len(error) <= MAX_ERROR_CHARS else error[: MAX_ERROR_CHARS - 3] + "..."

    def action(db: Db) -> JobDone | None:
        job = repo.finish_job(db, job_id, ctx.clock.now_utc(), result_name=result_name, error=error)
        if job is None:
            return None
        _worker_log(db, job, "update", status=job.status)
        return JobDone(id=job.id, status=job.status, result_name=job.result_name, error=job.error)

    return ctx.db.write(action)


def do_job(ctx: ServiceContext, job: ClaimedJob, out: IO[bytes], *, passphrase: str | None = None) -> None:
    """Do a claimed job into ``out`` (a stream the worker opened), acting as the user who asked: their
    permissions are checked again now, and a refusal is the job's error."""
    as_asker = ctx.acting_as(job.requested_by)
    if job.kind == "backup":
        from smpstudio.services.backups import backup

        if job.params.get("encrypted") and not passphrase:
            raise InputError(
                "the backup's passphrase did not reach the worker",
                field="passphrase",
                allowed="ask for the backup again",
                code="passphrase_needed",
            )
        backup(as_asker, out, passphrase=passphrase if job.params.get("encrypted") else None)
    elif job.kind == "export":
        from smpstudio.services.protection import export_client

        export_client(as_asker, int(job.params["client_id"]), out)
    elif job.kind == "render":
        out.write(_render(as_asker, job))
    else:
        raise InputError(
            f"a {job.kind} job is not run this way", field="kind", allowed="backup, export, render"
        )


def _render(ctx: ServiceContext, job: ClaimedJob) -> bytes:
    """Render the client's design version as the job's parameters ask (the design read is audited)."""
    from smpstudio.services.preview import PreviewRequest, preview

    params = job.params

    def read(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("design")
        client = get_client(db, actor, int(params["client_id"]))
        design = session_rows.design_of_version(db, client.id, int(params["design_version"]))
        if design is None:
            raise not_in_clinic(
                "design",
                params["design_version"],
                noun="design version",
                field="design_version",
                allowed="a stored design version of the client",
            )
        log(db, actor, "read", "design", design.id, client=client.id, job=job.id)
        return dict(design.document)

    document = transact(ctx, read)
    request = PreviewRequest.of(
        view=params["view"],
        look=params["look"],
        size_px=params["size_px"],
        skin_type=params["skin_type"],
        pigment=params["pigment"],
        format=params["format"],
    )
    return preview(load_design(json.dumps(document)), request).image


class TidyJobsRequest(Request):
    """How long finished jobs' results are kept (the store's ``job_result_days`` setting)."""

    keep_results_days: int = Field(7, ge=1, le=365, description="Days a finished job's result is kept.")


class JobsTidied(Result):
    """What the upkeep changed: jobs ended because their worker stopped, jobs whose result expired (older
    than the setting, or of a client erased since), and the result files the worker now removes."""

    ended: list[int]
    expired: list[int]
    result_names: list[str]


def tidy_jobs(ctx: ServiceContext, request: TidyJobsRequest) -> JobsTidied:
    """The worker's upkeep: a job running longer than :data:`JOB_RUNNING_LIMIT_H` hours is failed (its
    worker stopped; the user asks again), and a result older than ``keep_results_days`` or of a client
    erased since is expired: nothing about a client stays on the worker's disk longer than the clinic said.
    Each change is audited under the job's clinic."""

    def action(db: Db) -> JobsTidied:
        now = ctx.clock.now_utc()
        ended = repo.end_stale_jobs(db, now - dt.timedelta(hours=JOB_RUNNING_LIMIT_H), now, STOPPED_ERROR)
        for job in ended:
            _worker_log(db, job, "update", status="failed", stopped=True)
        expired = repo.expire_results(db, now - dt.timedelta(days=request.keep_results_days), now)
        for job, _ in expired:
            _worker_log(db, job, "update", status="expired")
        return JobsTidied(
            ended=[j.id for j in ended],
            expired=[j.id for j, _ in expired],
            result_names=[name for _, name in expired],
        )

    return ctx.db.write(action)
