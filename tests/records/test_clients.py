"""Clients: adding and finding them, photos, designs, plans and the whole record."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import tracemalloc
import warnings
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from smpstudio.errors import InputError
from smpstudio.records.models import Client, Screening
from smpstudio.records.store import Store
from smpstudio.services import clients, clinic_settings, consent, patch_tests
from smpstudio.services.context import Clock
from tests.records.conftest import acting, answers
from tests.records.helpers import session, setup_clinic
from tests.records.test_hostile_input import png_declaring, png_with_text_bomb


def _jpeg_with_exif() -> bytes:
    im = Image.new("RGB", (40, 30), (120, 90, 80))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "CameraApp 1.0"  # Software
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def test_photo_needs_consent_and_loses_its_exif(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    image = _jpeg_with_exif()
    assert Image.open(io.BytesIO(image)).getexif()
    photo = clients.AddPhotoRequest.of(client_id=ids["client"], image=image, view="top")
    with pytest.raises(InputError, match="consented to photographs"):
        clients.add_photo(acting(store, ids["prac"]), photo)
    consent.sign_consent(
        acting(store, ids["prac"]),
        consent.SignConsentRequest.of(client_id=ids["client"], signed_name="Alex Doe", kind="photography"),
    )
    res = clients.add_photo(
        acting(store, ids["prac"]),
        clients.AddPhotoRequest.of(client_id=ids["client"], image=image, view="top", kind="before"),
    )
    stored = store.files.get(res.sha256)
    assert not Image.open(io.BytesIO(stored)).getexif()
    assert b"PhoneMaker" not in stored
    again = clients.add_photo(acting(store, ids["prac"]), photo)
    assert again.sha256 == res.sha256  # content-addressed: stored once


def test_designs_are_versioned_and_plans_and_sessions_point_at_them(store: Store, tmp_path: Path) -> None:
    from smpstudio.design.document import write_design
    from tests.conftest import make_design

    ids = setup_clinic(store, tmp_path)
    path = write_design(make_design("norwood-6", "soft")[2], tmp_path / "d.json")
    design = clients.AddDesignRequest.of(client_id=ids["client"], document=json.loads(path.read_text()))
    v1 = clients.add_design(acting(store, ids["prac"]), design)
    v2 = clients.add_design(acting(store, ids["prac"]), design)
    assert (v1.version, v2.version) == (1, 2) and v1.sha256 == v2.sha256
    plan = clients.add_plan(
        acting(store, ids["prac"]),
        clients.AddPlanRequest.of(client_id=ids["client"], sessions=3, interval_days=14, design_version=2),
    )
    with pytest.raises(InputError, match="interval_days"):
        clients.add_plan(
            acting(store, ids["prac"]),
            clients.AddPlanRequest.of(client_id=ids["client"], sessions=3, interval_days=2),
        )
    sid = session(store, ids, design_version=2).id
    rec = clients.client_record(acting(store, ids["owner"]), ids["client"])
    assert rec.sessions[0].id == sid and rec.sessions[0].design == v2.id
    assert rec.treatment_plans[0].id == plan.id and rec.treatment_plans[0].design == v2.id
    with pytest.raises(InputError):
        clients.add_design(
            acting(store, ids["prac"]),
            clients.AddDesignRequest.of(client_id=ids["client"], document={"schema_version": 1}),
        )


@pytest.mark.parametrize(
    ("values", "field", "allowed"),
    [
        ({"date_of_birth": "yesterday"}, "date_of_birth", "YYYY-MM-DD"),
        ({"skin_type": "VII"}, "skin_type", "I, II, III, IV, V, VI"),
        ({"email": "alex at example"}, "email", "name@example.org"),
        ({"phone": "call me"}, "phone", "digits, spaces, + and -"),
        ({"name": "   "}, "name", "a non-empty text"),
        ({"hair_colour": "x" * 41}, "hair_colour", "at most 40 characters"),
        ({"date-of-birth": "1990-01-01"}, "date-of-birth", None),  # the old spelling is not a field
    ],
)
def test_a_bad_client_request_names_the_field(
    values: dict[str, str], field: str, allowed: str | None
) -> None:
    with pytest.raises(InputError) as info:
        clients.AddClientRequest.of(**({"name": "Alex", "date_of_birth": "1990-01-01"} | values))
    assert info.value.field == field and info.value.allowed == allowed


def _in_timezone(store: Store, ids: dict[str, int], zone: str) -> None:
    """Move the test clinic to ``zone`` (its owner's setting)."""
    request = clinic_settings.UpdateClinicRequest.of(timezone=zone)
    clinic_settings.update_clinic(acting(store, ids["owner"]), request)


def test_a_birth_date_is_judged_on_the_clinics_today(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    # 23:30 UTC on 1 January is already 2 January in Auckland; the context's own clock is in UTC, and the
    # clinic's timezone (not the context's) decides the day.
    moment = dt.datetime(2026, 1, 1, 23, 30, tzinfo=dt.UTC)
    newborn = clients.AddClientRequest.of(name="Baby", date_of_birth="2026-01-02")
    ctx = dataclasses.replace(acting(store, ids["owner"]), clock=Clock.fixed(moment))
    with pytest.raises(InputError, match="a past date") as info:
        clients.add_client(ctx, newborn)
    assert info.value.field == "date_of_birth"
    in_auckland_ctx = dataclasses.replace(ctx, clock=Clock.fixed(moment, "Pacific/Auckland"))
    with pytest.raises(InputError, match="a past date"):  # the context's timezone is not the clinic's
        clients.add_client(in_auckland_ctx, newborn)
    _in_timezone(store, ids, "Pacific/Auckland")
    assert clients.add_client(ctx, newborn).id > ids["client"]


def test_a_screening_is_dated_and_judged_on_the_clinics_today(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    _in_timezone(store, ids, "Pacific/Auckland")
    moment = dt.datetime(2026, 1, 1, 23, 30, tzinfo=dt.UTC)  # 2 January 2026 in Auckland
    ctx = dataclasses.replace(acting(store, ids["prac"]), clock=Clock.fixed(moment))
    adult = clients.add_client(
        ctx, clients.AddClientRequest.of(name="Eighteen Today", date_of_birth="2008-01-02")
    ).id
    screened = clients.screen_client(ctx, clients.ScreenClientRequest.of(client_id=adult, answers=answers()))
    assert screened.outcome == "proceed"  # 18 today in Auckland (still 17 in UTC)
    with store.session() as db:
        row = db.scalars(select(Screening).where(Screening.client_id == adult)).one()
        assert row.answered_on == dt.date(2026, 1, 2)


def test_a_plan_keeps_the_clinics_own_minimum_interval(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    clinic_settings.set_clinic_rules(
        acting(store, ids["owner"]),
        clinic_settings.SetClinicRulesRequest.of(body="[care.records]\nminimum_interval_days = 14\n"),
    )
    ten_days = clients.AddPlanRequest.of(client_id=ids["client"], sessions=3, interval_days=10)
    with pytest.raises(InputError) as info:  # 10 days meets the packaged 7 but not the clinic's 14
        clients.add_plan(acting(store, ids["prac"]), ten_days)
    assert info.value.field == "interval_days"
    plan = clients.AddPlanRequest.of(client_id=ids["client"], sessions=3, interval_days=14)
    assert clients.add_plan(acting(store, ids["prac"]), plan).interval_days == 14


def test_find_lists_clients_by_name(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    found = clients.find_clients(acting(store, ids["desk"]), clients.FindClientsRequest.of(query=" alex "))
    assert found.to_json() == {
        "clients": [{"id": ids["client"], "name": "Alex Doe", "date_of_birth": "1980-01-02"}]
    }
    nobody = clients.find_clients(acting(store, ids["desk"]), clients.FindClientsRequest.of(query="zed"))
    assert nobody.clients == []


def test_screening_refuses_a_date_of_birth_other_than_the_records(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    request = clients.ScreenClientRequest.of(
        client_id=ids["client"], answers={"date_of_birth": "1990-05-05", "answers": {}}
    )
    with pytest.raises(InputError, match="differs from the record") as info:
        clients.screen_client(acting(store, ids["prac"]), request)
    assert info.value.field == "date_of_birth"


def test_a_photo_over_the_pixel_limit_is_refused(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    ctx = dataclasses.replace(acting(store, ids["prac"]), max_image_pixels=1000)
    request = clients.AddPhotoRequest.of(client_id=ids["client"], image=_jpeg_with_exif(), view="top")
    with pytest.raises(InputError, match="too large") as info:
        clients.add_photo(ctx, request)
    assert info.value.field == "photo"
    with pytest.raises(InputError, match="not a readable image"):
        clients.add_photo(
            ctx, clients.AddPhotoRequest.of(client_id=ids["client"], image=b"GIF89a", view="top")
        )


def test_the_typed_record_prints_exactly_the_records_view(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    consent.sign_consent(
        acting(store, ids["prac"]),
        consent.SignConsentRequest.of(client_id=ids["client"], signed_name="Alex Doe", kind="photography"),
    )
    image = _jpeg_with_exif()
    clients.add_photo(
        acting(store, ids["prac"]),
        clients.AddPhotoRequest.of(
            client_id=ids["client"], image=image, view="top", landmarks={"nasion": [1, 2]}
        ),
    )
    patch_tests.record_patch_test(
        acting(store, ids["prac"]),
        patch_tests.PatchTestRecordRequest.of(
            client_id=ids["client"], lot="P1", applied="2026-01-01", read="2026-01-03", result="negative"
        ),
    )
    clients.add_plan(acting(store, ids["prac"]), clients.AddPlanRequest.of(client_id=ids["client"]))
    session(store, ids, zones=["hairline"])
    record = clients.client_record(acting(store, ids["owner"]), ids["client"])
    with store.session() as db:
        client = db.get(Client, ids["client"])
        view = clients.record_of(db, client)
    assert json.dumps(record.to_json()) == json.dumps(view)  # same keys, same order, same values
    assert record.sessions[0].pigment_lot is not None and record.sessions[0].pigment_lot.lot == "P1"
    assert record.client.date_of_birth == dt.date(1980, 1, 2)


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (png_declaring(20_000, 20_000), "too large"),  # 400 megapixels declared in a few bytes
        (png_declaring(11_000, 11_000), "too large"),  # 121 megapixels: just over the default limit
        (png_declaring(64, 64)[:40], "not a readable image"),  # truncated
        (png_with_text_bomb(), "not a readable image"),  # Pillow raises ValueError on it
        (b"\x00" * 64, "not a readable image"),
    ],
)
def test_a_hostile_image_is_refused_before_its_pixels_are_decoded(
    store: Store, tmp_path: Path, image: bytes, message: str
) -> None:
    ids = setup_clinic(store, tmp_path)
    request = clients.AddPhotoRequest.of(client_id=ids["client"], image=image, view="top")
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # Pillow's decompression-bomb warning is not printed either
            with pytest.raises(InputError, match=message) as info:
                clients.add_photo(acting(store, ids["prac"]), request)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.field == "photo" and info.value.exit_code == 2
    assert peak < 20_000_000  # a header check, not a decode (the 121 MP one took 526 MB before)
    assert store.files.all() == []


def test_landmarks_are_points_by_name(store: Store, tmp_path: Path) -> None:
    for landmarks in ({"nasion": "here"}, {"nasion": [1, 2, 3]}, {"": [1, 2]}, {"a": [float("nan"), 1]}, [1]):
        with pytest.raises(InputError) as info:
            clients.AddPhotoRequest.of(client_id=1, image=b"", view="top", landmarks=landmarks)
        assert info.value.field == "landmarks"
    ok = clients.AddPhotoRequest.of(client_id=1, image=b"", view="top", landmarks={" nasion ": [1, 2.5]})
    assert ok.landmarks == {"nasion": [1.0, 2.5]}
