"""`smp worker --sweep-now`: the reminder sweep once, in the foreground, over the store the settings name;
then the command exits (no queue is read, no worker keeps running)."""

from __future__ import annotations

from pathlib import Path

import pytest

from smpstudio.services import reminders
from tests.cli import smp_in_process
from tests.worker.conftest import Clinic


def test_sweep_now_sends_the_reminders_due_once_and_exits(
    clinic: Clinic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[int, int | None]] = []

    def send(ctx: object, request: reminders.SendRemindersRequest, mailer: object) -> None:
        calls.append((request.clinic_id, getattr(ctx, "user_id", 0)))

    monkeypatch.setattr(reminders, "clinic_ids_with_mail", lambda ctx: [1, 2])
    monkeypatch.setattr(reminders, "send_due_reminders", send)
    env = {"SMP_DATA_DIR": str(clinic.store.data_dir)}
    if clinic.settings.database_url is not None:
        env["SMP_DATABASE_URL"] = clinic.settings.database_url
    ran = smp_in_process(tmp_path, "worker", "--sweep-now", env=env)
    assert ran.returncode == 0, ran.stderr
    assert calls == [(1, None), (2, None)]  # each clinic with mail once, acting as no user
    assert "reminder sweep done (2 clinic(s) with mail swept)" in ran.stderr
    assert not (clinic.store.data_dir / "queue.sqlite3").exists()


def test_sweep_now_refuses_a_missing_store(tmp_path: Path) -> None:
    ran = smp_in_process(tmp_path, "--data-dir", str(tmp_path / "none"), "worker", "--sweep-now")
    assert ran.returncode != 0 and "reminder sweep done" not in ran.stderr
