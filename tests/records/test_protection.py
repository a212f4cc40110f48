"""Data protection: export, erasure, the audit chain, backup and restore."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select, text

from smpstudio.errors import InputError
from smpstudio.records import audit
from smpstudio.records.models import AuditEntry, Lot, StockMove
from smpstudio.records.store import Store, open_store
from smpstudio.services import clients, consent, protection
from tests.records.conftest import acting
from tests.records.helpers import TODAY, session, setup_clinic


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
