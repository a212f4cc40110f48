"""The dashboard on the demo clinic: every kind of alert, each naming the record its fix is about; what a
role may not read left out; another clinic's records never shown; the read audited with ids only."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from smpstudio.errors import InputError
from smpstudio.records.models import AuditEntry, User
from smpstudio.records.store import SQLITE_FILE, Store, open_store
from smpstudio.services import (
    adverse_events,
    clients,
    dashboard,
    lots,
    patch_tests,
    registers,
    sterilisation,
)
from smpstudio.services.context import Clock, ServiceContext
from smpstudio.services.demo_store import seed_demo_store
from tests.records.conftest import _database

#: A Wednesday afternoon in London (GMT): the demo's "now".
NOW = dt.datetime(2026, 3, 11, 15, 0)
TODAY = dt.date(2026, 3, 11)
KINDS = {
    "recall",
    "lot_expiring",
    "patch_test_read_overdue",
    "adverse_event_deadline",
    "sterilisation_failed",
    "certificate_expiring",
    "followup_overdue",
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The demo store seeded once per backend at :data:`NOW` (the tests here only read it)."""
    data_dir = tmp_path_factory.mktemp("demo") / "var"
    data_dir.mkdir()
    databases: Iterator[str] | None = None
    url = None
    if request.param == "postgresql":
        databases = _database(request.getfixturevalue("pg_template"))
        url = next(databases)
    else:
        shutil.copyfile(request.getfixturevalue("sqlite_template"), data_dir / SQLITE_FILE)
    store = open_store(data_dir, url=url)
    seed_demo_store(ServiceContext(store=store, clock=Clock.fixed(NOW)))
    try:
        yield store
    finally:
        store.close()
        if databases is not None:
            next(databases, None)


def _as(store: Store, email: str, when: dt.datetime = NOW) -> ServiceContext:
    """The context of the demo user with login ``email``."""
    user_id = _user_ids(store)[email]
    return ServiceContext(store=store, user_id=user_id, clock=Clock.fixed(when))


def _user_ids(store: Store) -> dict[str, int]:
    return dict(store.read(lambda db: [(str(u.email), u.id) for u in db.scalars(select(User))]))


def _client_id(ctx: ServiceContext, name: str) -> int:
    found = clients.find_clients(ctx, clients.FindClientsRequest.of(query=name)).clients
    assert len(found) == 1, found
    return found[0].id


def _lot_id(ctx: ServiceContext, code: str) -> int:
    return next(lot.id for lot in lots.list_lots(ctx).lots if lot.lot == code)


def test_every_kind_of_alert_names_the_record_to_fix(demo: Store) -> None:
    owner = _as(demo, "owner@demo.smp")
    board = dashboard.dashboard(owner)
    assert board.today == TODAY and board.horizon_days == 30
    by_kind: dict[str, list[dashboard.Alert]] = {}
    for alert in board.alerts:
        by_kind.setdefault(alert.kind, []).append(alert)
    assert set(by_kind) == KINDS

    (recall,) = by_kind["recall"]
    exposed = lots.lot_clients(owner, "P-2291").clients
    assert (recall.target, recall.target_id) == ("lot", _lot_id(owner, "P-2291"))
    assert recall.severity == "danger" and f"{len(exposed)} clients to contact" in recall.title
    assert {c.name for c in exposed} == {"Jamal Carter", "Harvey Doyle"}

    (expiring,) = by_kind["lot_expiring"]
    assert (expiring.target, expiring.target_id) == ("lot", _lot_id(owner, "P-2187"))
    assert expiring.due == TODAY + dt.timedelta(days=12) and expiring.severity == "warning"

    (read,) = by_kind["patch_test_read_overdue"]
    assert (read.target, read.target_id) == ("client", _client_id(owner, "Ellis Grant"))
    assert "96-hour read" in read.title and read.due == TODAY - dt.timedelta(days=3)
    assert read.source and "schubert2023" in read.source

    (event,) = by_kind["adverse_event_deadline"]
    due = adverse_events.adverse_events_due(owner).events
    assert [e.id for e in due] == [event.target_id] and event.target == "adverse_event"
    assert event.due is not None and event.due == due[0].report_deadline_on
    assert 3 <= (event.due - TODAY).days <= 5
    assert event.severity == "danger" and event.source and "mocra2022" in event.source

    spore, cycle = sorted(by_kind["sterilisation_failed"], key=lambda a: a.severity != "danger")
    assert spore.severity == "danger" and "corrective action open" in spore.title
    assert "5 loads" in spore.detail and "4 clients" in spore.detail
    assert cycle.severity == "warning" and "L-492" in cycle.title and cycle.target == "cycle"
    assert isinstance(cycle.target_id, int) and isinstance(spore.target_id, int)
    assert sterilisation.sessions_for_cycle(owner, cycle.target_id).cycle.load == "L-492"
    held = sterilisation.sessions_for_cycle(owner, spore.target_id)  # the first load the failure holds
    assert held.cycle.run_at and str(TODAY - dt.timedelta(days=28)) < held.cycle.run_at[:10] < str(TODAY)
    assert [c.name for c in held.clients] == ["Kieran Shaw"]

    (cert,) = by_kind["certificate_expiring"]
    assert (cert.target, cert.target_id) == ("user", _user_ids(demo)["practitioner@demo.smp"])
    assert cert.due == TODAY + dt.timedelta(days=20) and "bloodborne-pathogens" in cert.title

    (late,) = by_kind["followup_overdue"]
    detail = registers.followup_detail(owner, registers.FollowUpRequest.of(followup_id=late.target_id))
    assert late.target == "followup" and detail.client == _client_id(owner, "Harvey Doyle")
    assert detail.outcome is None and late.due == TODAY - dt.timedelta(days=4)

    ranks = [("danger", "warning", "info").index(a.severity) for a in board.alerts]
    assert ranks == sorted(ranks)
    dangers = [a.due for a in board.alerts if a.severity == "danger"]
    assert dangers == sorted(d for d in dangers if d is not None)

    (today,) = board.sessions_today
    assert today.client.name == "Mason Clarke" and today.practitioner == "Jordan Reeve"
    assert today.started_at.date() == TODAY and today.started_at <= NOW.replace(tzinfo=dt.UTC)
    followups = {(f.client.name, f.overdue_days) for f in board.followups_due}
    assert followups == {("Harvey Doyle", 4), ("Harvey Doyle", 0), ("Gareth Yu", 0)}
    json.dumps(board.to_json())  # the API's body


def test_a_role_and_a_clinic_see_only_their_part(demo: Store) -> None:
    desk = dashboard.dashboard(_as(demo, "desk@demo.smp"))
    practitioner = dashboard.dashboard(_as(demo, "practitioner@demo.smp"))
    assert {a.kind for a in desk.alerts} == {"recall", "lot_expiring", "followup_overdue"}
    assert {a.kind for a in practitioner.alerts} == KINDS  # their own certificate included
    assert desk.sessions_today and desk.followups_due  # their work at the desk
    northside = _as(demo, "owner@northside.demo.smp")
    other = dashboard.dashboard(northside)
    assert other.alerts == [] and other.sessions_today == [] and other.followups_due == []
    board = dashboard.dashboard(_as(demo, "owner@demo.smp"))
    named: set[int | str] = {s.client.id for s in board.sessions_today}
    named |= {f.client.id for f in board.followups_due}
    named |= {a.target_id for a in board.alerts if a.target == "client"}
    theirs = {_client_id(northside, name) for name in ("Noah Fenwick", "Oscar Penrose")}
    assert named and not named & theirs
    text = json.dumps(board.to_json())
    assert "Noah" not in text and "Oscar" not in text and "Northcott" not in text


def test_the_horizon_and_the_day_set_what_is_due(demo: Store) -> None:
    owner = _as(demo, "owner@demo.smp")
    near = dashboard.dashboard(owner, dashboard.DashboardRequest.of(horizon_days=7))
    kinds = {a.kind for a in near.alerts}
    assert "lot_expiring" not in kinds and "certificate_expiring" not in kinds  # 12 and 20 days away
    assert "adverse_event_deadline" in kinds and "recall" in kinds
    for bad in (0, 366, "soon"):
        with pytest.raises(InputError) as caught:
            dashboard.DashboardRequest.of(horizon_days=bad)
        assert caught.value.field == "horizon_days"
    later = NOW + dt.timedelta(days=25)
    board = dashboard.dashboard(_as(demo, "owner@demo.smp", later))
    event = next(a for a in board.alerts if a.kind == "adverse_event_deadline")
    assert "deadline passed" in event.title and event.severity == "danger"
    cert = next(a for a in board.alerts if a.kind == "certificate_expiring")
    assert "expired on" in cert.title and cert.severity == "danger"


def test_the_read_is_audited_once_with_client_ids_only(demo: Store) -> None:
    owner = _as(demo, "owner@demo.smp")

    def entries() -> list[tuple[str, str, str]]:
        return demo.read(
            lambda db: [
                (e.action, e.entity, e.detail)
                for e in db.scalars(select(AuditEntry).order_by(AuditEntry.seq))
            ]
        )

    before = len(entries())
    board = dashboard.dashboard(owner)
    added = entries()[before:]
    assert len(added) == 1
    action, entity, detail = added[0]
    shown = json.loads(detail)
    assert (action, entity, shown["via"]) == ("read", "client", "dashboard")
    named: set[int | str] = {s.client.id for s in board.sessions_today}
    named |= {f.client.id for f in board.followups_due}
    named |= {a.target_id for a in board.alerts if a.target == "client"}
    assert named <= set(shown["clients"])
    assert all(isinstance(i, int) for i in shown["clients"])
    for name in ("Ellis", "Mason", "Harvey", "Kieran"):
        assert name not in detail


def test_a_read_recorded_late_clears_its_alert(store: Store) -> None:
    seed_demo_store(ServiceContext(store=store, clock=Clock.fixed(NOW)))
    ids = _user_ids(store)
    prac = ServiceContext(store=store, user_id=ids["practitioner@demo.smp"], clock=Clock.fixed(NOW))
    ellis = _client_id(prac, "Ellis Grant")
    applied = (TODAY - dt.timedelta(days=7)).isoformat() + "T10:00"
    read = (TODAY - dt.timedelta(days=1)).isoformat() + "T09:00"
    late = patch_tests.PatchTestRecordRequest.of(
        client_id=ellis, lot="P-2310", applied=applied, read=read, result="negative"
    )
    patch_tests.record_patch_test(prac, late)
    kinds = {a.kind for a in dashboard.dashboard(prac).alerts}
    assert "patch_test_read_overdue" not in kinds  # the day-7 read falls today: due, not overdue
    # Another clinic's lot expiring tomorrow shows on its own dashboard only.
    northside = ServiceContext(store=store, user_id=ids["owner@northside.demo.smp"], clock=Clock.fixed(NOW))
    soon = (TODAY + dt.timedelta(days=1)).isoformat()
    request = lots.AddLotRequest.of(kind="needle", product="Cartridge", lot="NS-1", expires=soon, quantity=5)
    lot_id = lots.add_lot(northside, request).id
    assert [a.target_id for a in dashboard.dashboard(northside).alerts] == [lot_id]
    assert lot_id not in {a.target_id for a in dashboard.dashboard(prac).alerts if a.target == "lot"}
