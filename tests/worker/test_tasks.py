"""The worker's task bodies, run by huey's ``immediate`` mode (each task runs when it is enqueued, in this
process): where a job's result goes and with which mode, an encrypted backup, a second delivery that does
nothing, a job whose asker may no longer do it, and the reminder sweep over the clinics with mail."""

from __future__ import annotations

import datetime as dt
import io
import logging
import stat
import zipfile
from pathlib import Path

import pytest

from smpstudio.errors import BusyError
from smpstudio.records.clinic_day import Job
from smpstudio.records.sealing import MAGIC, unseal
from smpstudio.services import clinics, jobs
from smpstudio.services.jobs import JobRequest
from smpstudio.worker.queue import build_queue
from smpstudio.worker.tasks import JOBS_DIR, REMINDER_SWEEP_MINUTES, Tasks, result_path
from tests.worker.conftest import Clinic

PASSPHRASE = "a backup passphrase nobody guesses"


@pytest.fixture
def tasks(clinic: Clinic) -> Tasks:
    """The studio's tasks on an immediate (in-memory) queue, over the clinic's store."""
    return build_queue(clinic.settings, immediate=True, opener=lambda settings: clinic.ctx(None))


def _status(c: Clinic, job_id: int) -> tuple[str, str | None, str | None]:
    def read(db: object) -> tuple[str, str | None, str | None]:
        job = db.get(Job, job_id)  # type: ignore[attr-defined]
        return job.status, job.result_name, job.error

    return c.store.read(read)


def _export(c: Clinic) -> int:
    return jobs.request_job(c.ctx(c.owner), JobRequest.of(kind="export", client_id=c.client)).id


def _leftovers(c: Clinic) -> list[Path]:
    folder = c.store.data_dir / JOBS_DIR
    return [p for p in folder.iterdir() if p.name.startswith(".")] if folder.exists() else []


def test_an_export_lands_private_in_the_jobs_folder(clinic: Clinic, tasks: Tasks) -> None:
    job_id = _export(clinic)
    tasks.enqueue_job(job_id)
    status, name, error = _status(clinic, job_id)
    assert (status, name, error) == ("done", f"{job_id}-export.zip", None)
    path = result_path(clinic.settings, name or "")
    assert path is not None and path.parent == clinic.store.data_dir / JOBS_DIR
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    with zipfile.ZipFile(path) as archive:
        assert "record.json" in archive.namelist()
    assert not _leftovers(clinic)


def test_a_second_delivery_of_the_same_job_does_nothing(clinic: Clinic, tasks: Tasks) -> None:
    job_id = _export(clinic)
    tasks.enqueue_job(job_id)
    path = result_path(clinic.settings, f"{job_id}-export.zip")
    assert path is not None
    first = path.stat().st_mtime_ns, path.read_bytes()
    tasks.enqueue_job(job_id)
    assert (path.stat().st_mtime_ns, path.read_bytes()) == first
    assert _status(clinic, job_id)[0] == "done"


def test_an_encrypted_backup_opens_with_its_passphrase_only(clinic: Clinic, tasks: Tasks) -> None:
    owner = clinic.ctx(clinic.owner)
    job_id = jobs.request_job(owner, JobRequest.of(kind="backup", encrypted=True)).id
    tasks.enqueue_job(job_id, jobs.seal_secret(owner, PASSPHRASE))
    status, name, _ = _status(clinic, job_id)
    assert status == "done" and name == f"{job_id}-backup.smpseal"
    path = result_path(clinic.settings, name)
    assert path is not None and path.read_bytes().startswith(MAGIC)
    plain = io.BytesIO()
    with path.open("rb") as sealed:
        unseal(sealed, PASSPHRASE, plain)
    with zipfile.ZipFile(plain) as archive:
        assert archive.namelist()
    assert PASSPHRASE.encode() not in path.read_bytes()


def test_an_encrypted_backup_without_its_passphrase_fails_and_leaves_nothing(
    clinic: Clinic, tasks: Tasks
) -> None:
    job_id = jobs.request_job(clinic.ctx(clinic.owner), JobRequest.of(kind="backup", encrypted=True)).id
    tasks.enqueue_job(job_id)
    status, name, error = _status(clinic, job_id)
    assert status == "failed" and name is None and "passphrase" in (error or "")
    assert not list((clinic.store.data_dir / JOBS_DIR).iterdir())


def test_a_job_whose_asker_left_fails_with_the_reason(clinic: Clinic, tasks: Tasks) -> None:
    ask = JobRequest.of(kind="render", client_id=clinic.client, design_version=1, size_px=64)
    job_id = jobs.request_job(clinic.ctx(clinic.prac), ask).id
    clinics.deactivate_user(clinic.ctx(clinic.owner), clinics.DeactivateUserRequest.of(user_id=clinic.prac))
    tasks.enqueue_job(job_id)
    status, name, error = _status(clinic, job_id)
    assert status == "failed" and name is None and f"user {clinic.prac}" in (error or "")
    assert not _leftovers(clinic)


def test_a_render_makes_the_preview_image(clinic: Clinic, tasks: Tasks) -> None:
    ask = JobRequest.of(kind="render", client_id=clinic.client, design_version=1, size_px=96, view="front")
    job_id = jobs.request_job(clinic.ctx(clinic.prac), ask).id
    tasks.enqueue_job(job_id)
    status, name, error = _status(clinic, job_id)
    assert status == "done", error
    path = result_path(clinic.settings, name or "")
    assert path is not None and path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    from PIL import Image

    with Image.open(path) as image:
        assert image.size == (96, 96)


def test_result_paths_stay_in_the_jobs_folder(clinic: Clinic) -> None:
    folder = clinic.store.data_dir / JOBS_DIR
    folder.mkdir()
    (folder / "1-export.zip").write_bytes(b"x")
    (clinic.store.data_dir / "smpstudio.sqlite3").touch()
    assert result_path(clinic.settings, "1-export.zip") == folder / "1-export.zip"
    for name in ("../smpstudio.sqlite3", "/etc/passwd", "", ".smp-tmp-1-a.part", "2-export.zip"):
        assert result_path(clinic.settings, name) is None


def test_the_sweep_calls_the_reminders_once_per_clinic_with_mail(
    clinic: Clinic, tasks: Tasks, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from smpstudio.services import reminders

    calls: list[int] = []

    def send(ctx: object, request: reminders.SendRemindersRequest, mailer: object) -> None:
        assert mailer is None and getattr(ctx, "user_id", 0) is None  # the worker acts as no user
        calls.append(request.clinic_id)
        if request.clinic_id == 2:
            raise BusyError("the mail server did not answer")
        if request.clinic_id == 3:
            raise OSError("550 <a@example.org> refused")

    monkeypatch.setattr(reminders, "clinic_ids_with_mail", lambda ctx: [1, 2, 3, 4])
    monkeypatch.setattr(reminders, "send_due_reminders", send)
    with caplog.at_level(logging.INFO, logger="smpstudio.worker"):
        tasks.sweep_reminders()
    assert calls == [1, 2, 3, 4]  # one clinic's failure does not stop the next one's
    assert "reminder sweep: 2 clinic(s)" in caplog.text and "clinic 3: internal error OSError" in caplog.text
    assert "example.org" not in caplog.text


def test_the_sweep_runs_every_five_minutes(tasks: Tasks) -> None:
    assert REMINDER_SWEEP_MINUTES == 5
    sweep = tasks.sweep_reminders.s()
    due = [sweep.validate_datetime(dt.datetime(2030, 1, 1, 9, m)) for m in range(15)]
    assert [m for m, yes in enumerate(due) if yes] == [0, 5, 10]
