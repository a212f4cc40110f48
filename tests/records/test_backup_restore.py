"""Restore checks a staged copy before it replaces anything; backups may be encrypted; archives are
bounded."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest

from smpstudio.errors import InputError, RefusedError, SmpError
from smpstudio.records import audit
from smpstudio.records.store import Store, open_store
from smpstudio.services import backups, clients
from smpstudio.settings import Settings
from tests.records.conftest import acting
from tests.records.helpers import setup_clinic


def _settings(store: Store, user: int | None = None) -> Settings:
    return Settings(
        data_dir=store.data_dir, database_url=None if store.dialect == "sqlite" else store.url, user=user
    )


def _backup(store: Store, owner: int, passphrase: str | None = None) -> bytes:
    out = io.BytesIO()
    backups.backup(acting(store, owner), out, passphrase=passphrase)
    return out.getvalue()


def _members(archive: bytes) -> tuple[dict[str, object], dict[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    return json.loads(members.pop("manifest.json")), members


def _zip(manifest: dict[str, object], members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def _untouched(store: Store, ids: dict[str, int]) -> None:
    st = open_store(store.data_dir, url=None if store.dialect == "sqlite" else store.url)
    try:
        assert clients.client_record(acting(st, ids["owner"]), ids["client"]).client.name == "Alex Doe"
    finally:
        st.close()


def _sqlite_variant(db: bytes, tmp_path: Path, sql: str) -> bytes:
    path = tmp_path / "variant.sqlite3"
    path.write_bytes(db)
    conn = sqlite3.connect(path)
    conn.executescript(sql)
    conn.close()
    return path.read_bytes()


def test_an_empty_sqlite_file_in_a_valid_backup_replaces_nothing(tmp_path: Path) -> None:
    store = open_store(tmp_path / "var", create=True)
    ids = setup_clinic(store, tmp_path)
    manifest, members = _members(_backup(store, ids["owner"]))
    store.close()
    members["database.sqlite3"] = b""
    with pytest.raises(InputError, match="holds no smpstudio store") as caught:
        backups.restore(_settings(store, ids["owner"]), _zip(manifest, members))
    assert caught.value.field == "backup" and caught.value.exit_code == 2
    _untouched(store, ids)


def test_a_backup_whose_triggers_were_dropped_is_refused(tmp_path: Path) -> None:
    store = open_store(tmp_path / "var", create=True)
    ids = setup_clinic(store, tmp_path)
    manifest, members = _members(_backup(store, ids["owner"]))
    store.close()
    original = members["database.sqlite3"]
    members["database.sqlite3"] = _sqlite_variant(
        original,
        tmp_path,
        "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
    )
    with pytest.raises(InputError, match="not append-only") as caught:
        backups.restore(_settings(store, ids["owner"]), _zip(manifest, members))
    assert caught.value.code == "backup_not_append_only"
    _untouched(store, ids)
    # A trigger that exists by name but refuses nothing is caught as well.
    members["database.sqlite3"] = _sqlite_variant(
        original,
        tmp_path,
        "DROP TRIGGER audit_log_no_delete; CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT 1; END;",
    )
    with pytest.raises(InputError, match="not append-only"):
        backups.restore(_settings(store, ids["owner"]), _zip(manifest, members))


def test_a_backup_whose_chain_lost_its_tail_is_refused(tmp_path: Path) -> None:
    store = open_store(tmp_path / "var", create=True)
    ids = setup_clinic(store, tmp_path)
    manifest, members = _members(_backup(store, ids["owner"]))
    store.close()
    members["database.sqlite3"] = _sqlite_variant(
        members["database.sqlite3"],
        tmp_path,
        "DROP TRIGGER audit_log_no_delete; "
        "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log);"
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;",
    )
    with pytest.raises(InputError, match="does not end where its manifest says"):
        backups.restore(_settings(store, ids["owner"]), _zip(manifest, members))
    _untouched(store, ids)


def test_another_stores_backup_needs_an_explicit_choice(tmp_path: Path) -> None:
    store = open_store(tmp_path / "var", create=True)
    ids = setup_clinic(store, tmp_path)
    store.close()
    other = open_store(tmp_path / "other", create=True)
    foreign = _backup(other, setup_clinic(other, tmp_path)["owner"])
    other.close()
    with pytest.raises(RefusedError, match="another store") as caught:
        backups.restore(_settings(store, ids["owner"]), foreign)
    assert caught.value.code == "other_store" and caught.value.exit_code == 2
    _untouched(store, ids)
    done = backups.restore(_settings(store, ids["owner"]), foreign, other_store=True)
    assert done.restored and done.kept is not None and Path(done.kept).stat().st_mode & 0o777 == 0o600


def test_restore_on_postgresql_checks_identity(pg_store_url: str, pg_url: str, tmp_path: Path) -> None:
    store = open_store(tmp_path / "a", url=pg_store_url)
    ids = setup_clinic(store, tmp_path)
    archive = _backup(store, ids["owner"])
    store.close()
    other = open_store(tmp_path / "b", url=pg_url, create=True)
    setup_clinic(other, tmp_path)
    other.close()
    elsewhere = Settings(data_dir=tmp_path / "b", database_url=pg_url)
    with pytest.raises(RefusedError, match="another store"):
        backups.restore(elsewhere, archive)
    res = backups.restore(elsewhere, archive, other_store=True)
    assert res.restored and res.audit_entries > 0
    st = open_store(tmp_path / "b", url=pg_url)
    try:
        assert st.read(lambda db: audit.verify(db))["ok"]
        assert clients.client_record(acting(st, ids["owner"]), ids["client"]).client.name == "Alex Doe"
    finally:
        st.close()


def test_restore_is_audited_with_the_acting_user(store: Store, tmp_path: Path) -> None:
    from sqlalchemy import select

    from smpstudio.records.models import AuditEntry

    ids = setup_clinic(store, tmp_path)
    archive = _backup(store, ids["owner"])
    store.close()
    backups.restore(_settings(store, ids["owner"]), archive)
    st = open_store(store.data_dir, url=None if store.dialect == "sqlite" else store.url)
    try:
        with st.session(readonly=True) as db:
            rows = db.execute(select(AuditEntry.action, AuditEntry.actor_id).order_by(AuditEntry.seq)).all()
    finally:
        st.close()
    assert ("backup", ids["owner"]) in rows and rows[-1] == ("restore", ids["owner"])


def test_an_encrypted_backup_needs_its_passphrase(tmp_path: Path) -> None:
    store = open_store(tmp_path / "var", create=True)
    ids = setup_clinic(store, tmp_path)
    sealed = _backup(store, ids["owner"], passphrase="correct horse")
    store.close()
    assert b"Alex" not in sealed and b"manifest" not in sealed and not zipfile.is_zipfile(io.BytesIO(sealed))
    settings = _settings(store, ids["owner"])
    with pytest.raises(InputError) as needed:
        backups.restore(settings, sealed)
    assert needed.value.code == "passphrase_needed" and needed.value.exit_code == 2
    before = sorted(p.name for p in store.data_dir.iterdir())
    with pytest.raises(InputError) as wrong:
        backups.restore(settings, sealed, passphrase="battery staple")
    assert wrong.value.code == "wrong_passphrase" and wrong.value.exit_code == 2
    assert sorted(p.name for p in store.data_dir.iterdir()) == before  # nothing touched, nothing left
    damaged = bytearray(sealed)
    damaged[-5] ^= 1
    with pytest.raises(InputError):
        backups.restore(settings, bytes(damaged), passphrase="correct horse")
    assert backups.restore(settings, sealed, passphrase="correct horse").restored
    _untouched(store, ids)


def _bomb(size: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", "{}")
        with zf.open("database.sqlite3", "w") as fh:
            chunk = bytes(1 << 20)
            for _ in range(size >> 20):
                fh.write(chunk)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    bomb = _bomb(64 << 20)
    assert len(bomb) < 1 << 20
    with pytest.raises(InputError, match="zip bomb") as caught:
        backups.restore(Settings(data_dir=tmp_path / "var"), bomb)
    assert caught.value.field == "backup"
    assert not (tmp_path / "var").exists() or not any((tmp_path / "var").iterdir())


GOOD = {
    "format": 2,
    "dialect": "sqlite",
    "revision": "0002",
    "created_at": "2030-01-01T00:00:00+00:00",
    "store_id": "0" * 32,
    "audit": {"entries": 1, "last_seq": 1, "last_hash": "0" * 64, "ok": True},
}


@pytest.mark.parametrize(
    ("manifest", "members"),
    [
        ({k: v for k, v in GOOD.items() if k != "audit"}, {"database.sqlite3": b""}),
        (
            {**GOOD, "audit": {"entries": "many", "last_hash": "0" * 64, "ok": True}},
            {"database.sqlite3": b""},
        ),
        (
            {**GOOD, "audit": {"entries": 10**30, "last_hash": "0" * 64, "ok": True}},
            {"database.sqlite3": b""},
        ),
        ({**GOOD, "audit": {"entries": 1, "last_hash": "x", "ok": "yes"}}, {"database.sqlite3": b""}),
        ({**GOOD, "store_id": ["a"]}, {"database.sqlite3": b""}),
        ({**GOOD, "format": 10**40}, {"database.sqlite3": b""}),
        ({**GOOD, "created_at": "x" * 10_000}, {"database.sqlite3": b""}),
        (GOOD, {"database.sqlite3": b"", "../x": b"evil"}),
        (GOOD, {"database.sqlite3": b"", "/etc/passwd": b"evil"}),
        (GOOD, {"database.sqlite3": b"", "files/../../x": b"evil"}),
        ([1, 2, 3], {"database.sqlite3": b""}),
    ],
)
def test_odd_archives_are_refused_with_one_line(
    tmp_path: Path, manifest: object, members: dict[str, bytes]
) -> None:
    with pytest.raises(InputError) as caught:
        backups.restore(Settings(data_dir=tmp_path / "var"), _zip(manifest, members))  # type: ignore[arg-type]
    assert caught.value.field == "backup" and "\n" not in str(caught.value) and len(str(caught.value)) < 300


def test_odd_archives_exit_2_on_the_command_line(tmp_path: Path) -> None:
    from tests.cli import smp_in_process

    cases = {
        "truncated.zip": _zip(GOOD, {"database.sqlite3": b"x" * 1000})[:200],
        "traversal.zip": _zip(GOOD, {"database.sqlite3": b"", "../x": b"evil"}),
        "bomb.zip": _bomb(32 << 20),
        "types.zip": _zip({**GOOD, "audit": "none"}, {"database.sqlite3": b""}),
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        res = smp_in_process(tmp_path, "--data-dir", "var", "restore", name)
        assert res.returncode == 2, (name, res.stderr)
        assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr and "internal" not in res.stderr


def test_wrong_types_never_reach_the_store(tmp_path: Path) -> None:
    # A manifest claiming a PostgreSQL dump into a SQLite store is refused before anything is staged.
    with pytest.raises(SmpError):
        backups.restore(
            Settings(data_dir=tmp_path / "var"),
            _zip({**GOOD, "dialect": "postgresql"}, {"database.pgdump": b"x"}),
        )


@pytest.mark.parametrize(
    ("url", "password", "bare"),
    [
        (
            "postgresql+psycopg://smp:s3cr%40t@db.example:5433/clinic",
            "s3cr@t",
            "postgresql://smp@db.example:5433/clinic",
        ),
        (
            "postgresql://smp:hunter2@db/clinic?sslmode=require",
            "hunter2",
            "postgresql://smp@db/clinic?sslmode=require",
        ),
        ("postgresql://smp@db/clinic?password=hunter2", "hunter2", "postgresql://smp@db/clinic"),
        ("postgresql://postgres@127.0.0.1:5432/clinic", None, "postgresql://postgres@127.0.0.1:5432/clinic"),
    ],
)
def test_a_database_tool_gets_the_password_in_its_environment_not_its_arguments(
    url: str, password: str | None, bare: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pg_dump and pg_restore (whose arguments any process may read) are given the URL without its
    password, which goes in PGPASSWORD in the tool's own environment."""
    import subprocess

    from smpstudio.records import backup

    calls: list[tuple[list[str], dict[str, str] | None]] = []

    def run(args: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
        calls.append((list(args), kw.get("env")))
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setenv("PGPASSWORD", "from-the-shell")
    monkeypatch.setattr(backup.subprocess, "run", run)
    backup.run_tool(["pg_dump", "--format=custom", f"--dbname={backup.libpq_url(url)}", "--file=x"])
    ((args, env),) = calls
    assert args == ["pg_dump", "--format=custom", f"--dbname={bare}", "--file=x"]
    assert not any("hunter2" in a or "s3cr" in a for a in args)
    if password is None:
        assert env is None or env.get("PGPASSWORD") == "from-the-shell"  # the caller's own setting stays
    else:
        assert env is not None and env["PGPASSWORD"] == password and env["PATH"]
