"""Background jobs: asking for one (a backup, a client's export, a design's preview render), the clinic's
list, one job, and its result to download.

The face that asks creates the job here and hands its id to the queue; the worker (another face) claims it,
does it and finishes it (:mod:`smpstudio.services.job_runs`). A job's parameters hold ids and choices only,
never client data; a backup's passphrase never enters the job: the face seals it for the queue
(:func:`seal_secret`) under the studio's secret key and the worker opens it (:func:`open_secret`).
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from typing import Annotated, Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import Field
from sqlalchemy.orm import Session as Db

from smpstudio.errors import BusyError, ConflictError, InputError, NotFoundError
from smpstudio.records.clinic_day import Job
from smpstudio.records.repositories import clients as client_rows
from smpstudio.records.repositories import jobs as repo
from smpstudio.records.repositories import sessions as session_rows
from smpstudio.render.views import PREVIEW_VIEWS
from smpstudio.services.access import Actor, get_client, log, not_in_clinic, require_admin, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import SKIN_TYPES, Id, OptionalId, check_id, choice
from smpstudio.services.models import Request, Result
from smpstudio.skin.pigments import PIGMENTS

__all__ = [
    "JOB_MEDIA_TYPES",
    "REQUESTABLE_KINDS",
    "JobDetailRequest",
    "JobDownload",
    "JobList",
    "JobQueued",
    "JobRequest",
    "JobSummary",
    "job_detail",
    "job_download",
    "list_jobs",
    "open_secret",
    "output_extension",
    "request_job",
    "seal_secret",
]

#: The kinds a user may ask for (the reminder sweep is the worker's own).
REQUESTABLE_KINDS = ("backup", "export", "render")
#: The media type of each kind's result (by the result's extension).
JOB_MEDIA_TYPES = {
    "zip": "application/zip",
    "smpseal": "application/octet-stream",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
}
#: Preview choices a render job may carry (the preview service checks their ranges and names).
RENDER_LOOKS = ("healed", "fresh")
RENDER_FORMATS = ("png", "jpeg", "webp")


class JobRequest(Request):
    """A piece of background work: a ``backup`` of the store (owner and store administrator; encrypted
    when the face passes a passphrase along), an ``export`` of a client's record (owner), or a ``render`` of
    a client's design version (practitioner or owner)."""

    kind: Annotated[str, choice(REQUESTABLE_KINDS)]
    client_id: OptionalId = Field(None, description="The client (export, render).")
    encrypted: bool = Field(False, description="A backup encrypted with the passphrase the face holds.")
    design_version: OptionalId = Field(None, description="The client's design version (render).")
    view: Annotated[str, choice(PREVIEW_VIEWS)] = "front"
    look: Annotated[str, choice(RENDER_LOOKS)] = "healed"
    size_px: int = Field(1600, ge=64, le=4096, description="The preview's width and height (render). [px]")
    skin_type: Annotated[str, choice(SKIN_TYPES)] = "III"
    pigment: Annotated[str, choice(tuple(PIGMENTS))] = "carbon-black"
    format: Annotated[str, choice(RENDER_FORMATS)] = "png"


class JobQueued(Result):
    """The new job's id: the face hands it to the queue."""

    id: int
    kind: str
    status: Literal["queued"] = "queued"


class JobSummary(Result):
    """A job as its owner sees it: what, its state, and whether its result can be downloaded."""

    id: int
    kind: str
    status: str
    params: dict[str, Any] = Field(description="Ids and choices only.")
    requested_by: int | None
    queued_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    error: str | None
    ready: bool = Field(description="Whether the result can be downloaded.")


class JobList(Result):
    """The jobs the user may see, newest first; ``busy`` when any is queued or running."""

    jobs: list[JobSummary]
    busy: bool


class JobDetailRequest(Request):
    """One job of the acting user's clinic."""

    job_id: Id


class JobDownload(Result):
    """Where the result of a finished job lies (the face reads it) and what to call the download."""

    id: int
    result_name: str = Field(description="The result's file name in the worker's jobs folder.")
    media_type: str
    filename: str = Field(description="The download's name (ids only).")


def _summary(job: Job) -> JobSummary:
    return JobSummary(
        id=job.id,
        kind=job.kind,
        status=job.status,
        params=dict(job.params),
        requested_by=job.requested_by,
        queued_at=job.queued_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        error=job.error,
        ready=job.status == "done" and job.result_name is not None,
    )


def _params(request: JobRequest) -> dict[str, Any]:
    """What the job keeps: ids and choices only (never a passphrase: ``encrypted`` says one is used)."""
    if request.kind == "backup":
        return {"encrypted": request.encrypted}
    if request.kind == "export":
        return {"client_id": request.client_id}
    return {
        "client_id": request.client_id,
        "design_version": request.design_version,
        "view": request.view,
        "look": request.look,
        "size_px": request.size_px,
        "skin_type": request.skin_type,
        "pigment": request.pigment,
        "format": request.format,
    }


def _require_client(request: JobRequest) -> int:
    if request.client_id is None:
        raise InputError(f"a {request.kind} job needs a client", field="client_id", allowed="a client id")
    return request.client_id


def request_job(ctx: ServiceContext, request: JobRequest) -> JobQueued:
    """Queue a job in the acting user's clinic: a backup needs the owner who administers the store, an
    export the owner (``client.export``), a render the ``design`` permission and a stored design version
    of the client. The face then hands the job's id to the queue."""

    def action(db: Db, actor: Actor) -> JobQueued:
        if request.kind == "backup":
            actor.require("jobs")
            require_admin(actor, "back up the store")
        elif request.kind == "export":
            actor.require("jobs")
            actor.require("client.export")
            get_client(db, actor, _require_client(request))
        else:
            actor.require("design")
            client = get_client(db, actor, _require_client(request), for_update=True)
            version = request.design_version
            if version is None or session_rows.design_of_version(db, client.id, version) is None:
                raise InputError(
                    f"client {client.id} has no design version {version}",
                    field="design_version",
                    allowed="a stored design version of the client",
                )
        job = repo.add_job(db, actor.clinic_id, actor.id, request.kind, _params(request))
        log(db, actor, "create", "job", job.id, kind=job.kind, client=job.params.get("client_id"))
        return JobQueued(id=job.id, kind=job.kind)

    return transact(ctx, action)


def _visible(actor: Actor) -> int | None:
    """Whose jobs the actor sees: every job of the clinic for an owner (None), else only their own."""
    return None if actor.role == "owner" else actor.id


def _missing(job_id: int) -> NotFoundError:
    return not_in_clinic("job", job_id, noun="job", field="job", allowed="a job id of this clinic")


def _may_ask(db: Db, actor: Actor, job: Job) -> None:
    """Refuse a job the actor could not ask for now, as :func:`request_job` would: a backup (the whole
    store) answers as missing to anyone but the store's administrator; an export needs ``client.export``
    and a render ``design``; either answers as missing once its client is erased (its result holds the
    client's data)."""
    if job.kind == "backup":
        if not actor.is_admin:
            raise _missing(job.id)
        return
    if job.kind == "export":
        actor.require("client.export")
    elif job.kind == "render":
        actor.require("design")
    client_id = job.params.get("client_id")
    if client_id is not None:
        client = client_rows.get_client(db, int(client_id))
        if client is None or client.clinic_id != actor.clinic_id or client.erased_at is not None:
            raise _missing(job.id)


def _get_job(db: Db, actor: Actor, job_id: int) -> Job:
    """The job ``job_id`` the actor may see: one of another clinic, another user's for anyone but an
    owner, or one the actor could not ask for (:func:`_may_ask`) answers as one that does not exist."""
    job = repo.get_job(db, check_id(job_id, "job"))
    mine = _visible(actor)
    if job is None or job.clinic_id != actor.clinic_id or (mine is not None and job.requested_by != mine):
        raise _missing(job_id)
    _may_ask(db, actor, job)
    return job


def list_jobs(ctx: ServiceContext) -> JobList:
    """The clinic's newest 50 jobs for an owner; a user's own jobs for anyone else; backups for the
    store's administrator only."""

    def action(db: Db, actor: Actor) -> JobList:
        rows = repo.clinic_jobs(
            db, actor.clinic_id, requested_by=_visible(actor), with_backups=actor.is_admin
        )
        log(db, actor, "read", "job", None, count=len(rows))
        jobs = [_summary(job) for job in rows]
        return JobList(jobs=jobs, busy=any(j.status in ("queued", "running") for j in jobs))

    return transact(ctx, action)


def job_detail(ctx: ServiceContext, request: JobDetailRequest) -> JobSummary:
    """One job the acting user may see."""

    def action(db: Db, actor: Actor) -> JobSummary:
        job = _get_job(db, actor, request.job_id)
        log(db, actor, "read", "job", job.id)
        return _summary(job)

    return transact(ctx, action)


def output_extension(kind: str, params: dict[str, Any]) -> str:
    """The extension of a job's result: a backup ``zip`` (``smpseal`` when encrypted), an export ``zip``,
    a render its image format."""
    if kind == "backup":
        return "smpseal" if params.get("encrypted") else "zip"
    if kind == "export":
        return "zip"
    if kind == "render":
        return str(params.get("format", "png"))
    raise InputError(f"a {kind} job makes no file", field="kind", allowed=", ".join(REQUESTABLE_KINDS))


def job_download(ctx: ServiceContext, request: JobDetailRequest) -> JobDownload:
    """The result of a finished job the acting user may see (audited as a download); a job not done yet is
    a :class:`ConflictError`."""

    def action(db: Db, actor: Actor) -> JobDownload:
        job = _get_job(db, actor, request.job_id)
        if job.status == "expired":
            raise ConflictError(
                f"job {job.id} expired: its result was removed after the days the clinic keeps results",
                field="job",
                allowed="ask for the job again",
                code="job_expired",
            )
        if job.status != "done" or job.result_name is None:
            raise ConflictError(
                f"job {job.id} is {job.status}: its result is not ready",
                field="job",
                allowed="a finished job",
                code="job_not_ready",
            )
        log(db, actor, "read", "job", job.id, kind=job.kind, download=True)
        ext = output_extension(job.kind, job.params)
        return JobDownload(
            id=job.id,
            result_name=job.result_name,
            media_type=JOB_MEDIA_TYPES.get(ext, "application/octet-stream"),
            filename=f"smpstudio-job-{job.id}-{job.kind}.{ext}",
        )

    return transact(ctx, action)


# ------------------------------------------------------------------------------- a secret for the queue

_SEAL_INFO = b"smpstudio job secret v1"
_NONCE_BYTES = 12


def _queue_key(ctx: ServiceContext) -> bytes:
    if not ctx.secret:
        raise BusyError("the studio's secret key is not loaded", code="no_secret")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_INFO).derive(ctx.secret)


def seal_secret(ctx: ServiceContext, text: str) -> str:
    """``text`` (a backup's passphrase) sealed for the queue: AES-256-GCM under a key derived (HKDF-SHA256)
    from the studio's secret key, so the queue's storage never holds it in clear."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(_queue_key(ctx)).encrypt(nonce, text.encode("utf-8"), _SEAL_INFO)
    return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def open_secret(ctx: ServiceContext, token: str) -> str:
    """The text :func:`seal_secret` sealed (an :class:`InputError` when the key differs or it was changed)."""
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii"))
        plain = AESGCM(_queue_key(ctx)).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _SEAL_INFO)
    except (InvalidTag, ValueError):
        raise InputError(
            "the sealed passphrase does not open with this studio's secret key",
            field="passphrase",
            allowed="a worker that shares the studio's secret key",
            code="wrong_secret",
        ) from None
    return plain.decode("utf-8")
