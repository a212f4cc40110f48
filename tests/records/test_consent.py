"""Consent: signing (typed or drawn), withdrawing, the clinic's own texts; patch tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image

from smpstudio.errors import AccessError, InputError
from smpstudio.records.store import Store
from smpstudio.services import clients, consent
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
    res = consent.record_patch_test(
        acting(store, ids["prac"]),
        consent.PatchTestRecordRequest.of(
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
    ]


@pytest.mark.parametrize(
    ("model", "values", "field"),
    [
        (consent.SignConsentRequest, {"client_id": 1, "signed_name": "A", "kind": "tattoo"}, "kind"),
        (consent.SignConsentRequest, {"client_id": 1, "signed_name": " "}, "signed_name"),
        (consent.WithdrawConsentRequest, {"client_id": "one"}, "client_id"),
        (
            consent.PatchTestRecordRequest,
            {"client_id": 1, "lot": "P1", "applied": "monday", "read": "2026-01-03", "result": "negative"},
            "applied",
        ),
    ],
)
def test_a_bad_consent_request_names_the_field(model: type, values: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        model.of(**values)
    assert info.value.field == field
