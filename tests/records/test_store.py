"""The records services on a real store, SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import inspect, select, text

from smpstudio.errors import AccessError, InputError
from smpstudio.records import audit
from smpstudio.records.models import AuditEntry, Lot, StockMove
from smpstudio.records.store import HEAD_REVISION, Store, alembic_config, open_store
from smpstudio.services import clients, clinics, consent, lots, protection, registers, sessions, sterilisation
from tests.records.conftest import acting, write_answers

TODAY = dt.date.today()
SOON = (TODAY + dt.timedelta(days=400)).isoformat()


def setup_clinic(store: Store, tmp_path: Path, **answers: bool) -> dict[str, int]:
    ids = clinics.init_clinic(acting(store), name="Test Clinic")
    owner = ids["owner_id"]
    prac = clinics.add_user(acting(store, owner), name="Pat", role="practitioner", certified_until=SOON)["id"]
    desk = clinics.add_user(acting(store, owner), name="Fran", role="front-desk")["id"]
    client = clients.add_client(
        acting(store, owner),
        name="Alex Doe",
        date_of_birth="1980-01-02",
        email="a@example.org",
        phone="+44 1",
        skin_type="III",
    )["id"]
    clients.screen_client(acting(store, prac), client, write_answers(tmp_path / "answers.json", **answers))
    consent.sign_consent(acting(store, prac), client_id=client, signed_name="Alex Doe")
    for kind, code, qty in (("pigment", "P1", 2), ("needle", "N1", 3), ("diluent", "D1", 2)):
        lots.add_lot(
            acting(store, owner), kind=kind, product=f"{kind} product", lot=code, expires=SOON, quantity=qty
        )
    return {"owner": owner, "prac": prac, "desk": desk, "client": client}


def session(store: Store, ids: dict[str, int], actor: str = "prac", **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"pigment_lot": "P1", "needle_lot": "N1", "diluent_lot": "D1", "dilution": 0.5}
    args.update(kw)
    return sessions.record_session(
        acting(store, ids[actor]), client_id=ids["client"], practitioner_id=ids["prac"], **args
    )


def codes(result: dict[str, Any]) -> set[str]:
    assert result["refused"] is True
    return {r["code"] for r in result["reasons"]}


def test_alembic_head_is_the_revision_the_store_expects() -> None:
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads() == [HEAD_REVISION]


def test_migrations_up_from_empty_and_down_again(store: Store) -> None:
    assert store.revision() == HEAD_REVISION
    with store.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    assert {"clients", "sessions", "lots", "audit_log", "consents", "sterilisation_cycles"} <= tables
    store.downgrade("base")
    with store.engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    store.upgrade()
    assert store.revision() == HEAD_REVISION


def test_sqlite_store_runs_wal_with_foreign_keys(tmp_path: Path) -> None:
    st = open_store(tmp_path / "v", create=True)
    with st.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    st.close()


def test_a_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    from smpstudio.records.store import StoreError

    with pytest.raises(StoreError, match="clinic init"):
        open_store(tmp_path / "nothing-here")


def test_a_complete_session_carries_its_lots_and_books_follow_ups(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    res = session(
        store, ids, zones=["hairline", "crown"], anaesthetic="lidocaine", anaesthetic_strength_pct=4.0
    )
    assert res["refused"] is False and res["needle_lot_left"] == 2
    assert [f["due_on"] for f in res["follow_ups"]] == [
        (TODAY + dt.timedelta(days=d)).isoformat() for d in (2, 10, 30)
    ]
    assert res["touch_up"]["due_on"] == TODAY.replace(year=TODAY.year + 4).isoformat()
    rec = clients.client_record(acting(store, ids["owner"]), ids["client"])
    s = rec["sessions"][0]
    assert (s["pigment_lot"]["lot"], s["needle_lot"]["lot"], s["diluent_lot"]["lot"]) == ("P1", "N1", "D1")
    assert s["zones"] == ["hairline", "crown"] and s["dilution"] == 0.5
    assert s["anaesthetic"] == {"product": "lidocaine", "strength_pct": 4.0}
    due = registers.followups_due(acting(store, ids["desk"]), on=(TODAY + dt.timedelta(days=10)).isoformat())
    assert [f["due_on"] for f in due] == [(TODAY + dt.timedelta(days=d)).isoformat() for d in (2, 10)]


def test_every_refusal_reason_is_listed_at_once(store: Store, tmp_path: Path) -> None:
    ids = clinics.init_clinic(acting(store), name="C")
    owner = ids["owner_id"]
    expired = clinics.add_user(
        acting(store, owner), name="Old", role="practitioner", certified_until="2020-01-01"
    )["id"]
    client = clients.add_client(acting(store, owner), name="B", date_of_birth="1990-01-01")["id"]
    lots.add_lot(
        acting(store, owner), kind="pigment", product="p", lot="OLD", expires="2020-01-01", quantity=1
    )
    lots.add_lot(acting(store, owner), kind="needle", product="n", lot="EMPTY", expires=SOON, quantity=0)
    res = sessions.record_session(
        acting(store, owner), client_id=client, practitioner_id=expired, pigment_lot="OLD", needle_lot="EMPTY"
    )
    assert codes(res) == {
        "screening_missing",
        "consent_missing",
        "lot_expired",
        "lot_out_of_stock",
        "certification_expired",
    }


@pytest.mark.parametrize(
    ("answers", "code"),
    [({"pregnant_or_breastfeeding": True}, "screening_defer"), ({"keloid_history": True}, "screening_stop")],
)
def test_screening_stop_or_defer_refuses(
    store: Store, tmp_path: Path, answers: dict[str, bool], code: str
) -> None:
    ids = setup_clinic(store, tmp_path, **answers)
    assert code in codes(session(store, ids))


def test_patch_test_required_missing_then_positive_then_negative(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path, ink_or_anaesthetic_reaction=True)
    assert "patch_test_missing" in codes(session(store, ids))
    week_ago = (TODAY - dt.timedelta(days=7)).isoformat()
    consent.record_patch_test(
        acting(store, ids["prac"]),
        client_id=ids["client"],
        lot="P1",
        applied=week_ago,
        read=(TODAY - dt.timedelta(days=2)).isoformat(),
        result="positive",
    )
    assert "patch_test_positive" in codes(session(store, ids))
    consent.record_patch_test(
        acting(store, ids["prac"]),
        client_id=ids["client"],
        lot="P1",
        applied=week_ago,
        read=(TODAY - dt.timedelta(days=1)).isoformat(),
        result="negative",
    )
    assert session(store, ids)["refused"] is False


def test_withdrawn_consent_refuses(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    consent.withdraw_consent(acting(store, ids["prac"]), client_id=ids["client"])
    assert codes(session(store, ids)) == {"consent_withdrawn"}


def test_recalled_non_compliant_and_wrong_kind_lots(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    lots.lot_clients(acting(store, ids["prac"]), "D1", recall=True)
    assert codes(session(store, ids)) == {"lot_recalled"}
    res = session(store, ids, diluent_lot=None, dilution=1.0, pigment_lot="N1")
    assert "lot_wrong_kind" in codes(res)
    with pytest.raises(InputError, match="no lot"):
        session(store, ids, pigment_lot="NOT-A-LOT")


def test_a_non_compliant_lot_refuses(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    with store.session() as db:
        lot = db.scalars(select(Lot).where(Lot.lot_code == "P1")).one()
        lot.compliance = "fail"
    assert codes(session(store, ids)) == {"lot_non_compliant"}


def test_too_soon_and_the_owner_override_is_audited(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    assert session(store, ids)["refused"] is False
    assert codes(session(store, ids)) == {"too_soon"}
    # A practitioner's justification is not enough; an owner's is, and it is audited.
    res = session(store, ids, override_reason="client flies home tomorrow")
    assert res["refused"] is True and res["override"] == "only an owner may override"
    res = session(store, ids, actor="owner", override_reason="client flies home tomorrow")
    assert res["refused"] is False and res["overridden"] == ["too_soon"]
    with store.session() as db:
        actions = db.execute(select(AuditEntry.action, AuditEntry.actor_id).order_by(AuditEntry.seq)).all()
    assert ("override", ids["owner"]) in actions and ("refuse", ids["prac"]) in actions
    assert clients.client_record(acting(store, ids["owner"]), ids["client"])["sessions"][1]["override_reason"]


def test_out_of_stock_cannot_be_overridden(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    lots.adjust_lot(acting(store, ids["owner"]), lot_id=2, delta=-3, reason="stock count")
    res = session(store, ids, actor="owner", override_reason="I have a box somewhere")
    assert codes(res) == {"lot_out_of_stock"} and res["override"] == "some reasons cannot be overridden"


def test_recall_lists_exposed_clients_with_contacts_and_sessions(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    first = session(store, ids)["id"]
    other = clients.add_client(
        acting(store, ids["owner"]), name="Sam", date_of_birth="1970-05-05", phone="+1 2"
    )["id"]
    res = lots.lot_clients(acting(store, ids["prac"]), "P1", recall=True, reason="microbial contamination")
    assert res["lot"] == "P1" and res["lots"][0]["recalled"] is True
    assert [c["id"] for c in res["clients"]] == [ids["client"]]
    c = res["clients"][0]
    assert c["name"] == "Alex Doe" and c["contact"]["email"] == "a@example.org"
    assert c["sessions"] == [{"id": first, "date": TODAY.isoformat()}]
    assert other not in [c["id"] for c in res["clients"]]
    with pytest.raises(InputError, match="no lot"):
        lots.lot_clients(acting(store, ids["prac"]), "NOPE")


def test_roles_are_enforced(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    with pytest.raises(AccessError):
        session(store, ids, actor="desk")
    with pytest.raises(AccessError):
        clinics.add_user(acting(store, ids["prac"]), name="X", role="owner")
    with pytest.raises(AccessError):
        protection.export_client(acting(store, ids["desk"]), ids["client"], tmp_path / "x.zip")
    res = sessions.record_session(
        acting(store, ids["owner"]),
        client_id=ids["client"],
        practitioner_id=ids["desk"],
        pigment_lot="P1",
        needle_lot="N1",
        override_reason="x",
    )
    assert codes(res) == {"not_a_practitioner"} and res["override"] == "some reasons cannot be overridden"


def test_clinics_cannot_see_each_others_clients(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    other = clinics.init_clinic(acting(store), name="Other")["owner_id"]
    with pytest.raises(InputError, match="no client"):
        clients.client_record(acting(store, other), ids["client"])
    with pytest.raises(InputError, match="acting user"):
        clients.client_record(acting(store, None), ids["client"])  # two clinics: the actor must be named


def test_adverse_event_deadline_is_15_business_days(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    sid = session(store, ids)["id"]
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    res = registers.add_adverse_event(
        acting(store, ids["prac"]),
        client_id=ids["client"],
        session_id=sid,
        description="pustules in the pigment",
        serious=["infection"],
        received_on=monday.isoformat(),
    )
    assert res["report_deadline_on"] == (monday + dt.timedelta(days=21)).isoformat()
    assert {lot["lot"] for lot in res["lots"]} == {"P1", "D1", "N1"}
    minor = registers.add_adverse_event(
        acting(store, ids["prac"]), client_id=ids["client"], description="itch"
    )
    assert minor["serious"] is False and minor["report_deadline_on"] is None
    due = registers.adverse_events_due(
        acting(store, ids["prac"]), within_days=7, on=(monday + dt.timedelta(days=16)).isoformat()
    )
    assert [d["id"] for d in due] == [res["id"]]
    assert (
        registers.adverse_events_due(acting(store, ids["prac"]), within_days=7, on=monday.isoformat()) == []
    )


def test_failed_spore_test_lists_loads_since_last_pass(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    day = TODAY - dt.timedelta(days=20)
    sterilisation.add_cycle(
        acting(store, ids["prac"]),
        load="L-old",
        temperature_c=134,
        pressure_kpa=206,
        minutes=4,
        indicator="pass",
        run_at=day.isoformat(),
    )
    sterilisation.record_spore_test(
        acting(store, ids["prac"]), result="pass", tested_on=(day + dt.timedelta(days=1)).isoformat()
    )
    c2 = sterilisation.add_cycle(
        acting(store, ids["prac"]),
        load="L-new",
        temperature_c=134,
        pressure_kpa=206,
        minutes=4,
        indicator="pass",
        run_at=(day + dt.timedelta(days=5)).isoformat(),
    )["id"]
    sid = session(store, ids, sterilisation_cycle=c2)["id"]
    res = sterilisation.record_spore_test(
        acting(store, ids["prac"]), result="fail", tested_on=TODAY.isoformat()
    )
    action = res["corrective_action"]
    assert action["cycles"] == [c2]
    assert [s["id"] for s in action["sessions"]] == [sid]
    assert [c["id"] for c in action["clients"]] == [ids["client"]]
    assert sterilisation.sessions_for_cycle(acting(store, ids["prac"]), c2)["sessions"][0]["id"] == sid


def test_lots_expiring_and_touch_ups_due(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    lots.add_lot(
        acting(store, ids["owner"]),
        kind="pigment",
        product="p",
        lot="SOON",
        expires=(TODAY + dt.timedelta(days=10)).isoformat(),
        quantity=1,
    )
    assert [x["lot"] for x in lots.lots_expiring(acting(store, ids["desk"]))] == ["SOON"]
    session(store, ids, touch_up_years=2.5)
    due = (TODAY.replace(year=TODAY.year + 2) + dt.timedelta(days=183)).strftime("%Y-%m")
    rows = registers.touch_ups_due(acting(store, ids["desk"]), month=due)
    assert len(rows) == 1 and "forecast" in rows[0]["basis"]


def test_photo_needs_consent_and_loses_its_exif(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    im = Image.new("RGB", (40, 30), (120, 90, 80))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "CameraApp 1.0"  # Software
    path = tmp_path / "scalp.jpg"
    im.save(path, "JPEG", exif=exif)
    assert Image.open(path).getexif()
    with pytest.raises(InputError, match="consented to photographs"):
        clients.add_photo(acting(store, ids["prac"]), client_id=ids["client"], path=path, view="top")
    consent.sign_consent(
        acting(store, ids["prac"]), client_id=ids["client"], signed_name="Alex Doe", kind="photography"
    )
    res = clients.add_photo(
        acting(store, ids["prac"]), client_id=ids["client"], path=path, view="top", kind="before"
    )
    stored = store.files.get(res["sha256"])
    assert not Image.open(io.BytesIO(stored)).getexif()
    assert b"PhoneMaker" not in stored
    again = clients.add_photo(acting(store, ids["prac"]), client_id=ids["client"], path=path, view="top")
    assert again["sha256"] == res["sha256"]  # content-addressed: stored once


def test_export_holds_the_record_and_photos(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    session(store, ids)
    consent.sign_consent(
        acting(store, ids["prac"]), client_id=ids["client"], signed_name="Alex Doe", kind="photography"
    )
    Image.new("RGB", (8, 8)).save(tmp_path / "p.png")
    clients.add_photo(
        acting(store, ids["prac"]), client_id=ids["client"], path=tmp_path / "p.png", view="front"
    )
    res = protection.export_client(acting(store, ids["owner"]), ids["client"], tmp_path / "export.zip")
    with zipfile.ZipFile(res["out"]) as zf:
        record = json.loads(zf.read("record.json"))
        assert any(n.startswith("photos/") and n.endswith(".png") for n in zf.namelist())
    assert record["client"]["name"] == "Alex Doe" and len(record["sessions"]) == 1


def test_erase_waits_for_retention_then_anonymises(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    session(store, ids)
    res = protection.erase_client(acting(store, ids["owner"]), ids["client"])
    assert res["erased"] is False and res["retained_until"] == TODAY.replace(year=TODAY.year + 6).isoformat()
    later = TODAY.replace(year=TODAY.year + 6)
    assert protection.erase_client(acting(store, ids["owner"]), ids["client"], on=later)["erased"] is True
    rec = clients.client_record(acting(store, ids["owner"]), ids["client"])
    assert rec["client"]["name"].startswith("erased") and rec["client"]["email"] is None
    assert rec["sessions"][0]["pigment_lot"]["lot"] == "P1"  # the lot trace stays
    assert audit_ok(store)


def audit_ok(store: Store) -> bool:
    return bool(store.read(lambda db: audit.verify(db))["ok"])


def test_every_read_and_write_is_in_a_verifiable_chain(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    clients.client_record(acting(store, ids["desk"]), ids["client"])
    with store.session() as db:
        reads = db.execute(
            select(AuditEntry.actor_id).where(AuditEntry.action == "read", AuditEntry.entity == "client")
        ).all()
        details = [e.detail for e in db.scalars(select(AuditEntry))]
    assert (ids["desk"],) in reads
    assert "Alex" not in json.dumps(details)  # ids only, never client data
    result = store.read(lambda db: audit.verify(db))
    assert result["ok"] and result["entries"] > 10


def test_tampering_is_detected_and_the_log_refuses_updates(store: Store, tmp_path: Path) -> None:
    setup_clinic(store, tmp_path)
    with pytest.raises(Exception, match="append-only"), store.session() as db:
        db.execute(text("UPDATE audit_log SET action = 'read' WHERE seq = 3"))
    with store.engine.begin() as conn:  # an attacker with database access removes the guard first
        if store.dialect == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        conn.exec_driver_sql("UPDATE audit_log SET actor_id = 99 WHERE seq = 5")
    result = store.read(lambda db: audit.verify(db))
    assert result == {**result, "ok": False, "first_bad_entry": 5, "entries": 4}


def test_backup_and_restore_round_trip(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    session(store, ids)
    consent.sign_consent(
        acting(store, ids["prac"]), client_id=ids["client"], signed_name="Alex Doe", kind="photography"
    )
    Image.new("RGB", (8, 8), (1, 2, 3)).save(tmp_path / "p.png")
    sha = clients.add_photo(
        acting(store, ids["prac"]), client_id=ids["client"], path=tmp_path / "p.png", view="top"
    )["sha256"]
    before = clients.client_record(acting(store, ids["owner"]), ids["client"])
    out = protection.backup(acting(store, ids["owner"]), tmp_path / "backup.zip")
    assert out["audit_entries"] > 0
    # Damage: a second session and a lost photo after the backup.
    session(store, ids, actor="owner", override_reason="test")
    store.files.delete(sha)
    url = None if store.dialect == "sqlite" else store.url
    store.close()
    res = protection.restore(store.data_dir, tmp_path / "backup.zip", ids["owner"], url=url)
    assert res["restored"] is True
    st = open_store(store.data_dir, url=url)
    try:
        after = clients.client_record(acting(st, ids["owner"]), ids["client"])
        assert after["sessions"] == before["sessions"] and st.files.get(sha)
        assert audit_ok(st)
        with st.session() as db:
            needle = db.scalars(select(Lot).where(Lot.lot_code == "N1")).one()
            moves = db.scalars(select(StockMove.delta).where(StockMove.lot_id == needle.id)).all()
        assert needle.quantity == sum(moves) == 2
    finally:
        st.close()


def test_restore_refuses_a_file_that_is_not_a_backup(store: Store, tmp_path: Path) -> None:
    setup_clinic(store, tmp_path)
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not an smpstudio backup"):
        protection.restore(
            store.data_dir, tmp_path / "junk.zip", None, url=None if store.dialect == "sqlite" else store.url
        )


def test_designs_are_versioned_and_plans_and_sessions_point_at_them(store: Store, tmp_path: Path) -> None:
    from smpstudio.design.document import write_design
    from tests.conftest import make_design

    ids = setup_clinic(store, tmp_path)
    path = write_design(make_design("norwood-6", "soft")[2], tmp_path / "d.json")
    v1 = clients.add_design(acting(store, ids["prac"]), client_id=ids["client"], path=path)
    v2 = clients.add_design(acting(store, ids["prac"]), client_id=ids["client"], path=path)
    assert (v1["version"], v2["version"]) == (1, 2) and v1["sha256"] == v2["sha256"]
    plan = clients.add_plan(
        acting(store, ids["prac"]), client_id=ids["client"], sessions=3, interval_days=14, design_version=2
    )
    with pytest.raises(InputError, match="interval-days"):
        clients.add_plan(acting(store, ids["prac"]), client_id=ids["client"], sessions=3, interval_days=2)
    sid = session(store, ids, design_version=2)["id"]
    rec = clients.client_record(acting(store, ids["owner"]), ids["client"])
    assert rec["sessions"][0]["id"] == sid and rec["sessions"][0]["design"] == v2["id"]
    assert rec["treatment_plans"][0]["id"] == plan["id"] and rec["treatment_plans"][0]["design"] == v2["id"]
    (tmp_path / "bad.json").write_text('{"schema_version": 1}')
    with pytest.raises(InputError):
        clients.add_design(acting(store, ids["prac"]), client_id=ids["client"], path=tmp_path / "bad.json")
