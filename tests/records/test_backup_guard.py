"""Verification reports a trail the database no longer keeps append-only, and a backup restore would refuse
(a broken chain, missing triggers) is refused before anything is written."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from smpstudio.errors import AccessError, SmpError
from smpstudio.records import audit
from smpstudio.records.store import Store, open_store
from smpstudio.services import audit_trail, backups, protection
from tests.cli import smp_store as smp
from tests.records.conftest import acting
from tests.records.helpers import setup_clinic

_NO_UPDATE = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
)


def _drop_delete_trigger(store: Store) -> None:
    with store.engine.begin() as conn:  # an attacker with database access removes the guard
        if store.dialect == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")


def _alter_entry(store: Store, seq: int) -> None:
    """Change entry ``seq`` behind the triggers' back, then put the triggers back."""
    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            conn.execute(text("UPDATE audit_log SET actor_id = 99 WHERE seq = :s"), {"s": seq})
            conn.exec_driver_sql(_NO_UPDATE)
        else:
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
            conn.execute(text("UPDATE audit_log SET actor_id = 99 WHERE seq = :s"), {"s": seq})
            conn.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")


def _entries(store: Store) -> tuple[int, int]:
    with store.engine.connect() as conn:
        count, last = conn.execute(text("SELECT COUNT(*), MAX(seq) FROM audit_log")).one()
    return int(count), int(last)


def test_an_intact_store_verifies_append_only_and_backs_up(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    check = protection.verify_audit(acting(store, ids["owner"]))
    assert check.ok and check.append_only and check.first_bad_entry is None
    assert audit.append_only(store.engine) is True
    out = io.BytesIO()
    assert backups.backup(acting(store, ids["owner"]), out).audit_entries > 0 and out.getvalue()


def test_missing_triggers_fail_verification_and_backup(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    _drop_delete_trigger(store)
    before = _entries(store)
    check = protection.verify_audit(acting(store, ids["owner"]))
    assert check.ok is False and check.append_only is False and check.first_bad_entry is None
    assert check.entries == before[0]
    assert _entries(store) == before  # the probe left nothing behind
    anchor = audit_trail.anchor_audit(acting(store, ids["owner"]))
    anchored = audit_trail.verify_against_anchor(acting(store, ids["owner"]), anchor)
    assert anchored.ok is False and anchored.append_only is False and anchored.truncated is False
    out = io.BytesIO()
    with pytest.raises(SmpError, match="not append-only") as info:
        backups.backup(acting(store, ids["owner"]), out)
    assert info.value.code == "audit_not_append_only" and info.value.kind == "internal"
    assert info.value.exit_code == 1 and out.getvalue() == b""
    assert _entries(store) == before  # not even a backup entry: nothing happened


def test_a_broken_chain_fails_backup_and_writes_nothing(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    _alter_entry(store, 3)
    check = protection.verify_audit(acting(store, ids["owner"]))
    assert check.ok is False and check.first_bad_entry == 3 and check.append_only is True
    out = io.BytesIO()
    with pytest.raises(SmpError, match="broken at entry 3") as info:
        backups.backup(acting(store, ids["owner"]), out)
    assert info.value.code == "audit_broken" and info.value.exit_code == 1 and out.getvalue() == b""


def test_a_user_who_is_not_the_administrator_is_refused_as_before(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    _alter_entry(store, 3)
    with pytest.raises(AccessError):  # the trail's state is not told to who may not back up
        backups.backup(acting(store, ids["prac"]), io.BytesIO())


# ------------------------------------------------------------------------------------------- command line


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    for args in (
        ("clinic", "init", "--name", "Studio"),
        ("client", "add", "--name", "Alex Doe", "--date-of-birth", "1980-02-03"),
    ):
        assert smp(tmp_path, *args).returncode == 0
    return tmp_path


def _no_backup_written(clinic: Path) -> bool:
    return (
        not (clinic / "b.zip").exists()
        and not list(clinic.glob(".*.part"))
        and not list((clinic / "var").rglob("*.part"))
    )


def test_cli_verify_and_backup_without_the_triggers(clinic: Path) -> None:
    store = open_store(clinic / "var")
    _drop_delete_trigger(store)
    store.close()
    verified = smp(clinic, "audit", "verify")
    assert verified.returncode == 1 and "not append-only" in verified.stdout
    as_json = json.loads(smp(clinic, "audit", "verify", "--json").stdout)
    assert as_json["ok"] is False and as_json["append_only"] is False
    refused = smp(clinic, "backup", "--out", "b.zip")
    assert refused.returncode == 1 and "not append-only" in refused.stderr, refused.stderr
    assert "wrote" not in refused.stdout and _no_backup_written(clinic)


def test_cli_backup_of_a_broken_chain_is_refused(clinic: Path) -> None:
    store = open_store(clinic / "var")
    _alter_entry(store, 2)
    store.close()
    verified = smp(clinic, "audit", "verify")
    assert verified.returncode == 1 and "broken at entry 2" in verified.stdout
    refused = smp(clinic, "backup", "--out", "b.zip", "--json")
    assert refused.returncode == 1 and "broken at entry 2" in refused.stderr, refused.stderr
    assert _no_backup_written(clinic)
