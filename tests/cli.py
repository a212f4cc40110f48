"""Running ``smp`` in tests: in-process through Typer's runner (fast), or as a real process (smoke tests)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from smpstudio.settings import Settings

SMP = [sys.executable, "-m", "smpstudio.cli.main"]
#: Settings a developer's shell may hold that would change what a test's command does.
CLEARED_ENV = (*(f"SMP_{name.upper()}" for name in Settings.model_fields), "SMP_BACKUP_PASSPHRASE")


@dataclass(frozen=True)
class Ran:
    """What a command printed and its exit code (the fields of :class:`subprocess.CompletedProcess`)."""

    returncode: int
    stdout: str
    stderr: str


def smp_in_process(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Ran:
    """Run ``smp ARGS`` in this process, in ``cwd``, with a clean ``SMP_*`` environment plus ``env``."""
    from smpstudio.cli.main import app

    environ: dict[str, str | None] = dict.fromkeys(CLEARED_ENV) | dict(env or {})
    with contextlib.chdir(cwd):
        result = CliRunner().invoke(app, list(args), env=environ, catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


def smp_process(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Ran:
    """Run ``smp ARGS`` as a real process in ``cwd`` (for the few smoke tests of the installed command)."""
    full_env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENV} | (env or {})
    proc = subprocess.run([*SMP, *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=full_env)
    return Ran(proc.returncode, proc.stdout, proc.stderr)


def smp_store(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Ran:
    """``smp --data-dir var ARGS`` in-process in ``cwd`` (the store in ``cwd/var``)."""
    return smp_in_process(cwd, "--data-dir", "var", *args, env=env)


def smp_json(cwd: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    """The one JSON object ``smp --data-dir var ARGS --json`` prints; the command must succeed."""
    import json

    res = smp_store(cwd, *args, "--json", env=env)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("\n") == 1
    return json.loads(res.stdout)  # type: ignore[no-any-return]
