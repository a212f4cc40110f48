"""The repair consultation through the API: a close-up uploaded (multipart) starts a map; the list, the map,
corrections, the target hairline and the images; the scale given twice, an unknown image and a client
without photography consent are refused naming the field; another clinic's map answers as missing."""

from __future__ import annotations

import io

from PIL import Image

from smpstudio.services import consent
from tests.web.conftest import ctx_for
from tests.web.populated import (
    Populated,
    closeup_jpeg,
    populated_fixture,  # noqa: F401  (the fixture)
    populated_template_fixture,  # noqa: F401  (the fixture)
)


def _start(populated: Populated, **fields: str) -> object:
    c = populated.cookie("practitioner")
    data = {"px_per_mm": "30", "skin_type": "II", "ink": "iron-oxide", **fields}
    files = {"file": ("closeup.jpg", closeup_jpeg(), "image/jpeg")}
    return c.post(f"/api/v1/clients/{populated.a.client_id}/repairs", data=data, files=files)


def test_a_closeup_starts_a_map_that_is_listed_read_corrected_and_drawn(populated: Populated) -> None:
    a = populated.a
    c = populated.cookie("practitioner")
    answer = _start(populated)
    assert answer.status_code == 201, answer.text[:400]  # type: ignore[attr-defined]
    summary = answer.json()  # type: ignore[attr-defined]
    assert summary["dot_count"] >= 20 and sum(summary["counts"].values()) == summary["dot_count"]
    base = f"/api/v1/clients/{a.client_id}/repairs"
    listed = c.get(base).json()
    assert [r["id"] for r in listed["repairs"]][:2] == [summary["id"], a.repair_id]
    view = c.get(f"{base}/{summary['id']}").json()
    assert view["plan"]["laser"]["test_spot"] is True  # iron oxide can darken under the laser
    assert view["target_source"] == "detected" and len(view["dots"]) == summary["dot_count"]
    kept = next(d for d in view["dots"] if d["dot_class"] == "keep")
    corrected = c.post(
        f"{base}/{summary['id']}/corrections", json={"corrections": {str(kept["index"]): "remove"}}
    )
    assert corrected.status_code == 200, corrected.text[:400]
    dot = corrected.json()["dots"][kept["index"]]
    assert (dot["dot_class"], dot["detected_class"], dot["corrected"]) == ("remove", "keep", True)
    drawn = c.post(f"{base}/{summary['id']}/hairline", json={"hairline_px": [[0, 100], [300, 100]]})
    assert drawn.status_code == 200 and drawn.json()["target_source"] == "drawn"
    assert drawn.json()["dots"][kept["index"]]["dot_class"] == "remove"  # the correction stays


def test_images_come_as_png_at_most_as_wide_as_asked(populated: Populated) -> None:
    a = populated.a
    c = populated.cookie("owner")
    for which in ("photo", "plan", "after-removal", "after-resmp"):
        shot = c.get(
            f"/api/v1/clients/{a.client_id}/repairs/{a.repair_id}/{which}.png", params={"max_width_px": 120}
        )
        assert shot.status_code == 200 and shot.headers["content-type"] == "image/png", which
        image = Image.open(io.BytesIO(shot.content))
        assert image.width == 120 and "exif" not in image.info
    unknown = c.get(f"/api/v1/clients/{a.client_id}/repairs/{a.repair_id}/thumbnail.png")
    assert unknown.status_code == 422 and unknown.json()["field"] == "which"


def test_refusals_name_the_field(populated: Populated) -> None:
    twice = _start(populated, mm_per_px="0.0333")
    assert twice.status_code == 422 and twice.json()["field"] == "mm_per_px"  # type: ignore[attr-defined]
    no_design = _start(populated, design_version="77")
    assert no_design.status_code == 422 and no_design.json()["field"] == "design_version"  # type: ignore[attr-defined]
    bad_line = _start(populated, hairline_px="[[1, 2]]")
    assert bad_line.status_code == 422 and bad_line.json()["field"] == "hairline_px"  # type: ignore[attr-defined]
    a = populated.a
    c = populated.cookie("practitioner")
    beyond = c.post(
        f"/api/v1/clients/{a.client_id}/repairs/{a.repair_id}/corrections",
        json={"corrections": {"9999": "keep"}},
    )
    assert beyond.status_code == 422 and beyond.json()["field"] == "corrections"
    staff = ctx_for(populated.store, a.staff_id)
    consent.withdraw_consent(
        staff, consent.WithdrawConsentRequest.of(client_id=a.client_id, kind="photography")
    )
    refused = _start(populated)
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert refused.json()["code"] == "photo_consent_missing"  # type: ignore[attr-defined]


def test_another_clinics_map_answers_as_a_missing_one(populated: Populated) -> None:
    a, b = populated.a, populated.b
    c = populated.cookie("practitioner")
    theirs = c.get(f"/api/v1/clients/{a.client_id}/repairs/{b.repair_id}")
    missing = c.get(f"/api/v1/clients/{a.client_id}/repairs/999999")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["error"].replace(str(b.repair_id), "N") == missing.json()["error"].replace(
        "999999", "N"
    )
    assert c.get(f"/api/v1/clients/{b.client_id}/repairs").status_code == 404
