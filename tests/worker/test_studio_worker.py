"""`smp studio --worker`: one `smp worker` child starts beside the web server, over the same data directory,
and stops (cleanly, exit 0) when the studio stops."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from smpstudio.cli import studio
from smpstudio.settings import Settings
from smpstudio.worker.queue import QUEUE_FILE
from tests.cli import smp_store

#: The longest the worker child may take to start (a Python process importing the studio). [s]
START_WAIT_S = 60.0


def test_the_studio_starts_its_worker_and_stops_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    assert smp_store(tmp_path, "clinic", "init", "--name", "C").returncode == 0
    children: list[subprocess.Popen[bytes]] = []
    seen: dict[str, Any] = {}

    def start(config: Settings) -> subprocess.Popen[bytes]:
        child = real_start(config)
        children.append(child)
        return child

    def serve(app: Any, **options: Any) -> None:
        """Instead of serving: wait until the worker child has made its queue beside the store."""
        queue = tmp_path / "var" / QUEUE_FILE
        deadline = time.monotonic() + START_WAIT_S
        while not queue.exists() and time.monotonic() < deadline and children[0].poll() is None:
            time.sleep(0.1)
        seen["queue"], seen["alive"] = queue.exists(), children[0].poll() is None

    real_start = studio.start_worker
    monkeypatch.setattr(studio, "start_worker", start)
    monkeypatch.setattr(uvicorn, "run", serve)
    ran = smp_store(tmp_path, "studio", "--worker")
    assert ran.returncode == 0, ran.stderr
    assert len(children) == 1 and seen == {"queue": True, "alive": True}
    assert children[0].returncode == 0  # stopped by the studio, cleanly
    assert "started the background worker" in ran.stderr and "stopped the background worker" in ran.stderr


def test_without_the_option_no_worker_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    assert smp_store(tmp_path, "clinic", "init", "--name", "C").returncode == 0
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: None)
    monkeypatch.setattr(studio, "start_worker", lambda config: pytest.fail("a worker was started"))
    assert smp_store(tmp_path, "studio").returncode == 0
    assert not (tmp_path / "var" / QUEUE_FILE).exists()


def test_a_worker_that_does_not_stop_is_killed() -> None:
    """The studio waits a bounded time for its worker; one that ignores SIGTERM is killed."""
    ignore = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True)"
    stubborn = subprocess.Popen([sys.executable, "-c", ignore + "; time.sleep(60)"], stdout=subprocess.PIPE)
    assert stubborn.stdout is not None and stubborn.stdout.readline() == b"ready\n"  # its handler is set
    assert studio.stop_worker(stubborn, timeout_s=0.5) == -9
    stubborn.stdout.close()
