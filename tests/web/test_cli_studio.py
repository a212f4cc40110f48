"""`smp studio`: what it serves, the demo store it makes, the secret key it keeps, and what it refuses."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from smpstudio.services.demo_store import DEMO_LOGINS
from tests.cli import smp_store

Served = dict[str, Any]


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Served:
    """Catch what `smp studio` would hand to uvicorn instead of serving it."""
    import uvicorn

    caught: Served = {}

    def run(app: Any, **options: Any) -> None:
        caught["app"], caught["options"] = app, options

    monkeypatch.setattr(uvicorn, "run", run)
    return caught


def test_demo_makes_a_store_serves_it_and_prints_the_logins(tmp_path: Path, served: Served) -> None:
    ran = smp_store(tmp_path, "studio", "--demo", "--port", "8123")
    assert ran.returncode == 0, ran.stderr
    assert "http://127.0.0.1:8123/" in ran.stdout
    for login in DEMO_LOGINS:
        assert f"{login.email}" in ran.stdout and login.password in ran.stdout
    assert served["options"]["host"] == "127.0.0.1" and served["options"]["port"] == 8123
    assert served["options"]["access_log"] is False  # the studio's own log names routes, never URLs
    key = tmp_path / "var" / "studio-secret.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    owner = DEMO_LOGINS[0]
    with TestClient(served["app"], base_url="http://127.0.0.1:8123") as client:
        answer = client.post("/api/v1/login", json={"email": owner.email, "password": owner.password})
        assert answer.status_code == 200 and answer.json()["role"] == "owner"
    # a second start reuses the store and the key
    again = smp_store(tmp_path, "studio", "--demo")
    assert again.returncode == 0 and "using the store" in again.stderr
    assert key.read_text() == (tmp_path / "var" / "studio-secret.key").read_text()


def test_without_a_store_the_studio_says_how_to_make_one(tmp_path: Path, served: Served) -> None:
    ran = smp_store(tmp_path, "studio")
    assert ran.returncode == 3 and "app" not in served
    assert "no store" in ran.stderr


def test_workers_serve_the_app_factory_with_the_settings_in_the_environment(
    tmp_path: Path, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert smp_store(tmp_path, "clinic", "init", "--name", "C").returncode == 0
    ran = smp_store(tmp_path, "studio", "--workers", "3")
    assert ran.returncode == 0, ran.stderr
    assert served["app"] == "smpstudio.web.app:app_from_env"
    assert served["options"]["workers"] == 3 and served["options"]["factory"] is True
