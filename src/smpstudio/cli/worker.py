"""``smp worker``: run the studio's background work in the foreground (huey's consumer over the job queue the
settings name) until SIGINT or SIGTERM, which let the job in hand finish first.

The queue is a SQLite file beside the store (``data_dir/queue.sqlite3``) or Redis (``SMP_QUEUE_URL``); the
store is the one the settings name (SQLite or PostgreSQL). The log names job ids and kinds only.

``smp worker --sweep-now`` runs the reminder sweep and the jobs' upkeep once, in this process, and exits (no
queue is read).
"""

from __future__ import annotations

import logging
import signal
from typing import Annotated

import typer

from smpstudio.cli.common import err, run, settings

__all__ = ["register"]

#: How long a stop waits for the jobs in hand before interrupting them. [s]
SHUTDOWN_TIMEOUT_S = 60.0
#: The longest pause between two looks at an idle SQLite queue (huey backs off up to this). [s]
MAX_POLL_DELAY_S = 2.0


def _configure_logging() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("smpstudio.worker", "huey"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False


def _stop_before_start(signum: int, frame: object) -> None:
    """A SIGTERM before the consumer runs: nothing is in hand, so the worker ends at once, cleanly."""
    raise SystemExit(0)


def worker(
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=32, help="Jobs run at the same time (threads).")
    ] = 1,
    sweep_now: Annotated[
        bool,
        typer.Option(
            "--sweep-now",
            help="Send the reminders due now and tidy the jobs' results, once, then exit (no queue read).",
        ),
    ] = False,
) -> None:
    """Run the background worker: the jobs users ask for (backups, exports, preview renders) and the
    reminder sweep every 5 minutes. Stop it with Ctrl-C or SIGTERM."""
    from smpstudio.worker.queue import build_queue, queue_location

    if sweep_now:
        _sweep_now()
        return
    signal.signal(signal.SIGTERM, _stop_before_start)
    config = settings()
    tasks = run(lambda: build_queue(config))
    run(tasks.worker.get)  # open the store now: a missing or outdated one is refused before any job is taken
    _configure_logging()
    consumer = tasks.huey.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=True,
        max_delay=MAX_POLL_DELAY_S,
        shutdown_timeout=SHUTDOWN_TIMEOUT_S,
    )
    # SIGTERM (a service manager's stop) lets the jobs in hand finish, as SIGINT (Ctrl-C) does; a second
    # signal interrupts them.
    consumer._signal_actions[signal.SIGTERM] = (False, True)
    err.print(
        f"smpstudio worker: {workers} thread(s) on the queue {queue_location(config)} (stop with Ctrl-C)"
    )
    try:
        consumer.run()
    finally:
        tasks.close()
    err.print("smpstudio worker stopped")


def _sweep_now() -> None:
    """The reminder sweep and the jobs' upkeep of the worker, once, in the foreground, over the store the
    settings name."""
    from smpstudio.worker.tasks import WorkerContext, sweep_reminders, tidy_jobs

    context = WorkerContext(settings())
    try:
        run(context.get)  # a missing or outdated store is refused here
        _configure_logging()
        swept = run(lambda: sweep_reminders(context))
        removed = run(lambda: tidy_jobs(context))
    finally:
        context.close()
    err.print(
        f"smpstudio worker: reminder sweep done ({swept} clinic(s) with mail swept); "
        f"jobs tidied ({removed} result file(s) removed)"
    )


def register(app: typer.Typer) -> None:
    """Add ``smp worker`` to the command line."""
    app.command("worker")(worker)
