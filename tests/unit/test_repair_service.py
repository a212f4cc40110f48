"""The repair detect use case: one result model, bad photos refused before decoding, the scale checked."""

from __future__ import annotations

import io
from functools import cache

import pytest
from PIL import Image

from smpstudio.errors import InputError
from smpstudio.repair.dotmap import FLAGS
from smpstudio.repair.synthetic import synthetic_closeup
from smpstudio.services.repair import RepairDetectRequest, detect

MM_PER_PX = 1.0 / 30.0


@cache
def photo_jpeg() -> bytes:
    """A small synthetic close-up (300 x 300 px at 30 px/mm, 10 x 10 mm)."""
    return synthetic_closeup(size_px=(300, 300), mm_per_px=MM_PER_PX, seed=2, front_mm=3.0, special=1).jpeg


def test_detect_returns_the_contract_fields_and_an_annotated_png() -> None:
    result = detect(RepairDetectRequest.of(image=photo_jpeg(), mm_per_px=MM_PER_PX, annotate=True))
    body = result.to_json()
    for key in ("width", "height", "mm_per_px", "count", "density_per_cm2", "dots", "hairline", "warnings"):
        assert key in body
    assert body["width"] == body["height"] == 300
    assert 50 < body["count"] < 120
    for dot in body["dots"]:
        assert set(dot) >= {"x_px", "y_px", "diameter_mm", "contrast", "blue_shift", "flags"}
        assert set(dot["flags"]) <= set(FLAGS)
    assert "annotated" not in body
    assert result.annotated is not None
    with Image.open(io.BytesIO(result.annotated)) as im:
        assert im.format == "PNG" and im.width == 300 and im.height > 300


def test_not_an_image_is_refused() -> None:
    with pytest.raises(InputError) as err:
        detect(RepairDetectRequest.of(image=b"not an image at all", mm_per_px=MM_PER_PX))
    assert err.value.field == "photo"


def test_truncated_jpeg_is_refused() -> None:
    with pytest.raises(InputError) as err:
        detect(RepairDetectRequest.of(image=photo_jpeg()[:2000], mm_per_px=MM_PER_PX))
    assert err.value.field == "photo"


def test_too_many_pixels_is_refused_from_the_header() -> None:
    with pytest.raises(InputError) as err:
        detect(RepairDetectRequest.of(image=photo_jpeg(), mm_per_px=MM_PER_PX), max_pixels=50_000)
    assert err.value.code == "image_too_large"


def test_a_photo_without_a_ruler_is_refused_when_the_scale_is_to_come_from_one() -> None:
    with pytest.raises(InputError) as err:
        detect(RepairDetectRequest.of(image=photo_jpeg(), ruler_mm=1.0))
    assert err.value.code == "ruler_not_found" and err.value.field == "ruler_mm"


def test_a_given_scale_has_no_ruler_in_the_result() -> None:
    result = detect(RepairDetectRequest.of(image=photo_jpeg(), mm_per_px=MM_PER_PX))
    assert result.ruler is None
    assert not any(w.startswith("scale from ruler") for w in result.warnings)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({}, "mm_per_px"),
        ({"mm_per_px": 1.0}, "mm_per_px"),
        ({"mm_per_px": MM_PER_PX, "ruler_mm": 10.0}, "mm_per_px"),
        ({"mm_per_px": -1.0}, "mm_per_px"),
        ({"mm_per_px": MM_PER_PX, "front": "back"}, "front"),
    ],
)
def test_bad_scale_or_front_names_the_field(values: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as err:
        detect(RepairDetectRequest.of(image=photo_jpeg(), **values))
    assert err.value.field == field


def test_tiny_image_is_refused() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 160, 120)).save(buffer, format="PNG")
    with pytest.raises(InputError) as err:
        detect(RepairDetectRequest.of(image=buffer.getvalue(), mm_per_px=MM_PER_PX))
    assert err.value.field == "photo"
