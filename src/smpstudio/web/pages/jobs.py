"""Background jobs for the owner: "Back up now" (encrypted when a passphrase is given), a client's export
in the background (from the client's record), and the clinic's jobs with their state, which the page
refreshes every few seconds while one is waiting or running; a finished job's result is downloaded here."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from smpstudio.errors import InputError, SmpError
from smpstudio.services import jobs
from smpstudio.services.context import ServiceContext
from smpstudio.services.jobs import JobRequest
from smpstudio.web.api.jobs import download_response, submit_job
from smpstudio.web.pages.clinic_forms import Context, attempt, see_other
from smpstudio.web.pages.rendering import page

__all__ = ["KIND_WORDS", "STATUS_WORDS", "router"]

router = APIRouter(include_in_schema=False)

Secret = Annotated[str, Form(max_length=1024)]
#: How often the list is refreshed while a job is waiting or running. [s]
POLL_SECONDS = 3
#: What each kind of job is called on the page.
KIND_WORDS = {
    "backup": "Backup of the store",
    "export": "Export of a client's record",
    "render": "Design preview",
    "reminders": "Reminders",
}
#: Each state in plain words, with its badge's tone.
STATUS_WORDS = {
    "queued": ("waiting", "info"),
    "running": ("in progress", "warning"),
    "done": ("ready", "ok"),
    "failed": ("failed", "danger"),
    "expired": ("removed (kept days passed)", "info"),
}


def _context(ctx: ServiceContext) -> dict[str, Any]:
    listed = jobs.list_jobs(ctx)
    return {
        "jobs": listed.jobs,
        "busy": listed.busy,
        "poll_seconds": POLL_SECONDS,
        "kind_words": KIND_WORDS,
        "status_words": STATUS_WORDS,
        "tz": ctx.clock.tz,  # times in the clinic's timezone
    }


def _jobs_page(
    request: Request, ctx: ServiceContext, *, status_code: int = 200, error: SmpError | None = None
) -> Response:
    return page(
        request,
        "jobs/index.html",
        status_code=status_code,
        json_twin="/api/v1/jobs",
        error=error,
        **_context(ctx),
    )


@router.get("/jobs")
def jobs_page(request: Request, ctx: Context) -> Response:
    return _jobs_page(request, ctx)


@router.get("/jobs/list")
def jobs_list(request: Request, ctx: Context) -> Response:
    """The list alone (what the page's polling swaps in)."""
    return page(request, "jobs/_list.html", **_context(ctx))


@router.post("/jobs/backup")
def back_up_now(
    request: Request, ctx: Context, passphrase: Secret = "", passphrase_again: Secret = ""
) -> Response:
    def ask() -> jobs.JobQueued:
        if passphrase != passphrase_again:
            raise InputError(
                "the two passphrases differ", field="passphrase_again", allowed="the same passphrase twice"
            )
        return submit_job(request, ctx, JobRequest.of(kind="backup"), passphrase or None)

    _, error = attempt(ask)
    if error is not None:
        return _jobs_page(request, ctx, status_code=error.http_status, error=error)
    return see_other("/jobs")


@router.post("/clients/{client_id}/export-job")
def export_client(request: Request, ctx: Context, client_id: int) -> Response:
    _, error = attempt(lambda: submit_job(request, ctx, JobRequest.of(kind="export", client_id=client_id)))
    if error is not None:
        return _jobs_page(request, ctx, status_code=error.http_status, error=error)
    return see_other("/jobs")


@router.get("/jobs/{job_id}/download")
def download(request: Request, ctx: Context, job_id: int) -> Response:
    return download_response(request, ctx, job_id)
