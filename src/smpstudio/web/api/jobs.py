"""Background jobs: asking for a backup or a client's export (owner), a preview render of a client's design
(practitioner or owner), the jobs a user may see, one job, and its result once the worker has made it.

A job is created in the store (:mod:`smpstudio.services.jobs`) and its id handed to the queue the settings
name (:mod:`smpstudio.worker.queue`); ``smp worker`` does it. A backup's passphrase goes to the queue sealed
under the studio's secret key: neither the job nor the queue keeps it in clear.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from smpstudio.errors import BusyError, NotFoundError, SmpError
from smpstudio.services import job_runs, jobs
from smpstudio.services.context import ServiceContext
from smpstudio.services.jobs import JobDetailRequest, JobList, JobQueued, JobRequest, JobSummary
from smpstudio.settings import Settings
from smpstudio.web.api import API_PREFIX
from smpstudio.web.errors import ErrorBody
from smpstudio.web.state import service_context, studio_of
from smpstudio.worker.queue import build_queue
from smpstudio.worker.tasks import Tasks, result_path

__all__ = ["JobBody", "RenderBody", "download_response", "queue_for", "router", "submit_job"]

router = APIRouter(prefix=API_PREFIX, tags=["background jobs"])

Context = Annotated[ServiceContext, Depends(service_context)]


class JobBody(BaseModel):
    """A backup of the store (encrypted with ``passphrase`` when given) or an export of a client's record."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["backup", "export"]
    client_id: int | None = Field(None, description="The client to export.")
    passphrase: str | None = Field(
        None,
        min_length=1,
        max_length=1024,
        description="Encrypts the backup (AES-256-GCM); kept by neither the job nor the queue in clear.",
    )


class RenderBody(BaseModel):
    """How to render the design's preview (the preview's defaults when left out)."""

    model_config = ConfigDict(extra="forbid")

    view: str = Field("front", max_length=20, description="front, top, left, right, back or hairline.")
    look: str = Field("healed", max_length=10, description="healed or fresh.")
    size_px: int = Field(1600, description="Width and height. [px]")
    skin_type: str = Field("III", max_length=4, description="Fitzpatrick I-VI.")
    pigment: str = Field("carbon-black", max_length=40)
    format: str = Field("png", max_length=5, description="png, jpeg or webp.")


@functools.lru_cache(maxsize=16)
def queue_for(settings: Settings) -> Tasks:
    """The queue the settings name (built once per settings in this process)."""
    return build_queue(settings)


def submit_job(
    request: Request, ctx: ServiceContext, job: JobRequest, passphrase: str | None = None
) -> JobQueued:
    """Create the job in the store and hand its id to the queue (a backup's passphrase sealed); a queue
    that cannot be reached fails the job and answers 503."""
    studio = studio_of(request)
    sealed = jobs.seal_secret(replace(ctx, secret=studio.secret), passphrase) if passphrase else None
    queued = jobs.request_job(ctx, job.model_copy(update={"encrypted": passphrase is not None}))
    try:
        queue_for(studio.settings).enqueue_job(queued.id, sealed)
    except Exception:  # Redis down, the queue file unwritable: the job is failed, not left waiting
        with contextlib.suppress(SmpError):
            if job_runs.claim_job(ctx, queued.id) is not None:
                job_runs.finish_job(ctx, queued.id, error="the job queue could not be reached")
        raise BusyError("the job queue could not be reached; try again", code="queue_unreachable") from None
    return queued


def download_response(request: Request, ctx: ServiceContext, job_id: int) -> FileResponse:
    """The result of a finished job the user may see, as a file to save."""
    found = jobs.job_download(ctx, JobDetailRequest.of(job_id=job_id))
    path = result_path(studio_of(request).settings, found.result_name)
    if path is None:
        raise NotFoundError(
            f"the result of job {job_id} is no longer on the server",
            field="job",
            allowed="a job whose result is kept",
            code="job_result_gone",
        )
    return FileResponse(path, media_type=found.media_type, filename=found.filename)


@router.post(
    "/jobs",
    response_model=JobQueued,
    status_code=202,
    summary="Ask the worker for a backup of the store or an export of a client's record",
    responses={
        404: {"model": ErrorBody, "description": "No such client in the user's clinic."},
        503: {"model": ErrorBody, "description": "The job queue could not be reached."},
    },
)
def request_job(request: Request, body: JobBody, ctx: Context) -> JobQueued:
    job = JobRequest.of(kind=body.kind, client_id=body.client_id)
    return submit_job(request, ctx, job, body.passphrase)


@router.post(
    "/clients/{client_id}/designs/{version}/render",
    response_model=JobQueued,
    status_code=202,
    summary="Ask the worker to render a preview of the client's design version",
    responses={404: {"model": ErrorBody, "description": "No such client in the user's clinic."}},
)
def request_render(
    request: Request, client_id: int, version: int, ctx: Context, body: RenderBody | None = None
) -> JobQueued:
    choices = (body or RenderBody.model_validate({})).model_dump()
    job = JobRequest.of(kind="render", client_id=client_id, design_version=version, **choices)
    return submit_job(request, ctx, job)


@router.get("/jobs", response_model=JobList, summary="The jobs the user may see (an owner: the clinic's)")
def list_jobs(ctx: Context) -> JobList:
    return jobs.list_jobs(ctx)


@router.get(
    "/jobs/{job_id}",
    response_model=JobSummary,
    summary="One job and its state",
    responses={404: {"model": ErrorBody, "description": "No such job the user may see."}},
)
def job_detail(job_id: int, ctx: Context) -> JobSummary:
    return jobs.job_detail(ctx, JobDetailRequest.of(job_id=job_id))


@router.get(
    "/jobs/{job_id}/download",
    response_class=FileResponse,
    summary="The result of a finished job (a backup, an export archive, an image)",
    responses={
        404: {"model": ErrorBody, "description": "No such job the user may see."},
        409: {"model": ErrorBody, "description": "The job is not done."},
    },
)
def download(request: Request, job_id: int, ctx: Context) -> FileResponse:
    return download_response(request, ctx, job_id)
