"""How the records commands print: list results as they are, user text as data, the `--dilution` alias."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smpstudio.cli.output import rows
from smpstudio.services.clinics import UserList
from smpstudio.services.lots import LotList
from tests.cli import smp_json as ok
from tests.cli import smp_store as smp


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    ok(tmp_path, "clinic", "init", "--name", "Studio")
    ok(tmp_path, "client", "add", "--name", "Alex Doe", "--date-of-birth", "1980-02-03")
    return tmp_path


def test_rows_prints_the_list_result_itself(capsys: pytest.CaptureFixture[str]) -> None:
    users = UserList.model_validate(
        {"users": [{"id": 1, "name": "[b]Sam[/b]", "role": "owner", "active": True, "certifications": {}}]}
    )
    rows(users, True, ["id", "name"], "users")
    assert json.loads(capsys.readouterr().out) == users.to_json()
    rows(users, False, ["id", "name"], "users")
    assert "[b]Sam[/b]" in capsys.readouterr().out  # the table is the same list, cells as data
    rows(LotList(lots=[]), False, ["id"], "lots")
    assert capsys.readouterr().out.strip() == "no lots"


def test_list_commands_print_their_service_result(clinic: Path) -> None:
    assert set(ok(clinic, "user", "list")) == {"users"}
    assert ok(clinic, "lot", "list") == {"lots": []}
    assert set(ok(clinic, "client", "find", "Alex")) == {"clients"}


def test_consent_versions_are_printed_as_data(clinic: Path) -> None:
    (clinic / "text.md").write_text("# Consent\nI agree.\n")
    added = smp(clinic, "consent", "text", "--kind", "treatment", "--version", "[red]v2", "text.md")
    assert added.returncode == 0, added.stderr
    assert "treatment [red]v2 stored" in added.stdout
    signed = smp(
        clinic, "consent", "sign", "--client", "1", "--signed-name", "Alex Doe", "--version", "[red]v2"
    )
    assert signed.returncode == 0, signed.stderr
    assert "(text version [red]v2)" in signed.stdout


SESSION = ["session", "record", "--client", "1", "--practitioner", "1"]
SESSION += ["--pigment-lot", "P", "--needle-lot", "N"]
NOTE = "note: --dilution is deprecated; use --ink-fraction (the same value: the share of undiluted ink)"


def test_session_dilution_is_the_shared_deprecated_alias(clinic: Path) -> None:
    old = smp(clinic, *SESSION, "--dilution", "0.5", "--json")
    new = smp(clinic, *SESSION, "--ink-fraction", "0.5", "--json")
    assert (old.returncode, old.stdout) == (new.returncode, new.stdout)
    assert [line for line in old.stderr.splitlines() if "deprecated" in line] == [NOTE]
    assert "deprecated" not in new.stderr
    clash = smp(clinic, *SESSION, "--ink-fraction", "0.5", "--dilution", "0.25")
    assert clash.returncode == 2 and "ink_fraction:" in clash.stderr and "disagree" in clash.stderr
    assert "Traceback" not in clash.stderr and not clash.stdout
    same = smp(clinic, *SESSION, "--ink-fraction", "0.5", "--dilution", "0.5", "--json")
    assert same.stdout == new.stdout
