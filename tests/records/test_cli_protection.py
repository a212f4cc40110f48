"""The data protection and schema commands, in-process: what they print, write and refuse."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from smpstudio.records.store import HEAD_REVISION, open_store
from tests.cli import smp_in_process
from tests.cli import smp_json as ok
from tests.cli import smp_store as smp


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
    # A client never treated is erased at once; the restored record is an ordinary one.
    erased = smp(fresh, "client", "erase", "1", "--json")
    assert erased.returncode == 0 and json.loads(erased.stdout) == {"erased": True, "client": 1}


def test_backup_says_when_it_is_unencrypted_and_restore_asks_for_the_passphrase(clinic: Path) -> None:
    plain = smp(clinic, "backup", "--out", "plain.zip")
    assert plain.returncode == 0 and "not encrypted" in plain.stderr
    (clinic / "pass.txt").write_text("correct horse\n")
    (clinic / "wrong.txt").write_text("battery staple\n")
    sealed = smp(clinic, "backup", "--out", "sealed.bin", "--passphrase-file", "pass.txt", "--json")
    assert sealed.returncode == 0 and "not encrypted" not in sealed.stderr
    assert json.loads(sealed.stdout)["encrypted"] is True
    assert b"manifest.json" not in (clinic / "sealed.bin").read_bytes()
    needed = smp(clinic, "restore", "sealed.bin")
    assert needed.returncode == 2 and "passphrase" in needed.stderr
    wrong = smp(clinic, "restore", "sealed.bin", "--passphrase-file", "wrong.txt")
    assert wrong.returncode == 2 and "does not open this backup" in wrong.stderr
    by_env = smp_in_process(
        clinic, "--data-dir", "var", "restore", "sealed.bin", env={"SMP_BACKUP_PASSPHRASE": "correct horse"}
    )
    assert by_env.returncode == 0, by_env.stderr
    assert smp(clinic, "restore", "sealed.bin", "--passphrase-file", "pass.txt").returncode == 0


def test_audit_anchor_reveals_a_truncated_tail(clinic: Path) -> None:
    anchor = ok(clinic, "audit", "anchor", "--out", "anchor.json")
    assert anchor["entries"] > 1 and len(str(anchor["store_id"])) == 32
    assert json.loads((clinic / "anchor.json").read_text())["last_hash"] == anchor["last_hash"]
    assert ok(clinic, "audit", "verify", "--anchor", "anchor.json")["truncated"] is False
    store = open_store(clinic / "var")
    with store.engine.begin() as conn:  # someone with the file drops the triggers and the newest entry
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        conn.exec_driver_sql("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
    store.close()
    plain = json.loads(smp(clinic, "audit", "verify", "--json").stdout)  # the chain alone cannot tell,
    assert plain["first_bad_entry"] is None and plain["append_only"] is False  # the missing trigger can
    res = smp(clinic, "audit", "verify", "--anchor", "anchor.json", "--json")
    assert res.returncode == 1
    assert json.loads(res.stdout)["truncated"] is True and json.loads(res.stdout)["ok"] is False
    (clinic / "bad.json").write_text('{"anchor_format": 1, "entries": "many"}')
    bad = smp(clinic, "audit", "verify", "--anchor", "bad.json")
    assert bad.returncode == 2 and "anchor" in bad.stderr


def test_backup_restore_and_upgrade_need_the_store_administrator(clinic: Path) -> None:
    staff = ok(clinic, "user", "add", "--name", "Sam", "--role", "owner")
    other_owner = str(staff["id"])
    assert ok(clinic, "backup", "--out", "b.zip")["audit_entries"] > 0
    for args in (("backup", "--out", "c.zip"), ("restore", "b.zip"), ("db", "upgrade")):
        res = smp(clinic, "--as", other_owner, *args)
        assert res.returncode == 4 and "administrator" in res.stderr, (args, res.stderr)
    assert not (clinic / "c.zip").exists()


def test_backup_and_export_json_is_the_result_stored_where_the_file_went(clinic: Path) -> None:
    from smpstudio.services.backups import BackupResult
    from smpstudio.services.protection import ExportResult

    made = BackupResult(files=0, audit_entries=3, dialect="sqlite")
    assert made.stored_at("b.zip").to_json() == made.to_json() | {"out": "b.zip"} and made.out is None
    exported = ExportResult(client=1, files=0, sessions=0)
    assert exported.stored_at("e.zip").out == "e.zip" and exported.out is None
    assert ok(clinic, "client", "export", "1", "--out", "e.zip")["out"] == "e.zip"
    assert ok(clinic, "backup", "--out", "b.zip")["out"] == "b.zip"


def test_refusals_and_a_broken_chain_exit_with_their_kind(
    clinic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    from smpstudio import errors
    from smpstudio.services import protection

    monkeypatch.setitem(errors.EXIT_CODES, "refused", 7)
    monkeypatch.setitem(errors.EXIT_CODES, "internal", 9)
    refusal = protection.ErasureRefused(retained_until=dt.date(2099, 1, 1), reason="kept [b]ten[/b] years")
    monkeypatch.setattr(protection, "erase_client", lambda ctx, request: refusal)
    refused = smp(clinic, "client", "erase", "1")
    assert refused.returncode == 7 and "kept until 2099-01-01" in refused.stdout
    assert "[b]ten[/b]" in refused.stdout  # the reason is data, not markup
    as_json = smp(clinic, "client", "erase", "1", "--json")
    assert as_json.returncode == 7 and json.loads(as_json.stdout) == refusal.to_json()
    store = open_store(clinic / "var")
    with store.engine.begin() as conn:  # an entry altered behind the triggers' back
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        conn.exec_driver_sql("UPDATE audit_log SET action = 'read' WHERE seq = 1")
    store.close()
    broken = smp(clinic, "audit", "verify", "--json")
    assert broken.returncode == 9 and json.loads(broken.stdout)["ok"] is False
