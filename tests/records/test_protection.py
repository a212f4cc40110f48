"""Data protection: export, erasure, the audit chain, backup and restore."""

from __future__ import annotations

import io
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
from smpstudio.services import backups, clients, consent, protection
from smpstudio.services.protection import EraseRequest
from smpstudio.settings import Settings
from tests.records.conftest import acting
from tests.records.helpers import session, setup_clinic, today


def _png(colour: tuple[int, int, int] = (0, 0, 0)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buf, "PNG")
    return buf.getvalue()


def test_export_holds_the_record_and_photos(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    session(store, ids)
    consent.sign_consent(
        acting(store, ids["prac"]),
        consent.SignConsentRequest.of(client_id=ids["client"], signed_name="Alex Doe", kind="photography"),
    )
    clients.add_photo(
        acting(store, ids["prac"]),
        clients.AddPhotoRequest.of(client_id=ids["client"], image=_png(), view="front"),
    )
    out = io.BytesIO()
    res = protection.export_client(acting(store, ids["owner"]), ids["client"], out)
    assert res.client == ids["client"] and res.files == 1 and res.out is None
    with zipfile.ZipFile(out) as zf:
        record = json.loads(zf.read("record.json"))
        assert any(n.startswith("photos/") and n.endswith(".png") for n in zf.namelist())
    assert record["client"]["name"] == "Alex Doe" and len(record["sessions"]) == 1
    assert record["sessions"][0]["ink_fraction"] == 0.5 and "dilution" not in record["sessions"][0]


def test_erase_waits_for_retention_then_anonymises(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    session(store, ids)
    res = protection.erase_client(acting(store, ids["owner"]), EraseRequest.of(client_id=ids["client"]))
    assert isinstance(res, protection.ErasureRefused)
    assert res.erased is False and res.retained_until == today().replace(year=today().year + 6)
    assert res.to_json()["retained_until"] == today().replace(year=today().year + 6).isoformat()
    later = today().replace(year=today().year + 6)
    erased = protection.erase_client(
        acting(store, ids["owner"]), EraseRequest.of(client_id=ids["client"], on=later)
    )
    assert erased.erased is True and erased.to_json() == {"erased": True, "client": ids["client"]}
    rec = clients.client_record(acting(store, ids["owner"]), ids["client"])
    assert rec.client.name.startswith("erased") and rec.client.email is None
    assert rec.sessions[0].pigment_lot is not None
    assert rec.sessions[0].pigment_lot.lot == "P1"  # the lot trace stays
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
        acting(store, ids["prac"]),
        consent.SignConsentRequest.of(client_id=ids["client"], signed_name="Alex Doe", kind="photography"),
    )
    sha = clients.add_photo(
        acting(store, ids["prac"]),
        clients.AddPhotoRequest.of(client_id=ids["client"], image=_png((1, 2, 3)), view="top"),
    ).sha256
    before = clients.client_record(acting(store, ids["owner"]), ids["client"])
    with (tmp_path / "backup.zip").open("wb") as fh:
        out = backups.backup(acting(store, ids["owner"]), fh)
    assert out.audit_entries > 0
    # Damage: a second session and a lost photo after the backup.
    session(store, ids, actor="owner", override_reason="test")
    store.files.delete(sha)
    url = None if store.dialect == "sqlite" else store.url
    store.close()
    with (tmp_path / "backup.zip").open("rb") as fh:
        res = backups.restore(Settings(data_dir=store.data_dir, database_url=url, user=ids["owner"]), fh)
    assert res.restored is True
    st = open_store(store.data_dir, url=url)
    try:
        after = clients.client_record(acting(st, ids["owner"]), ids["client"])
        assert after.sessions == before.sessions and st.files.get(sha)
        assert audit_ok(st)
        with st.session() as db:
            needle = db.scalars(select(Lot).where(Lot.lot_code == "N1")).one()
            moves = db.scalars(select(StockMove.delta).where(StockMove.lot_id == needle.id)).all()
        assert needle.quantity == sum(moves) == 2
    finally:
        st.close()


def test_restore_refuses_a_file_that_is_not_a_backup(store: Store, tmp_path: Path) -> None:
    setup_clinic(store, tmp_path)
    settings = Settings(
        data_dir=store.data_dir, database_url=None if store.dialect == "sqlite" else store.url
    )
    with pytest.raises(InputError, match="not an smpstudio backup"):
        backups.restore(settings, b"not a zip")


def test_erase_request_names_a_bad_field() -> None:
    with pytest.raises(InputError) as caught:
        EraseRequest.of(client_id=1, on="next spring")
    assert caught.value.field == "on" and caught.value.allowed == "YYYY-MM-DD"
    with pytest.raises(InputError, match="client_id"):
        EraseRequest.of(client_id="one")


def test_a_refused_export_writes_nothing(store: Store, tmp_path: Path) -> None:
    from smpstudio.errors import AccessError

    ids = setup_clinic(store, tmp_path)
    out = io.BytesIO()
    with pytest.raises(AccessError):
        protection.export_client(acting(store, ids["desk"]), ids["client"], out)
    assert out.getvalue() == b""


def test_verify_audit_is_a_typed_result_for_owners_only(store: Store, tmp_path: Path) -> None:
    from smpstudio.errors import AccessError

    ids = setup_clinic(store, tmp_path)
    check = protection.verify_audit(acting(store, ids["owner"]))
    assert set(check.to_json()) == {"ok", "entries", "first_bad_entry", "last_hash", "append_only"}
    assert check.ok and check.append_only
    with pytest.raises(AccessError):
        protection.verify_audit(acting(store, ids["prac"]))


def _archive(manifest: dict[str, object], members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def _settings(store: Store, user: int | None = None) -> Settings:
    return Settings(
        data_dir=store.data_dir, database_url=None if store.dialect == "sqlite" else store.url, user=user
    )


def test_restore_checks_the_manifest_before_replacing_anything(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    other = "postgresql" if store.dialect == "sqlite" else "sqlite"
    audit_part = {"entries": 1, "last_hash": "0" * 64, "ok": True}
    base = {"format": 1, "revision": "0001", "created_at": "2030-01-01T00:00:00+00:00", "audit": audit_part}
    dumps = {"database.sqlite3": b"not a database", "database.pgdump": b"not a dump"}
    cases = [
        ({**base, "dialect": other}, dumps, f"a {other} backup"),
        ({**base, "dialect": store.dialect, "revision": "9999"}, dumps, "does not know"),
        ({**base, "dialect": store.dialect, "format": 7}, dumps, "backup format 7"),
        ({**base, "dialect": store.dialect}, {}, "holds no database"),
    ]
    if store.dialect == "sqlite":
        cases.append(({**base, "dialect": "sqlite"}, dumps, "integrity check"))
    for manifest, members, message in cases:
        with pytest.raises(InputError, match=message) as caught:
            backups.restore(_settings(store, ids["owner"]), _archive(manifest, members))
        assert caught.value.field == "backup"
    assert clients.client_record(acting(store, ids["owner"]), ids["client"])  # untouched


def test_only_an_owner_replaces_a_store(store: Store, tmp_path: Path) -> None:
    from smpstudio.errors import AccessError

    ids = setup_clinic(store, tmp_path)
    archive = io.BytesIO()
    backups.backup(acting(store, ids["owner"]), archive)
    with pytest.raises(AccessError):
        backups.restore(_settings(store, ids["prac"]), archive.getvalue())


def test_restore_into_an_empty_place(store: Store, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    ids = setup_clinic(store, tmp_path)
    archive = io.BytesIO()
    made = backups.backup(acting(store, ids["owner"]), archive)
    url = request.getfixturevalue("pg_url") if store.dialect == "postgresql" else None
    where = Settings(data_dir=tmp_path / "elsewhere", database_url=url)
    res = backups.restore(where, archive.getvalue())
    assert res.to_json() == {"restored": True, "audit_entries": made.audit_entries, "kept": None}
    st = open_store(tmp_path / "elsewhere", url=url)
    try:
        record = clients.client_record(acting(st, ids["owner"]), ids["client"])
        assert record.client.name == "Alex Doe" and audit_ok(st)
    finally:
        st.close()
