"""What a crash, a second writer or any sequence of operations does to the store: nothing is lost."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from smpstudio.records import audit
from smpstudio.records.models import AuditEntry, Client, Lot, Session, StockMove
from smpstudio.records.store import open_store
from smpstudio.services import clients, clinics, consent, lots
from smpstudio.services import sessions as session_svc
from smpstudio.services.context import Clock, ServiceContext
from tests.records.conftest import acting, answers

WRITER = textwrap.dedent(
    """
    import sys
    from smpstudio.records.store import open_store
    from smpstudio.services.clients import AddClientRequest, add_client
    from smpstudio.services.context import ServiceContext
    store = open_store(sys.argv[1], url=sys.argv[3] or None)
    ctx = ServiceContext(store=store)
    for i in range(int(sys.argv[2])):
        cid = add_client(ctx, AddClientRequest.of(name=f"client {i}", date_of_birth="1990-01-01")).id
        print(cid, flush=True)  # acknowledged: the transaction has committed
    """
)


def _store_url(request: pytest.FixtureRequest, kind: str) -> str | None:
    return request.getfixturevalue("pg_url") if kind == "postgresql" else None


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_sigkill_mid_stream_keeps_every_acknowledged_record(
    tmp_path: Path, request: pytest.FixtureRequest, kind: str
) -> None:
    url = _store_url(request, kind)
    store = open_store(tmp_path / "var", url=url, create=True)
    clinics.init_clinic(acting(store), clinics.InitClinicRequest.of(name="C"))
    store.close()
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path / "var"), "100000", url or ""],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    acknowledged = [int(proc.stdout.readline()) for _ in range(40)]
    os.kill(proc.pid, signal.SIGKILL)  # in the middle of the stream
    proc.wait()
    acknowledged += [int(line) for line in proc.stdout.read().split()]
    store = open_store(tmp_path / "var", url=url)
    try:
        assert store.integrity_check() == []
        with store.session(readonly=True) as db:
            present = set(db.scalars(select(Client.id)))
            chain = audit.verify(db)
        assert set(acknowledged) <= present
        assert chain["ok"] and chain["entries"] >= len(acknowledged)
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_two_writers_at_once_never_see_a_lock_error(
    tmp_path: Path, request: pytest.FixtureRequest, kind: str
) -> None:
    url = _store_url(request, kind)
    store = open_store(tmp_path / "var", url=url, create=True)
    clinics.init_clinic(acting(store), clinics.InitClinicRequest.of(name="C"))
    store.close()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path / "var"), "60", url or ""],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
        assert "locked" not in err and len(out.split()) == 60
    store = open_store(tmp_path / "var", url=url)
    try:
        with store.session(readonly=True) as db:
            assert db.scalar(select(func.count(Client.id))) == 120
            assert audit.verify(db)["ok"]
    finally:
        store.close()


# ------------------------------------------------------------------------------------- property test

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("receive"), st.integers(0, 3)),
        st.tuples(st.just("session"), st.integers(0, 3)),
        st.tuples(st.just("adjust"), st.integers(-3, 3)),
        st.tuples(st.just("recall"), st.just(0)),
        st.tuples(st.just("read"), st.just(0)),
    ),
    max_size=12,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with a clinic, a certified practitioner and a screened, consenting client."""
    base = tmp_path_factory.mktemp("template")
    store = open_store(base / "var", create=True)
    owner = clinics.init_clinic(acting(store), clinics.InitClinicRequest.of(name="C")).owner_id
    clinics.add_user(
        acting(store, owner),
        clinics.AddUserRequest.of(name="P", role="practitioner", certified_until="2099-01-01"),
    )
    cid = clients.add_client(
        acting(store, owner), clients.AddClientRequest.of(name="A", date_of_birth="1980-01-01")
    ).id
    clients.screen_client(
        acting(store, owner), clients.ScreenClientRequest.of(client_id=cid, answers=answers())
    )
    consent.sign_consent(acting(store, owner), consent.SignConsentRequest.of(client_id=cid, signed_name="A"))
    lots.add_lot(
        acting(store, owner),
        lots.AddLotRequest.of(kind="pigment", product="p", lot="P", expires="2099-01-01", quantity=1),
    )
    store.close()
    return base / "var"


@given(OPS)
def test_any_operation_sequence_keeps_stock_and_audit_consistent(
    template: Path, tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, int]]
) -> None:
    where = tmp_path_factory.mktemp("prop") / "var"
    shutil.copytree(template, where)
    store = open_store(where)
    expected: dict[int, int] = {}
    sessions = 0
    recalled = False
    day = dt.date(2030, 1, 1)
    try:
        for op, n in ops:
            if op == "receive":
                added = lots.add_lot(
                    acting(store, 1),
                    lots.AddLotRequest.of(
                        kind="needle", product="n", lot=f"N{len(expected)}", expires="2099-01-01", quantity=n
                    ),
                )
                expected[added.id] = n
            elif op == "session" and expected:
                lot_id = sorted(expected)[n % len(expected)]
                # Each session on its own day, two weeks apart, by the clinic's clock (never in the future).
                on_the_day = ServiceContext(
                    store=store, user_id=1, clock=Clock.fixed(dt.datetime.combine(day, dt.time(10)))
                )
                res = session_svc.record_session(
                    on_the_day,
                    session_svc.SessionRequest.of(
                        client_id=1, practitioner_id=2, pigment_lot="P", needle_lot=f"#{lot_id}"
                    ),
                )
                day += dt.timedelta(days=14)
                if expected[lot_id] > 0 and not recalled:
                    assert not res.refused, [r.code for r in res.reasons]
                    expected[lot_id] -= 1
                    sessions += 1
                else:
                    assert res.refused
            elif op == "adjust" and expected:
                lot_id = sorted(expected)[0]
                if expected[lot_id] + n >= 0:
                    lots.adjust_lot(
                        acting(store, 1), lots.AdjustLotRequest.of(lot_id=lot_id, delta=n, reason="count")
                    )
                    expected[lot_id] += n
            elif op == "recall":
                lots.recall_lot(acting(store, 1), lots.RecallRequest.of(lot="P"))
                recalled = True
            elif op == "read":
                clients.client_record(acting(store, 1), 1)
        with store.session(readonly=True) as db:
            for lot_id, qty in expected.items():
                lot = db.get(Lot, lot_id)
                assert lot is not None and lot.quantity == qty >= 0
                moves = db.scalar(select(func.sum(StockMove.delta)).where(StockMove.lot_id == lot_id))
                assert moves == qty
            assert db.scalar(select(func.count(Session.id))) == sessions
            chain = audit.verify(db)
            assert chain["ok"] and chain["entries"] == db.scalar(select(func.count(AuditEntry.seq)))
    finally:
        store.close()


# ------------------------------------------------------------------------------ restore while others write

SHORT_WRITER = textwrap.dedent(
    """
    import sys, time
    from smpstudio.records.store import open_store
    from smpstudio.services.clients import AddClientRequest, add_client
    from smpstudio.services.context import ServiceContext
    for i in range(int(sys.argv[2])):
        store = open_store(sys.argv[1])  # one short-lived process per write, as the command line does
        try:
            request = AddClientRequest.of(name=f"w{i}", date_of_birth="1990-01-01")
            add_client(ServiceContext(store=store), request)
            acknowledged = time.monotonic()  # committed, and the store is still open
        finally:
            store.close()
        print(f"w{i} {acknowledged}", flush=True)
    """
)


def _restore_while(
    writer: str, tmp_path: Path, count: int, *, stop: bool = False, more_after: int = 0
) -> tuple[list[tuple[str, float]], float, object]:
    """Run ``writer`` against a store and restore a backup of it while it writes; returns the
    acknowledged writes (name, time), when the restore returned and what it gave. With ``stop`` the
    writer is stopped once ``more_after`` writes were acknowledged after the restore returned."""
    import io
    import threading
    import time

    from smpstudio.errors import SmpError
    from smpstudio.services import backups
    from smpstudio.settings import Settings

    data = tmp_path / "var"
    store = open_store(data, create=True)
    owner = clinics.init_clinic(acting(store), clinics.InitClinicRequest.of(name="C")).owner_id
    archive = io.BytesIO()
    backups.backup(acting(store, owner), archive)
    store.close()
    proc = subprocess.Popen([sys.executable, "-c", writer, str(data), str(count), ""], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stdout is not None
    acks: list[tuple[str, float]] = []
    first = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            parts = line.split()
            acks.append((parts[0], float(parts[1]) if len(parts) > 1 else 0.0))
            if len(acks) >= 5:
                first.set()

    reader = threading.Thread(target=read)
    reader.start()
    assert first.wait(120)
    try:
        # A short wait: the restore that finds the store kept open refuses after it (10 s by default).
        settings = Settings(data_dir=data, user=owner, store_wait_s=2.0 if stop else 10.0)
        outcome: object = backups.restore(settings, archive.getvalue())
    except SmpError as exc:
        outcome = exc
    returned = time.monotonic()
    deadline = returned + 120
    while stop and proc.poll() is None and time.monotonic() < deadline:
        if sum(1 for _, at in acks if at > returned) >= more_after:
            break
        time.sleep(0.02)
    if stop:
        proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=300)
    reader.join()
    errors = proc.stderr.read() if proc.stderr is not None else ""
    assert proc.returncode == (-signal.SIGTERM if stop else 0), errors[-2000:]
    return acks, returned, outcome


def test_a_restore_loses_no_write_acknowledged_after_it_returned(tmp_path: Path) -> None:
    from smpstudio.services.backups import RestoreResult

    acks, returned, outcome = _restore_while(SHORT_WRITER, tmp_path, 1_000_000, stop=True, more_after=5)
    assert isinstance(outcome, RestoreResult) or getattr(outcome, "code", None) == "store_in_use", outcome
    after = {name for name, at in acks if at > returned}
    assert after  # the writer went on writing once the restore was done
    store = open_store(tmp_path / "var")
    try:
        assert store.integrity_check() == []
        with store.session(readonly=True) as db:
            present = set(db.scalars(select(Client.name)))
            assert audit.verify(db)["ok"]
    finally:
        store.close()
    assert after <= present


def test_a_restore_refuses_while_another_process_keeps_the_store_open(tmp_path: Path) -> None:
    acks, _, outcome = _restore_while(WRITER, tmp_path, 1_000_000, stop=True)
    assert getattr(outcome, "code", None) == "store_in_use" and getattr(outcome, "exit_code", None) == 3
    store = open_store(tmp_path / "var")
    try:
        with store.session(readonly=True) as db:
            present = {str(i) for i in db.scalars(select(Client.id))}
    finally:
        store.close()
    assert {name for name, _ in acks} <= present  # nothing acknowledged was lost
