"""The worker's tasks: run one job the studio queued, the reminder sweep every 5 minutes, and the jobs'
upkeep every 15 (results kept ``job_result_days``, an erased client's removed, a job whose worker stopped
ended).

A task is given ids only (a job's id; a backup's passphrase sealed under the studio's secret key) and does
its work through the services, in a :class:`~smpstudio.services.context.ServiceContext` the worker opens
once over the store its settings name. A job's result goes to ``data_dir/jobs/<job id>-<kind>.<ext>``,
written 0600 through a temporary name, so a half-written result is never downloadable. The log names job
ids, kinds, states and error codes, never client data.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from huey import Huey, crontab

from smpstudio.errors import SmpError
from smpstudio.services.context import ServiceContext
from smpstudio.settings import Settings

__all__ = [
    "JOBS_DIR",
    "REMINDER_SWEEP_MINUTES",
    "TIDY_MINUTES",
    "Tasks",
    "WorkerContext",
    "install",
    "result_path",
    "tidy_jobs",
]

log = logging.getLogger("smpstudio.worker")

#: The folder of the jobs' results in the data directory.
JOBS_DIR = "jobs"
#: How often the reminder sweep runs: reminders go out within this long of falling due. [min]
REMINDER_SWEEP_MINUTES = 5
#: How often the jobs' upkeep runs. [min]
TIDY_MINUTES = 15
_PRIVATE_FILE, _PRIVATE_DIR = 0o600, 0o700
#: What opens the worker's context from its settings.
Opener = Callable[[Settings], ServiceContext]


class WorkerContext:
    """The service context a worker process runs its tasks in: opened on first use (over the store the
    settings name, with the studio's secret key) and shared by the worker's threads."""

    def __init__(self, settings: Settings, opener: Opener | None = None) -> None:
        self.settings = settings
        self._opener = opener or _open
        self._ctx: ServiceContext | None = None
        self._lock = threading.Lock()

    def get(self) -> ServiceContext:
        with self._lock:
            if self._ctx is None:
                self._ctx = self._opener(self.settings)
            return self._ctx

    def close(self) -> None:
        with self._lock:
            if self._ctx is not None and self._ctx.store is not None:
                self._ctx.store.close()
            self._ctx = None


def _open(settings: Settings) -> ServiceContext:
    from smpstudio.services.context import open_context
    from smpstudio.web.secret import load_or_create_secret

    ctx = open_context(settings)
    # no acting user: each job acts as the user who asked for it, the reminder sweep as each clinic's system
    return replace(ctx.acting_as(None), secret=load_or_create_secret(settings.data_dir))


def result_path(settings: Settings, name: str) -> Path | None:
    """The file of a job's result ``name`` in the data directory (None for a name that is not a plain
    file name there, or no such file)."""
    if not name or name != Path(name).name or name.startswith("."):
        return None
    path = settings.data_dir / JOBS_DIR / name
    return path if path.is_file() else None


def _jobs_dir(settings: Settings) -> Path:
    folder = settings.data_dir / JOBS_DIR
    if not folder.exists():
        folder.mkdir(_PRIVATE_DIR, parents=True, exist_ok=True)
    folder.chmod(_PRIVATE_DIR)
    return folder


def _open_private(path: Path) -> Any:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), _PRIVATE_FILE)
    os.fchmod(fd, _PRIVATE_FILE)
    return os.fdopen(fd, "wb")


def run_job(worker: WorkerContext, job_id: int, sealed_passphrase: str | None = None) -> str:
    """Claim the job and do it; returns how it ended (``done``, ``failed`` or ``skipped``: another delivery
    claimed it first, or it was finished already)."""
    from smpstudio.services import job_runs, jobs

    ctx = worker.get()
    job = job_runs.claim_job(ctx, job_id)
    if job is None:
        log.info("job %d: not queued any more; nothing to do", job_id)
        return "skipped"
    log.info("job %d (%s): started", job.id, job.kind)
    folder = _jobs_dir(worker.settings)
    name = f"{job.id}-{job.kind}.{jobs.output_extension(job.kind, job.params)}"
    partial = folder / f".smp-tmp-{os.getpid()}-{secrets.token_hex(6)}.part"
    try:
        passphrase = jobs.open_secret(ctx, sealed_passphrase) if sealed_passphrase else None
        with _open_private(partial) as out:
            job_runs.do_job(ctx, job, out, passphrase=passphrase)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(folder / name)
    except SmpError as exc:
        partial.unlink(missing_ok=True)
        job_runs.finish_job(ctx, job.id, error=str(exc))
        log.warning("job %d (%s): failed (%s)", job.id, job.kind, exc.code)
        return "failed"
    except Exception as exc:  # the job fails, the worker goes on; the log names the error's type only
        partial.unlink(missing_ok=True)
        with contextlib.suppress(SmpError):
            job_runs.finish_job(ctx, job.id, error=f"the worker met an internal error ({type(exc).__name__})")
        log.error("job %d (%s): internal error %s", job.id, job.kind, type(exc).__name__)
        return "failed"
    job_runs.finish_job(ctx, job.id, result_name=name)
    log.info("job %d (%s): done", job.id, job.kind)
    return "done"


def sweep_reminders(worker: WorkerContext) -> int:
    """Send the reminders due in every clinic whose mail is set up; returns how many clinics were swept.
    One clinic's failure (its mail server down) is logged (its error's code or type, never its text) and the
    others are still swept."""
    from smpstudio.services import reminders

    ctx = worker.get()
    swept = 0
    for clinic_id in reminders.clinic_ids_with_mail(ctx):
        try:
            reminders.send_due_reminders(ctx, reminders.SendRemindersRequest.of(clinic_id=clinic_id), None)
        except SmpError as exc:
            log.warning("reminders of clinic %d: failed (%s)", clinic_id, exc.code)
            continue
        except Exception as exc:  # a mail server's error may quote addresses: the log names its type only
            log.error("reminders of clinic %d: internal error %s", clinic_id, type(exc).__name__)
            continue
        swept += 1
    log.info("reminder sweep: %d clinic(s)", swept)
    return swept


def tidy_jobs(worker: WorkerContext) -> int:
    """The jobs' upkeep (:func:`smpstudio.services.job_runs.tidy_jobs`), then the files it names removed,
    and any half-written result a stopped worker left; returns how many files were removed."""
    from smpstudio.services import job_runs

    ctx = worker.get()
    request = job_runs.TidyJobsRequest.of(keep_results_days=worker.settings.job_result_days)
    tidied = job_runs.tidy_jobs(ctx, request)
    removed = 0
    for name in tidied.result_names:
        path = result_path(worker.settings, name)
        if path is not None:
            path.unlink(missing_ok=True)
            removed += 1
    folder = worker.settings.data_dir / JOBS_DIR
    cutoff = time.time() - job_runs.JOB_RUNNING_LIMIT_H * 3600
    for partial in folder.glob(".smp-tmp-*.part") if folder.is_dir() else ():
        with contextlib.suppress(OSError):
            if partial.stat().st_mtime < cutoff:
                partial.unlink()
                removed += 1
    log.info(
        "job upkeep: %d ended, %d expired, %d file(s) removed",
        len(tidied.ended),
        len(tidied.expired),
        removed,
    )
    return removed


@dataclass
class Tasks:
    """The tasks registered on one huey instance, and the context the worker runs them in."""

    huey: Huey
    worker: WorkerContext
    run_job: Any = field(repr=False)
    sweep_reminders: Any = field(repr=False)
    tidy_jobs: Any = field(repr=False)

    def enqueue_job(self, job_id: int, sealed_passphrase: str | None = None) -> None:
        """Hand a job the services created to the queue (the face that asked calls this)."""
        self.run_job(job_id, sealed_passphrase)

    def close(self) -> None:
        """Close the worker's store, if it opened one."""
        self.worker.close()


def install(huey: Huey, settings: Settings, opener: Opener | None = None) -> Tasks:
    """Register the studio's tasks on ``huey``: ``run_job`` (queued by the faces), ``sweep_reminders``
    (periodic, every :data:`REMINDER_SWEEP_MINUTES` minutes) and ``tidy_jobs`` (every
    :data:`TIDY_MINUTES`). ``opener`` builds the worker's context (the store the settings name, with the
    studio's secret key, by default)."""
    worker = WorkerContext(settings, opener)

    @huey.task(name="run_job")
    def run_job_task(job_id: int, sealed_passphrase: str | None = None) -> str:
        return run_job(worker, job_id, sealed_passphrase)

    @huey.periodic_task(crontab(minute=f"*/{REMINDER_SWEEP_MINUTES}"), name="sweep_reminders")
    def sweep_task() -> int:
        return sweep_reminders(worker)

    @huey.periodic_task(crontab(minute=f"*/{TIDY_MINUTES}"), name="tidy_jobs")
    def tidy_task() -> int:
        return tidy_jobs(worker)

    return Tasks(huey, worker, run_job_task, sweep_task, tidy_task)
