"""The preview service called directly: an encoded image and the JSON that describes it."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import smpstudio.design.spec as spec_module
from smpstudio.design.document import dump_design
from smpstudio.errors import InputError
from smpstudio.services.design import parse_design
from smpstudio.services.preview import PreviewRequest, preview, preview_design
from tests.conftest import make_design


def test_preview_returns_the_image_and_its_json() -> None:
    _, _, doc = make_design("norwood-3", "natural")
    result = preview(doc, PreviewRequest.of(view="top", size_px=96, format="webp"))
    image = Image.open(io.BytesIO(result.image))
    assert image.format == "WEBP" and image.size == (96, 96)
    obj = result.to_json()
    assert "image" not in obj and obj["dot_count"] == len(doc.dots) and obj["out"] == "preview.webp"
    assert result.stored_at("/tmp/p.webp").to_json()["out"] == "/tmp/p.webp"


def test_previews_of_a_read_design_compute_its_maps_once(monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, built = make_design("norwood-3", "natural")
    calls: list[object] = []
    real = spec_module.design_context
    monkeypatch.setattr(spec_module, "design_context", lambda spec: calls.append(spec) or real(spec))
    doc = parse_design(dump_design(built))
    front = preview_design(doc, view="front", size_px=80)
    plan = preview_design(doc, view="front", size_px=80, look="plan")
    assert len(calls) == 1 and front.shape == plan.shape == (80, 80, 3)
    assert not np.array_equal(front, plan)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"view": "side"}, "view"),
        ({"size_px": 99999}, "size"),
        ({"look": "wet"}, "look"),
        ({"depth_mm": 9.0}, "depth_mm"),
        ({"skin_type": "VII"}, "skin_type"),
    ],
)
def test_bad_values_name_their_field(values: dict[str, object], field: str) -> None:
    _, _, doc = make_design("norwood-3", "natural")
    with pytest.raises(InputError) as info:
        preview(doc, PreviewRequest.of(**values))
    assert info.value.field == field


def test_the_request_refuses_unknown_formats() -> None:
    with pytest.raises(InputError) as info:
        PreviewRequest.of(format="gif")
    assert info.value.field == "format"
