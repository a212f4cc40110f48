"""The jobs service: who may ask for which job, what a job keeps (ids and choices, never a passphrase),
who sees which job, another clinic's job answering as a missing one, and the worker's claim (once)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from smpstudio.errors import AccessError, ConflictError, InputError, NotFoundError
from smpstudio.records.clinic_day import Job
from smpstudio.records.models import AuditEntry
from smpstudio.services import job_runs, jobs
from smpstudio.services.jobs import JobDetailRequest, JobRequest
from tests.worker.conftest import SECRET, Clinic


def _export(c: Clinic, user: int | None = None) -> int:
    return jobs.request_job(c.ctx(user or c.owner), JobRequest.of(kind="export", client_id=c.client)).id


def _job(c: Clinic, job_id: int) -> Job:
    def read(db: object) -> Job:
        job = db.get(Job, job_id)  # type: ignore[attr-defined]
        db.expunge_all()  # type: ignore[attr-defined]
        return job  # type: ignore[no-any-return]

    return c.store.read(read)


def _trail(c: Clinic, job_id: int) -> list[tuple[str, int | None, int | None, dict[str, object]]]:
    """The audit entries about the job: action, actor, clinic, detail."""
    query = select(AuditEntry).where(AuditEntry.entity == "job", AuditEntry.entity_id == str(job_id))
    return c.store.read(
        lambda db: [
            (e.action, e.actor_id, e.clinic_id, json.loads(e.detail or "{}")) for e in db.scalars(query)
        ]
    )


def test_the_owner_queues_a_backup_and_an_export(clinic: Clinic) -> None:
    backup = jobs.request_job(clinic.ctx(clinic.owner), JobRequest.of(kind="backup", encrypted=True))
    export = jobs.request_job(clinic.ctx(clinic.owner), JobRequest.of(kind="export", client_id=clinic.client))
    assert (backup.kind, backup.status, export.kind) == ("backup", "queued", "export")
    assert _job(clinic, backup.id).params == {"encrypted": True}
    assert _job(clinic, export.id).params == {"client_id": clinic.client}
    assert _job(clinic, export.id).requested_by == clinic.owner


@pytest.mark.parametrize("role", ["prac", "desk"])
@pytest.mark.parametrize("kind", ["backup", "export"])
def test_staff_may_not_ask_for_backups_or_exports(clinic: Clinic, role: str, kind: str) -> None:
    user = getattr(clinic, role)
    with pytest.raises(AccessError):
        jobs.request_job(clinic.ctx(user), JobRequest.of(kind=kind, client_id=clinic.client))


def test_only_the_store_administrator_backs_up(clinic: Clinic) -> None:
    """The second clinic's owner owns their clinic, not the store: a backup holds every clinic."""
    with pytest.raises(AccessError):
        jobs.request_job(clinic.ctx(clinic.other_owner), JobRequest.of(kind="backup"))


def test_a_render_needs_the_design_permission_and_a_stored_design(clinic: Clinic) -> None:
    ask = JobRequest.of(kind="render", client_id=clinic.client, design_version=1, view="top", size_px=200)
    queued = jobs.request_job(clinic.ctx(clinic.prac), ask)
    params = _job(clinic, queued.id).params
    assert params["design_version"] == 1 and params["view"] == "top" and params["size_px"] == 200
    with pytest.raises(AccessError):
        jobs.request_job(clinic.ctx(clinic.desk), ask)
    with pytest.raises(InputError) as missing:
        jobs.request_job(clinic.ctx(clinic.prac), ask.model_copy(update={"design_version": 7}))
    assert missing.value.field == "design_version"
    with pytest.raises(InputError) as view:
        JobRequest.of(kind="render", client_id=clinic.client, design_version=1, view="sideways")
    assert view.value.field == "view"


def test_another_clinics_client_answers_as_a_missing_one(clinic: Clinic) -> None:
    for ask in (
        JobRequest.of(kind="export", client_id=clinic.other_client),
        JobRequest.of(kind="render", client_id=clinic.other_client, design_version=1),
    ):
        with pytest.raises(NotFoundError) as theirs:
            jobs.request_job(clinic.ctx(clinic.owner), ask)
        with pytest.raises(NotFoundError) as nobody:
            jobs.request_job(clinic.ctx(clinic.owner), ask.model_copy(update={"client_id": 10**9}))
        assert str(theirs.value).replace(str(clinic.other_client), "N") == str(nobody.value).replace(
            str(10**9), "N"
        )


def test_an_unknown_kind_or_a_missing_client_is_refused(clinic: Clinic) -> None:
    with pytest.raises(InputError) as kind:
        JobRequest.of(kind="reminders")
    assert kind.value.field == "kind" and "backup" in (kind.value.allowed or "")
    with pytest.raises(InputError) as client:
        jobs.request_job(clinic.ctx(clinic.owner), JobRequest.of(kind="export"))
    assert client.value.field == "client_id"


def test_the_owner_sees_the_clinics_jobs_and_staff_only_their_own(clinic: Clinic) -> None:
    export = _export(clinic)
    render = jobs.request_job(
        clinic.ctx(clinic.prac), JobRequest.of(kind="render", client_id=clinic.client, design_version=1)
    ).id
    theirs = jobs.request_job(
        clinic.ctx(clinic.other_owner), JobRequest.of(kind="export", client_id=clinic.other_client)
    ).id
    owner_sees = jobs.list_jobs(clinic.ctx(clinic.owner))
    assert [j.id for j in owner_sees.jobs] == [render, export] and owner_sees.busy
    assert [j.id for j in jobs.list_jobs(clinic.ctx(clinic.prac)).jobs] == [render]
    assert jobs.list_jobs(clinic.ctx(clinic.desk)).jobs == []
    assert jobs.job_detail(clinic.ctx(clinic.prac), JobDetailRequest.of(job_id=render)).kind == "render"
    for user, job_id in ((clinic.prac, export), (clinic.owner, theirs), (clinic.desk, render)):
        with pytest.raises(NotFoundError):
            jobs.job_detail(clinic.ctx(user), JobDetailRequest.of(job_id=job_id))
        with pytest.raises(NotFoundError):
            jobs.job_download(clinic.ctx(user), JobDetailRequest.of(job_id=job_id))


def test_a_job_is_claimed_once_and_finished_once(clinic: Clinic) -> None:
    job_id = _export(clinic)
    worker = clinic.ctx(None)
    with pytest.raises(ConflictError) as early:
        jobs.job_download(clinic.ctx(clinic.owner), JobDetailRequest.of(job_id=job_id))
    assert early.value.code == "job_not_ready"
    claimed = job_runs.claim_job(worker, job_id)
    assert claimed is not None and claimed.kind == "export" and claimed.requested_by == clinic.owner
    assert job_runs.claim_job(worker, job_id) is None  # a second delivery of the same job claims nothing
    assert _job(clinic, job_id).status == "running" and _job(clinic, job_id).started_at is not None
    done = job_runs.finish_job(worker, job_id, result_name=f"{job_id}-export.zip")
    assert done is not None and done.status == "done"
    assert job_runs.finish_job(worker, job_id, error="late") is None
    assert job_runs.claim_job(worker, job_id) is None
    found = jobs.job_download(clinic.ctx(clinic.owner), JobDetailRequest.of(job_id=job_id))
    assert found.result_name == f"{job_id}-export.zip" and found.media_type == "application/zip"
    assert found.filename == f"smpstudio-job-{job_id}-export.zip"
    clinic_id = _job(clinic, job_id).clinic_id
    trail = [(a, who, where, detail.get("status")) for a, who, where, detail in _trail(clinic, job_id)]
    assert ("create", clinic.owner, clinic_id, None) in trail
    assert trail.count(("update", None, clinic_id, "running")) == 1  # claimed once
    assert ("update", None, clinic_id, "done") in trail
    downloads = [d for a, who, _, d in _trail(clinic, job_id) if a == "read" and who == clinic.owner]
    assert {"kind": "export", "download": True} in downloads


def test_a_failed_job_keeps_a_short_error(clinic: Clinic) -> None:
    job_id = _export(clinic)
    worker = clinic.ctx(None)
    assert job_runs.claim_job(worker, job_id) is not None
    failed = job_runs.finish_job(worker, job_id, error="x" * 1000)
    assert failed is not None and failed.status == "failed" and len(failed.error or "") == 300
    summary = jobs.job_detail(clinic.ctx(clinic.owner), JobDetailRequest.of(job_id=job_id))
    assert summary.status == "failed" and not summary.ready


def test_a_sealed_passphrase_opens_only_with_the_same_secret_key(clinic: Clinic) -> None:
    ctx = clinic.ctx(clinic.owner)
    sealed = jobs.seal_secret(ctx, "a long backup passphrase")
    assert "passphrase" not in sealed and sealed != jobs.seal_secret(ctx, "a long backup passphrase")
    assert jobs.open_secret(ctx, sealed) == "a long backup passphrase"
    other = ctx.__class__(store=clinic.store, secret=b"z" * 32)
    with pytest.raises(InputError) as wrong:
        jobs.open_secret(other, sealed)
    assert wrong.value.code == "wrong_secret"
    assert SECRET != b"z" * 32


def test_a_jobs_parameters_hold_no_client_data(clinic: Clinic) -> None:
    job_id = _export(clinic)
    stored = json.dumps(_job(clinic, job_id).params)
    assert "Alex" not in stored and "example.org" not in stored
