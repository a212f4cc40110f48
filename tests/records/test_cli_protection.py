"""The data protection and schema commands, in-process: what they print, write and refuse."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from smpstudio.records.store import HEAD_REVISION, open_store
from tests.cli import Ran, smp_in_process


def smp(cwd: Path, *args: str) -> Ran:
    return smp_in_process(cwd, "--data-dir", "var", *args)


def ok(cwd: Path, *args: str) -> dict[str, object]:
    res = smp(cwd, *args, "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    ok(tmp_path, "clinic", "init", "--name", "Studio")
    ok(tmp_path, "client", "add", "--name", "Alex Doe", "--date-of-birth", "1980-02-03")
    return tmp_path


def test_db_upgrade_check_passes_on_a_current_store(clinic: Path) -> None:
    state = ok(clinic, "db", "upgrade", "--check")
    assert state == {
        "revision": HEAD_REVISION,
        "head": HEAD_REVISION,
        "status": "current",
        "up_to_date": True,
    }
    text = smp(clinic, "db", "upgrade", "--check")
    assert text.returncode == 0 and "no upgrade needed" in text.stdout
    assert ok(clinic, "db", "upgrade") == {
        "from_revision": HEAD_REVISION,
        "to_revision": HEAD_REVISION,
        "upgraded": False,
    }


def test_an_outdated_store_needs_db_upgrade(clinic: Path) -> None:
    store = open_store(clinic / "var")
    store.downgrade("base")  # an older revision (its history kept)
    store.close()
    refused = smp(clinic, "audit", "verify")
    assert refused.returncode == 3 and "needs an upgrade" in refused.stderr
    assert "smp db upgrade" in refused.stderr and "Traceback" not in refused.stderr
    check = smp(clinic, "db", "upgrade", "--check", "--json")
    assert check.returncode == 3
    assert json.loads(check.stdout) == {
        "revision": None,
        "head": HEAD_REVISION,
        "status": "outdated",
        "up_to_date": False,
    }
    assert "needs an upgrade to" in smp(clinic, "db", "upgrade", "--check").stdout
    again = smp(clinic, "clinic", "init", "--name", "Other")  # creating never upgrades an existing store
    assert again.returncode == 3 and "needs an upgrade" in again.stderr
    upgraded = ok(clinic, "db", "upgrade")
    assert upgraded == {"from_revision": None, "to_revision": HEAD_REVISION, "upgraded": True}
    assert ok(clinic, "db", "upgrade", "--check")["up_to_date"] is True


def test_db_upgrade_without_a_store_says_how_to_make_one(tmp_path: Path) -> None:
    res = smp(tmp_path, "db", "upgrade")
    assert res.returncode == 3 and "no store in" in res.stderr and "clinic init" in res.stderr
    assert not (tmp_path / "var").exists()
    check = smp(tmp_path, "db", "upgrade", "--check")
    assert check.returncode == 3 and "clinic init" in check.stderr


def test_export_and_backup_write_whole_files_or_none(clinic: Path) -> None:
    exported = ok(clinic, "client", "export", "1", "--out", "alex.zip")
    assert exported == {"client": 1, "out": "alex.zip", "files": 0, "sessions": 0}
    with zipfile.ZipFile(clinic / "alex.zip") as zf:
        assert json.loads(zf.read("record.json"))["client"]["name"] == "Alex Doe"
    missing = smp(clinic, "client", "export", "1", "--out", "no/such/alex.zip")
    assert missing.returncode == 2 and "out:" in missing.stderr and "does not exist" in missing.stderr
    unknown = smp(clinic, "client", "export", "99", "--out", "x.zip")
    assert unknown.returncode == 2 and not (clinic / "x.zip").exists()
    assert not (clinic / ".x.zip.part").exists()  # no file, no half file
    backup = ok(clinic, "backup", "--out", "b.zip")
    assert backup["out"] == "b.zip" and backup["dialect"] == "sqlite" and backup["files"] == 0
    assert isinstance(backup["audit_entries"], int) and not list(clinic.glob(".*.part"))


def test_restore_names_the_backup_when_it_is_not_one(clinic: Path) -> None:
    assert smp(clinic, "restore", "nothing.zip").returncode == 2
    (clinic / "junk.zip").write_bytes(b"junk")
    res = smp(clinic, "restore", "junk.zip")
    assert res.returncode == 2 and "backup: not an smpstudio backup" in res.stderr
    assert "`smp" not in res.stderr  # the service's words name no command


def test_restore_into_an_empty_place_and_erase_refusal_json(
    clinic: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    ok(clinic, "backup", "--out", "b.zip")
    fresh = tmp_path_factory.mktemp("fresh")
    (fresh / "b.zip").write_bytes((clinic / "b.zip").read_bytes())
    restored = ok(fresh, "restore", "b.zip")
    assert restored["restored"] is True and restored["kept"] is None
    assert ok(fresh, "audit", "verify")["ok"] is True
    refused = smp(fresh, "client", "erase", "1", "--json")
    assert refused.returncode == 2
    assert set(json.loads(refused.stdout)) == {"erased", "retained_until", "reason"}
