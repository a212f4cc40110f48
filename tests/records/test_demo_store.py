"""The demo store: made only in an empty store, its logins work, its clients are at every stage, and it
looks current whatever the day it is made."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from smpstudio.errors import ConflictError
from smpstudio.records.models import Client, Clinic, User
from smpstudio.records.store import SQLITE_FILE, Store, open_store
from smpstudio.services import accounts, clients, clinics, dashboard, lots, registers
from smpstudio.services.client_record import ClientRecord
from smpstudio.services.context import Clock, ServiceContext
from smpstudio.services.demo_store import DEMO_LOGINS, DEMO_TIMEZONE, DemoStore, seed_demo_store

#: A June morning: London is on summer time (BST, UTC+1).
NOW = dt.datetime(2026, 6, 10, 8, 15)
TODAY = dt.date(2026, 6, 10)


def _sqlite(template: Path, tmp_path: Path) -> Store:
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    shutil.copyfile(template, data_dir / SQLITE_FILE)
    return open_store(data_dir)


@pytest.fixture(scope="module")
def demo(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, DemoStore]]:
    store = _sqlite(sqlite_template, tmp_path_factory.mktemp("demo"))
    made = seed_demo_store(ServiceContext(store=store, clock=Clock.fixed(NOW)))
    try:
        yield store, made
    finally:
        store.close()


def test_the_demo_is_made_only_in_an_empty_store(store: Store) -> None:
    clinics.init_clinic(ServiceContext(store=store), clinics.InitClinicRequest.of(name="A real clinic"))
    with pytest.raises(ConflictError) as caught:
        seed_demo_store(ServiceContext(store=store))
    assert caught.value.code == "store_not_empty"
    assert store.read(lambda db: db.scalar(select(func.count()).select_from(Clinic))) == 1


def test_the_logins_work_and_lead_to_their_own_clinic(demo: tuple[Store, DemoStore]) -> None:
    store, made = demo
    assert {(x.email, x.role) for x in made.logins} == {
        ("owner@demo.smp", "owner"),
        ("practitioner@demo.smp", "practitioner"),
        ("desk@demo.smp", "front-desk"),
        ("owner@northside.demo.smp", "owner"),
    }
    assert tuple(made.logins) == DEMO_LOGINS  # what a face prints without opening the store
    ctx = ServiceContext(store=store, clock=Clock.fixed(NOW))
    for login in made.logins:
        request = accounts.LoginRequest.of(email=login.email, password=login.password)
        done = accounts.login(ctx, request)
        clinic = made.other_clinic_id if login.clinic == "Northside SMP" else made.clinic_id
        assert (done.role, done.name, done.clinic_id) == (login.role, login.name, clinic)
        assert len(login.password) >= accounts.MIN_PASSWORD_CHARS


def _as(store: Store, email: str, when: dt.datetime = NOW) -> ServiceContext:
    """The context of the demo user with login ``email``."""
    user_id = store.read(lambda db: db.scalar(select(User.id).where(User.email == email)))
    return ServiceContext(store=store, user_id=user_id, clock=Clock.fixed(when))


def _records(store: Store, owner: ServiceContext, clinic_id: int) -> dict[str, ClientRecord]:
    ids = store.read(lambda db: list(db.scalars(select(Client.id).where(Client.clinic_id == clinic_id))))
    out = {}
    for client_id in ids:
        record = clients.client_record(owner, client_id)
        out[record.client.name.split()[0]] = record
    return out


def test_the_clients_are_at_every_stage(demo: tuple[Store, DemoStore]) -> None:
    store, made = demo
    counts = store.read(
        lambda db: dict(db.execute(select(Client.clinic_id, func.count()).group_by(Client.clinic_id)).all())
    )
    assert counts == {made.clinic_id: made.clients, made.other_clinic_id: 2} and made.clients >= 12
    owner = _as(store, "owner@demo.smp")
    r = _records(store, owner, made.clinic_id)
    assert not r["Aiden"].screenings  # just enquired
    assert [s.outcome for s in r["Blake"].screenings] == ["stop"]
    assert r["Callum"].screenings and not r["Callum"].consents  # consent pending
    for name in ("Dev", "Ellis"):  # consented, patch test awaiting its next read
        assert r[name].consents and len(r[name].patch_tests) == 1 and not r[name].sessions
    assert r["Finley"].designs and r["Finley"].treatment_plans and not r["Finley"].sessions
    assert {name: len(r[name].sessions) for name in ("Gareth", "Harvey", "Isaac", "Mason")} == {
        "Gareth": 1,
        "Harvey": 2,
        "Isaac": 3,
        "Mason": 2,
    }
    london = ZoneInfo(DEMO_TIMEZONE)
    assert any(s.started_at and s.started_at.astimezone(london).date() == TODAY for s in r["Mason"].sessions)
    assert any(s.pigment_lot and s.pigment_lot.lot == "P-2291" for s in r["Jamal"].sessions)
    assert r["Kieran"].symptom_reports and r["Kieran"].adverse_events
    (event,) = r["Kieran"].adverse_events
    assert event.serious and event.report_deadline_on and event.brand_notified_on is None
    assert 3 <= (event.report_deadline_on - TODAY).days <= 5
    touch_ups = registers.touch_ups_due(owner).touch_ups
    assert [t.client.name for t in touch_ups] == ["Liam O'Neill"]
    assert all(f.done_at for f in r["Isaac"].follow_ups)  # a finished course: every follow-up closed
    exposure = lots.lot_clients(owner, "P-2291")
    assert all(lot.recalled for lot in exposure.lots)
    assert all(c.contact.email and c.contact.email.endswith("@example.org") for c in exposure.clients)


def test_the_other_clinic_sees_only_its_own(demo: tuple[Store, DemoStore]) -> None:
    store, _ = demo
    northside = _as(store, "owner@northside.demo.smp")
    assert [
        c.name for c in clients.find_clients(northside, clients.FindClientsRequest.of(query="o")).clients
    ] == [
        "Noah Fenwick",
        "Oscar Penrose",
    ]
    assert not clients.find_clients(northside, clients.FindClientsRequest.of(query="Kieran")).clients
    main = _as(store, "owner@demo.smp")
    assert not clients.find_clients(main, clients.FindClientsRequest.of(query="Noah")).clients


@pytest.mark.parametrize(
    "when",
    [
        dt.datetime(2026, 3, 29, 0, 30),  # the night British Summer Time starts
        dt.datetime(2028, 2, 29, 23, 50),  # a leap day, late
    ],
)
def test_the_demo_looks_current_whatever_the_day(
    when: dt.datetime, sqlite_template: Path, tmp_path: Path
) -> None:
    store = _sqlite(sqlite_template, tmp_path)
    try:
        made = seed_demo_store(ServiceContext(store=store, clock=Clock.fixed(when)))
        owner = _as(store, "owner@demo.smp", when)
        board = dashboard.dashboard(owner)
        assert made.clients == 13 and len({a.kind for a in board.alerts}) == 7
        assert [s.client.name for s in board.sessions_today] == ["Mason Clarke"]
        assert {f.client.name for f in board.followups_due} == {"Harvey Doyle", "Gareth Yu"}
    finally:
        store.close()
