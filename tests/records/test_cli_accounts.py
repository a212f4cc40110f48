"""The account commands: `smp user add --email`, `smp user password|token|token-revoke|tokens`
(in-process)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smpstudio.records.store import open_store
from smpstudio.services import accounts, api_tokens
from smpstudio.services.context import ServiceContext
from tests.cli import CLEARED_ENV, Ran, smp_in_process
from tests.cli import smp_json as ok


def smp(cwd: Path, *args: str) -> Ran:
    return smp_in_process(cwd, "--data-dir", "var", *args)


def smp_input(cwd: Path, stdin: str, *args: str) -> Ran:
    """``smp --data-dir var ARGS`` with ``stdin`` piped in (not a terminal)."""
    from smpstudio.cli.main import app

    with contextlib.chdir(cwd):
        result = CliRunner().invoke(
            app,
            ["--data-dir", "var", *args],
            input=stdin,
            env=dict.fromkeys(CLEARED_ENV),
            catch_exceptions=False,
        )
    return Ran(result.exit_code, result.stdout, result.stderr)


def log_in(cwd: Path, email: str, password: str) -> accounts.LoginResult:
    store = open_store(cwd / "var")
    try:
        return accounts.login(
            ServiceContext(store=store), accounts.LoginRequest.of(email=email, password=password)
        )
    finally:
        store.close()


def test_a_password_is_read_from_stdin_and_logs_in(tmp_path: Path) -> None:
    owner = ok(tmp_path, "clinic", "init", "--name", "One", "--owner-email", "Ann@Example.org")["owner_id"]
    done = smp_input(tmp_path, "  spaces kept, newline not\n", "user", "password", str(owner))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"password set for user {owner}\n"
    assert "spaces kept" not in done.stdout + done.stderr
    assert log_in(tmp_path, "ann@example.org", "  spaces kept, newline not").user_id == owner
    crlf = smp_input(tmp_path, "windows line end\r\n", "user", "password", str(owner), "--json")
    assert crlf.returncode == 0 and '"sessions_ended": 1' in crlf.stdout  # the login's
    assert log_in(tmp_path, "ann@example.org", "windows line end").user_id == owner
    short = smp_input(tmp_path, "short\n", "user", "password", str(owner))
    assert short.returncode == 2 and "password" in short.stderr and "short\n" not in short.stderr


def test_on_a_terminal_the_password_is_asked_twice_hidden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = ok(tmp_path, "clinic", "init", "--name", "One", "--owner-email", "ann@example.org")["owner_id"]
    monkeypatch.setattr("smpstudio.cli.clinics._stdin_is_terminal", lambda: True)
    typed = "typed twice, hidden"
    done = smp_input(tmp_path, f"{typed}\n{typed}\n", "user", "password", str(owner))
    assert done.returncode == 0, done.stderr
    # (The runner echoes a hidden input's newline on stdout; a terminal's getpass writes it to the tty.)
    assert done.stdout.strip() == f"password set for user {owner}" and typed not in done.stdout + done.stderr
    assert "New password" in done.stderr and "Repeat for confirmation" in done.stderr
    assert log_in(tmp_path, "ann@example.org", typed).user_id == owner
    mismatch = smp_input(tmp_path, f"{typed}\nsomething else\n", "user", "password", str(owner))
    assert mismatch.returncode != 0 and "password set" not in mismatch.stdout


def test_a_user_added_with_an_e_mail_can_be_given_a_password(tmp_path: Path) -> None:
    ok(tmp_path, "clinic", "init", "--name", "One", "--owner-email", "ann@example.org")
    pat = ok(
        tmp_path, "user", "add", "--name", "Pat", "--role", "practitioner", "--email", "Pat@Example.org"
    )["id"]
    taken = smp(
        tmp_path, "user", "add", "--name", "Dup", "--role", "front-desk", "--email", "pat@example.org"
    )
    assert taken.returncode == 2 and "email" in taken.stderr
    assert smp_input(tmp_path, "pat's long password\n", "user", "password", str(pat)).returncode == 0
    assert log_in(tmp_path, "pat@example.org", "pat's long password").role == "practitioner"
    refused = smp_input(tmp_path, "someone else's pw\n", "--as", str(pat), "user", "password", "1")
    assert refused.returncode == 4  # a practitioner sets only their own


def test_a_token_is_the_only_line_on_stdout_and_can_be_revoked(tmp_path: Path) -> None:
    owner = ok(tmp_path, "clinic", "init", "--name", "One")["owner_id"]
    issued = smp(tmp_path, "user", "token", str(owner), "--name", "backup script")
    assert issued.returncode == 0, issued.stderr
    lines = issued.stdout.splitlines()
    assert len(lines) == 1 and issued.stdout == lines[0] + "\n" and lines[0].startswith("smp_")
    assert "shown only now" in issued.stderr and lines[0] not in issued.stderr
    token = lines[0]
    store = open_store(tmp_path / "var")
    try:
        assert api_tokens.token_user(ServiceContext(store=store), token).user_id == owner
    finally:
        store.close()
    listed = ok(tmp_path, "user", "tokens", str(owner))["tokens"]
    assert [(t["name"], t["revoked"]) for t in listed] == [("backup script", False)]  # type: ignore[index]
    assert token not in str(listed)
    table = smp(tmp_path, "user", "tokens", str(owner))
    assert table.returncode == 0 and "backup script" in table.stdout and token not in table.stdout
    token_id = str(listed[0]["id"])  # type: ignore[index]
    revoked = smp(tmp_path, "user", "token-revoke", token_id)
    assert revoked.returncode == 0 and revoked.stdout == f"API token {token_id} of user {owner} revoked\n"
    assert ok(tmp_path, "user", "tokens", str(owner))["tokens"][0]["revoked"] is True  # type: ignore[index]
    missing = smp(tmp_path, "user", "token-revoke", "999")
    assert missing.returncode == 2 and "no API token" in missing.stderr
    assert smp(tmp_path, "user", "tokens", "999").returncode == 2
