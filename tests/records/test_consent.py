"""Consent: signing (typed or drawn), withdrawing, the clinic's own texts; patch tests."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import io
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select

from smpstudio.errors import AccessError, InputError, SmpError
from smpstudio.records.models import CONSENT_KINDS, ConsentText, Lot, PatchTest
from smpstudio.records.repositories import consent as consent_rows
from smpstudio.records.store import Store, open_store
from smpstudio.services import clients, clinic_settings, clinics, consent, lots, patch_tests
from smpstudio.services.context import Clock
from tests.records.conftest import acting
from tests.records.helpers import setup_clinic


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("L", (60, 20), 255).save(buf, "PNG")
    return buf.getvalue()


def test_a_drawn_signature_is_kept_and_a_different_name_warned(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    signed = consent.sign_consent(
        acting(store, ids["desk"]),
        consent.SignConsentRequest.of(
            client_id=ids["client"], signed_name="J. Doe (guardian)", kind="photography", signature=_png()
        ),
    )
    assert (signed.kind, signed.text_version, signed.signature) == ("photography", "1", "drawn")
    assert signed.warnings and "differs" in signed.warnings[0]
    rec = clients.client_record(acting(store, ids["owner"]), ids["client"])
    drawn = next(c for c in rec.consents if c.id == signed.id)
    assert drawn.signature_sha256 is not None and store.files.exists(drawn.signature_sha256)


def test_a_signature_far_larger_than_a_signature_pad_is_refused_before_it_is_decoded(
    store: Store, tmp_path: Path
) -> None:
    ids = setup_clinic(store, tmp_path)
    out = io.BytesIO()
    Image.new("1", (3000, 2000)).save(out, "PNG")  # 6 megapixels in a few kilobytes
    huge_bytes = b"\x89PNG" + b"\0" * (consent.SIGNATURE_MAX_BYTES + 1)
    for image in (out.getvalue(), huge_bytes):
        with pytest.raises(InputError) as refused:
            consent.sign_consent(
                acting(store, ids["desk"]),
                consent.SignConsentRequest.of(
                    client_id=ids["client"], signed_name="Alex Doe", signature=image
                ),
            )
        assert refused.value.field == "signature" and refused.value.code == "image_too_large"
    rec = clients.client_record(acting(store, ids["owner"]), ids["client"])
    assert len(rec.consents) == 1  # only the one setup_clinic signed


def test_withdrawal_is_timed_by_the_clinics_clock(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    moment = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    ctx = dataclasses.replace(acting(store, ids["prac"]), clock=Clock.fixed(moment, "Europe/Paris"))
    out = consent.withdraw_consent(ctx, consent.WithdrawConsentRequest.of(client_id=ids["client"]))
    assert len(out.withdrawn) == 1 and out.to_json() == {"withdrawn": out.withdrawn}
    rec = clients.client_record(acting(store, ids["owner"]), ids["client"])
    assert rec.consents[0].withdrawn_at == moment
    with pytest.raises(InputError, match="no treatment consent to withdraw"):
        consent.withdraw_consent(ctx, consent.WithdrawConsentRequest.of(client_id=ids["client"]))


def test_a_clinics_own_consent_text_is_kept_exactly(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    body = "# Consent\n\nI agree.\n"
    request = consent.AddConsentTextRequest.of(kind="treatment", version="2026-a", body=body)
    with pytest.raises(AccessError):
        consent.add_consent_text(acting(store, ids["prac"]), request)
    added = consent.add_consent_text(acting(store, ids["owner"]), request)
    assert added.sha256 == hashlib.sha256(body.encode()).hexdigest()  # not stripped
    with pytest.raises(InputError, match="exists"):
        consent.add_consent_text(acting(store, ids["owner"]), request)
    signed = consent.sign_consent(
        acting(store, ids["prac"]),
        consent.SignConsentRequest.of(client_id=ids["client"], signed_name="Alex Doe"),
    )
    assert (signed.text_version, signed.text_sha256, signed.warnings) == ("2026-a", added.sha256, [])
    with pytest.raises(InputError) as info:
        consent.sign_consent(
            acting(store, ids["prac"]),
            consent.SignConsentRequest.of(client_id=ids["client"], signed_name="Alex Doe", version="9"),
        )
    assert info.value.field == "version"


def test_a_patch_test_is_recorded_with_its_limited_value(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    res = patch_tests.record_patch_test(
        acting(store, ids["prac"]),
        patch_tests.PatchTestRecordRequest.of(
            client_id=ids["client"],
            lot="P1",
            applied="2026-01-01T09:00",
            read="2026-01-03T09:00",
            result="positive",
        ),
    )
    assert (res.hours, res.blocks_session, res.applied_at) == (48.0, True, "2026-01-01T09:00")
    assert list(res.to_json()) == [
        "id",
        "site",
        "lot",
        "applied_at",
        "read_at",
        "hours",
        "result",
        "blocks_session",
        "limited_value",
        "rules_version",
        "pending",
        "read_due_at",
    ]
    assert (res.pending, res.read_due_at) == (False, None)


@pytest.mark.parametrize(
    ("model", "values", "field"),
    [
        (consent.SignConsentRequest, {"client_id": 1, "signed_name": "A", "kind": "tattoo"}, "kind"),
        (consent.SignConsentRequest, {"client_id": 1, "signed_name": " "}, "signed_name"),
        (consent.WithdrawConsentRequest, {"client_id": "one"}, "client_id"),
        (
            patch_tests.PatchTestRecordRequest,
            {"client_id": 1, "lot": "P1", "applied": "monday", "read": "2026-01-03", "result": "negative"},
            "applied",
        ),
    ],
)
def test_a_bad_consent_request_names_the_field(model: type, values: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        model.of(**values)
    assert info.value.field == field


def test_another_clinics_consent_text_never_reaches_this_clinics_consents(
    store: Store, tmp_path: Path
) -> None:
    ids = setup_clinic(store, tmp_path)
    other = clinics.init_clinic(acting(store), clinics.InitClinicRequest.of(name="Other")).owner_id
    waiver = consent.AddConsentTextRequest.of(
        kind="treatment", version="2026-b", body="I waive all claims.\n"
    )
    consent.add_consent_text(acting(store, other), waiver)
    signed = consent.sign_consent(
        acting(store, ids["prac"]),
        consent.SignConsentRequest.of(client_id=ids["client"], signed_name="Alex Doe"),
    )
    assert signed.text_version == "1"  # the packaged text: this clinic has none of its own
    with pytest.raises(InputError, match="no treatment consent text"):
        consent.sign_consent(
            acting(store, ids["prac"]),
            consent.SignConsentRequest.of(client_id=ids["client"], signed_name="Alex Doe", version="2026-b"),
        )
    own = consent.add_consent_text(  # the same label is free in this clinic
        acting(store, ids["owner"]),
        consent.AddConsentTextRequest.of(kind="treatment", version="2026-b", body="I agree.\n"),
    )
    signed = consent.sign_consent(
        acting(store, ids["prac"]),
        consent.SignConsentRequest.of(client_id=ids["client"], signed_name="Alex Doe"),
    )
    assert (signed.text_version, signed.text_sha256) == ("2026-b", own.sha256)
    with pytest.raises(InputError, match="exists"):  # the packaged label is taken in every clinic
        consent.add_consent_text(
            acting(store, ids["owner"]),
            consent.AddConsentTextRequest.of(kind="treatment", version="1", body="x"),
        )


def _patch(store: Store, ids: dict[str, int], **kw: str) -> patch_tests.PatchTestRecorded:
    values = {"lot": "P1", "applied": "2026-01-01T09:00", "read": "2026-01-03T09:00", "result": "negative"}
    values.update(kw)
    return patch_tests.record_patch_test(
        acting(store, ids["prac"]), patch_tests.PatchTestRecordRequest.of(client_id=ids["client"], **values)
    )


def test_a_patch_test_names_a_pigment_lot_of_the_clinic_and_keeps_its_id(
    store: Store, tmp_path: Path
) -> None:
    ids = setup_clinic(store, tmp_path)
    res = _patch(store, ids)
    lot_id = store.read(lambda s: s.get(PatchTest, res.id).lot_id)  # type: ignore[union-attr]
    assert lot_id == store.read(lambda s: s.scalar(select(Lot.id).where(Lot.lot_code == "P1")))
    assert _patch(store, ids, lot=f"#{lot_id}").id != res.id
    other = clinics.init_clinic(acting(store), clinics.InitClinicRequest.of(name="Other")).owner_id
    lots.add_lot(
        acting(store, other),
        lots.AddLotRequest.of(kind="pigment", product="p", lot="THEIRS", expires="2099-01-01", quantity=1),
    )
    for lot in ("N1", "D1", "MADE-UP", "THEIRS", "#999999"):
        with pytest.raises(InputError) as info:
            _patch(store, ids, lot=lot)
        assert info.value.field == "lot", lot
    before = store.read(lambda s: s.scalar(select(func.count()).select_from(PatchTest)))
    assert before == 2


def test_patch_test_dates_are_not_in_the_future_and_read_follows_applied(
    store: Store, tmp_path: Path
) -> None:
    ids = setup_clinic(store, tmp_path)
    moment = dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC)  # already 11 March in Auckland
    ctx = dataclasses.replace(acting(store, ids["prac"]), clock=Clock.fixed(moment))
    clinic_settings.update_clinic(
        acting(store, ids["owner"]), clinic_settings.UpdateClinicRequest.of(timezone="Pacific/Auckland")
    )

    def record(applied: str, read: str) -> patch_tests.PatchTestRecorded:
        request = patch_tests.PatchTestRecordRequest.of(
            client_id=ids["client"], lot="P1", applied=applied, read=read, result="negative"
        )
        return patch_tests.record_patch_test(ctx, request)

    assert record("2026-03-09T09:00", "2026-03-11T09:00").hours == 48.0  # the clinic's today
    for applied, read, field in (
        ("2026-03-10T09:00", "2026-03-12T09:00", "read"),
        ("2026-03-12T09:00", "2026-03-14T09:00", "applied"),
        ("2026-03-09T09:00", "2026-03-01T09:00", "read"),
        ("2026-03-09T09:00", "2026-03-09T09:00", "read"),
    ):
        with pytest.raises(InputError) as info:
            record(applied, read)
        assert info.value.field == field, (applied, read)


def _racing_text_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make two writers that both look for a packaged consent text look at the same moment: each waits
    (up to 1 s) for the other at its first look, as two processes racing would."""
    barrier = threading.Barrier(2, timeout=1)
    waited: set[int] = set()
    real = consent_rows.text_exists

    def text_exists(db: Any, clinic_id: int | None, kind: str, version: str) -> bool:
        found = real(db, clinic_id, kind, version)
        if threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
        return found

    monkeypatch.setattr(consent_rows, "text_exists", text_exists)


def _packaged_texts(store: Store) -> list[tuple[str, str]]:
    query = select(ConsentText.kind, ConsentText.version).where(ConsentText.clinic_id.is_(None))
    return sorted((kind, version) for kind, version in store.read(lambda db: db.execute(query).all()))


def test_two_writers_seeding_the_packaged_texts_store_each_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _racing_text_checks(monkeypatch)
    bodies = {"treatment": "Treatment consent.", "photography": "Photography consent."}
    with ThreadPoolExecutor(2) as pool:
        added = list(
            pool.map(
                lambda _: store.write(lambda db: consent_rows.add_packaged_texts(db, bodies, "1")), range(2)
            )
        )
    assert sorted(added) == [0, 2]
    assert _packaged_texts(store) == [("photography", "1"), ("treatment", "1")]


def test_two_first_clinic_inits_store_the_packaged_texts_once(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_store(tmp_path / "var", url=pg_url, create=True).close()
    _racing_text_checks(monkeypatch)

    def init(i: int) -> object:
        st = open_store(tmp_path / "var", url=pg_url)
        try:
            return clinics.init_clinic(acting(st), clinics.InitClinicRequest.of(name=f"C{i}")).clinic_id
        except SmpError as exc:
            return exc
        finally:
            st.close()

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(init, range(2)))
    assert any(isinstance(r, int) for r in results), results
    st = open_store(tmp_path / "var", url=pg_url)
    try:
        assert _packaged_texts(st) == sorted((kind, "1") for kind in CONSENT_KINDS)
    finally:
        st.close()


def test_a_patch_test_on_a_recalled_pigment_lot_is_refused(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    lots.recall_lot(acting(store, ids["owner"]), lots.RecallRequest.of(lot="P1", reason="contamination"))
    now = dt.datetime.now().replace(microsecond=0)
    with pytest.raises(SmpError) as refused:
        patch_tests.record_patch_test(
            acting(store, ids["prac"]),
            patch_tests.PatchTestRecordRequest.of(
                client_id=ids["client"],
                lot="P1",
                applied=(now - dt.timedelta(hours=50)).isoformat(),
                read=(now - dt.timedelta(hours=1)).isoformat(),
                result="negative",
            ),
        )
    assert refused.value.code == "lot_recalled" and refused.value.field == "lot"
