"""What the store writes on disk: private modes whatever the umask, no leftovers after a kill, honest errors
for a full disk and for unique or length violations."""

from __future__ import annotations

import errno
import io
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from smpstudio.errors import ConflictError, InputError, SmpError
from smpstudio.records.failures import DiskFullError
from smpstudio.records.store import Store, open_store
from smpstudio.services import backups, clients, clinics, lots
from smpstudio.settings import Settings
from tests.cli import smp_in_process
from tests.records.conftest import acting
from tests.records.helpers import setup_clinic, soon


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(params=[0o022, 0o000])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def _modes(root: Path) -> dict[str, int]:
    found = {str(root): stat.S_IMODE(root.stat().st_mode)}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            found[str(p)] = stat.S_IMODE(p.lstat().st_mode)
    return found


def test_every_file_and_folder_the_store_writes_is_private(tmp_path: Path, umask: int) -> None:
    cwd = tmp_path
    run = lambda *a: smp_in_process(cwd, "--data-dir", "var", *a)  # noqa: E731
    assert run("clinic", "init", "--name", "Studio").returncode == 0
    assert run("client", "add", "--name", "Alex Doe", "--date-of-birth", "1980-02-03").returncode == 0
    signed = run("consent", "sign", "--client", "1", "--signed-name", "Alex Doe", "--kind", "photography")
    assert signed.returncode == 0, signed.stderr
    store = open_store(cwd / "var")
    try:
        clients.add_photo(acting(store), clients.AddPhotoRequest.of(client_id=1, image=_png(), view="front"))
        wal = Path(f"{store.sqlite_file}-wal")
        with store.engine.connect() as conn:  # the WAL and shared memory exist while a connection is open
            conn.exec_driver_sql("SELECT 1").all()
            assert wal.exists() and stat.S_IMODE(wal.stat().st_mode) == 0o600
    finally:
        store.close()
    assert run("backup", "--out", "b.zip").returncode == 0
    assert run("client", "export", "1", "--out", "e.zip").returncode == 0
    assert run("audit", "anchor", "--out", "anchor.json").returncode == 0
    assert run("restore", "b.zip").returncode == 0  # keeps the replaced file
    modes = _modes(cwd / "var")
    assert any(".before-restore-" in p for p in modes) and any("/files/" in p for p in modes)
    wrong = {p: oct(m) for p, m in modes.items() if m != (0o700 if Path(p).is_dir() else 0o600)}
    assert wrong == {}
    for name in ("b.zip", "e.zip", "anchor.json"):
        assert stat.S_IMODE((cwd / name).stat().st_mode) == 0o600, name


def test_sqlite_overwrites_deleted_content(tmp_path: Path) -> None:
    store = open_store(tmp_path / "var", create=True)
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    finally:
        store.close()


KILLED = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from smpstudio.records.private import private_tempdir, private_tempfile
    data = Path(sys.argv[1])
    part = private_tempfile(data)
    part.write_bytes(b"health data " * 1000)
    with private_tempdir(data) as work:
        (work / "database.sqlite3").write_bytes(b"a copy of every record")
        print("ready", flush=True)
        time.sleep(60)
    """
)


def test_a_killed_backup_or_restore_leaves_nothing_after_the_next_start(tmp_path: Path) -> None:
    data = tmp_path / "var"
    open_store(data, create=True).close()
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(data)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    leftovers = [p for p in data.iterdir() if p.name.startswith(".smp-tmp-")]
    assert len(leftovers) == 2
    assert all(stat.S_IMODE(p.stat().st_mode) in (0o600, 0o700) for p in leftovers)
    open_store(data).close()  # the writer is alive: its work is not touched
    assert all(p.exists() for p in leftovers)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    open_store(data).close()
    assert not any(p.exists() for p in leftovers)
    assert not list(Path(os.environ.get("TMPDIR", "/tmp")).glob(f".smp-tmp-{proc.pid}-*"))


def test_backup_work_never_touches_the_system_temp_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("the system temp folder was used")

    monkeypatch.setattr(tempfile, "TemporaryDirectory", refuse)
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)
    store = open_store(tmp_path / "var", create=True)
    ids = setup_clinic(store, tmp_path)
    out = io.BytesIO()
    backups.backup(acting(store, ids["owner"]), out, passphrase="p")
    store.close()
    assert backups.restore(
        Settings(data_dir=tmp_path / "var", user=ids["owner"]), out.getvalue(), passphrase="p"
    ).restored


# ------------------------------------------------------------------------------------------ full disk


def test_a_full_database_says_the_disk_is_full(tmp_path: Path) -> None:
    store = open_store(tmp_path / "var", create=True)
    ids = setup_clinic(store, tmp_path)
    with store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    store.engine.dispose()

    @event.listens_for(store.engine, "connect")
    def _cap(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    try:
        with pytest.raises(DiskFullError) as caught:
            for i in range(200):
                clients.add_client(
                    acting(store, ids["owner"]),
                    clients.AddClientRequest.of(name=f"C {i}" + "x" * 190, date_of_birth="1980-01-01"),
                )
        assert caught.value.code == "disk_full" and caught.value.kind == "busy"
        assert caught.value.exit_code == 3 and "disk is full" in str(caught.value)
        assert "busy" not in str(caught.value)
    finally:
        store.close()


def test_an_injected_disk_full_on_the_command_line_exits_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert smp_in_process(tmp_path, "--data-dir", "var", "clinic", "init", "--name", "S").returncode == 0
    full = OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))

    def action(*_a: object, **_k: object) -> None:
        raise full

    monkeypatch.setattr(clients.rows, "add_client", action)
    res = smp_in_process(
        tmp_path, "--data-dir", "var", "client", "add", "--name", "A", "--date-of-birth", "1980-01-01"
    )
    assert res.returncode == 3 and "disk is full" in res.stderr and "busy" not in res.stderr


def test_a_full_disk_while_storing_a_file_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from smpstudio.records import files

    store = open_store(tmp_path / "var", create=True)

    def no_space(*_a: object, **_k: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "open_private", no_space)
    try:
        with pytest.raises(DiskFullError):
            store.files.put(b"photo")
        assert not [p for p in (tmp_path / "var" / "files").rglob("*") if p.is_file()]
    finally:
        store.close()


# ------------------------------------------------------------------------- unique and length violations


def test_a_unique_violation_is_a_conflict_not_an_internal_error(store: Store) -> None:
    def twice(db: object) -> None:
        for _ in range(2):
            db.execute(text("INSERT INTO store_meta (key, value) VALUES ('probe', 'x')"))  # type: ignore[attr-defined]

    with pytest.raises(ConflictError) as caught:
        store.write(twice)
    assert caught.value.code == "duplicate" and caught.value.exit_code == 2
    assert "probe" not in str(caught.value)  # the value itself is never echoed


def test_a_value_too_long_is_invalid_input_on_postgresql(pg_store_url: str, tmp_path: Path) -> None:
    store = open_store(tmp_path / "var", url=pg_store_url)
    try:
        with pytest.raises(InputError) as caught:
            store.write(
                lambda db: db.execute(
                    text("INSERT INTO store_meta (key, value) VALUES (:k, 'x')"), {"k": "k" * 99}
                )
            )
        assert caught.value.code == "too_long" and caught.value.exit_code == 2
    finally:
        store.close()


def test_concurrent_lot_add_of_one_code_succeeds_once(store: Store, tmp_path: Path) -> None:
    owner = clinics.init_clinic(acting(store), clinics.InitClinicRequest.of(name="C")).owner_id
    request = lots.AddLotRequest.of(kind="pigment", product="Black", lot="PIG-1", expires=soon(), quantity=1)

    def add(_: int) -> object:
        try:
            return lots.add_lot(acting(store, owner), request).id
        except SmpError as exc:
            return exc

    for _ in range(3):
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(add, range(4)))
        request = request.model_copy(update={"lot": request.lot + "x"})
        done = [r for r in results if isinstance(r, int)]
        refused = [r for r in results if isinstance(r, SmpError)]
        assert len(done) == 1 and len(refused) == 3, results
        assert all(r.kind in ("invalid", "conflict") and r.exit_code == 2 for r in refused)


def test_concurrent_first_clinic_init_never_fails_with_an_internal_error(pg_url: str, tmp_path: Path) -> None:
    open_store(tmp_path / "var", url=pg_url, create=True).close()

    def init(i: int) -> object:
        st = open_store(tmp_path / "var", url=pg_url)
        try:
            return clinics.init_clinic(acting(st), clinics.InitClinicRequest.of(name=f"C{i}")).clinic_id
        except SmpError as exc:
            return exc
        finally:
            st.close()

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(init, range(4)))
    assert any(isinstance(r, int) for r in results)
    assert all(isinstance(r, int) or r.kind != "internal" for r in results), results
