"""Clients: photos, designs and plans."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from smpstudio.errors import InputError
from smpstudio.records.store import Store
from smpstudio.services import clients, consent
from tests.records.conftest import acting
from tests.records.helpers import session, setup_clinic


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
