"""Running a background job, the worker's side: claiming a job once, doing it, finishing it.

The worker (a face) claims a job the clinic asked for (:mod:`smpstudio.services.jobs`) with
:func:`claim_job`: one conditional update, so a second delivery of the same job claims nothing and the work
runs once. It does the job into a stream it opened (:func:`do_job`, acting as the user who asked, so their
permissions are checked again when the work runs) and finishes it (:func:`finish_job`). What the worker does
to a job is audited with no acting user, under the job's clinic.
"""

from __future__ import annotations

import json
from typing import IO, Any

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
from smpstudio.services.models import Result

__all__ = ["ClaimedJob", "JobDone", "claim_job", "do_job", "finish_job"]

#: The longest error kept on a failed job. [characters]
MAX_ERROR_CHARS = 300


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
