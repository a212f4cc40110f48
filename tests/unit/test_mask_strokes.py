"""The practitioner's brush on the scalp mask: strokes painted in order at the mask's scale, a "not_skin"
stroke across the scalp leaves no dot under it in the preview of a rendered photo, a "skin" stroke adds skin,
a mask image wins over the strokes, and bad strokes are refused naming the field."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from smpstudio.errors import InputError
from smpstudio.photo.anchors import MaskStroke
from smpstudio.photo.scalp_mask import apply_strokes
from smpstudio.services.photo_preview import PhotoPreviewRequest, PhotoPreviewResult, photo_preview
from tests.validation.test_photo_fit import SIZE_PX, synthetic_photo


def _png(img: NDArray[np.uint8]) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def scene() -> tuple[NDArray[np.uint8], dict[str, list[float]], Any]:
    img, marks, _, doc, _ = synthetic_photo("front")
    return img, marks, doc


def _preview(
    scene: tuple[NDArray[np.uint8], dict[str, list[float]], Any],
    strokes: list[dict[str, Any]] | None = None,
    mask: bytes | None = None,
) -> tuple[PhotoPreviewResult, NDArray[np.uint8]]:
    img, marks, doc = scene
    landmarks: dict[str, Any] = {"view": "front", "points_px": marks}
    if strokes is not None:
        landmarks["mask_strokes"] = strokes
    res = photo_preview(doc, PhotoPreviewRequest.of(photo=_png(img), landmarks=landmarks, mask=mask))
    return res, np.asarray(Image.open(io.BytesIO(res.image)).convert("RGB"))


def _changed_rows(img: NDArray[np.uint8], out: NDArray[np.uint8]) -> NDArray[np.int64]:
    return np.flatnonzero(np.any(out != img, axis=(1, 2)))


def test_strokes_paint_in_order_round_capped_at_the_masks_scale() -> None:
    mask = np.zeros((100, 200), dtype=np.uint8)
    skin = MaskStroke("skin", 20.0, ((40.0, 100.0), (360.0, 100.0)))  # photo pixels, mask at half scale
    out = apply_strokes(mask, (skin,), 0.5)
    assert out[50, 100] == 255 and out[50, 20] == 255 and out[50, 180] == 255
    assert out[50, 12] == 255 and out[50, 5] == 0  # a round cap of 10 mask px beyond the end
    assert out[42, 100] == 255 and out[35, 100] == 0  # 10 mask px either side of the line
    assert out[45, 15] == 255 and out[41, 12] == 0  # the cap is round, not square
    assert not mask.any()  # the mask is left as it is
    hole = MaskStroke("not_skin", 4.0, ((200.0, 100.0),))
    both = apply_strokes(mask, (skin, hole), 0.5)
    assert both[50, 100] == 0 and both[50, 110] == 255
    assert apply_strokes(mask, (hole, skin), 0.5)[50, 100] == 255  # later strokes win


def test_a_not_skin_stroke_across_the_scalp_leaves_no_dot_under_it(scene: Any) -> None:
    img = scene[0]
    plain, before = _preview(scene)
    rows = _changed_rows(img, before)
    assert plain.dots_drawn > 500 and len(rows) > 20
    y = float(rows[len(rows) // 3]) + 0.5  # across the upper scalp, where dots are drawn
    radius = 12.0
    band = slice(int(y - radius) + 2, int(y + radius) - 1)
    assert np.any(before[band] != img[band])
    stroke = {"mode": "not_skin", "radius_px": radius, "points_px": [[0, y], [SIZE_PX, y]]}
    res, out = _preview(scene, [stroke])
    assert np.array_equal(out[band], img[band])
    assert res.dots_drawn < plain.dots_drawn and res.mask_method.endswith("+brush")
    assert np.any(out != img)  # the rest of the scalp keeps its dots


def test_a_skin_stroke_adds_skin_after_the_rest_is_removed(scene: Any) -> None:
    img = scene[0]
    plain, before = _preview(scene)
    rows = _changed_rows(img, before)
    y = float(rows[len(rows) // 2]) + 0.5
    clear = {"mode": "not_skin", "radius_px": 500, "points_px": [[SIZE_PX / 2, SIZE_PX / 2]]}
    none, out = _preview(scene, [clear])
    assert none.dots_drawn == 0 and np.array_equal(out, img)
    skin = {"mode": "skin", "radius_px": 10, "points_px": [[0, y], [SIZE_PX / 2, y], [SIZE_PX, y]]}
    res, out = _preview(scene, [clear, skin])
    assert 0 < res.dots_drawn < plain.dots_drawn
    changed = _changed_rows(img, out)
    assert changed.min() >= y - 10.5 and changed.max() <= y + 10.5


def test_a_mask_image_wins_over_the_strokes(scene: Any) -> None:
    black = io.BytesIO()
    Image.new("L", (SIZE_PX, SIZE_PX), 0).save(black, "PNG")
    skin = {"mode": "skin", "radius_px": 500, "points_px": [[10, 10]]}
    res, out = _preview(scene, [skin], mask=black.getvalue())
    assert res.dots_drawn == 0 and res.mask_method == "drawn" and np.array_equal(out, scene[0])


@pytest.mark.parametrize(
    ("strokes", "field"),
    [
        ({"mode": "skin"}, "landmarks.mask_strokes"),
        ([{"mode": "hair", "radius_px": 5, "points_px": [[1, 1]]}], "landmarks.mask_strokes.0.mode"),
        ([{"mode": "skin", "radius_px": 0.5, "points_px": [[1, 1]]}], "landmarks.mask_strokes.0.radius_px"),
        ([{"mode": "skin", "radius_px": 501, "points_px": [[1, 1]]}], "landmarks.mask_strokes.0.radius_px"),
        ([{"mode": "skin", "radius_px": 5, "points_px": []}], "landmarks.mask_strokes.0.points_px"),
        (
            [{"mode": "skin", "radius_px": 5, "points_px": [[1, 1]]}, {"mode": "skin", "radius_px": 5}],
            "landmarks.mask_strokes.1",
        ),
        (
            [{"mode": "skin", "radius_px": 5, "points_px": [[1, 1], [1, 9999]]}],
            "landmarks.mask_strokes.0.points_px.1",
        ),
        ([{"mode": "skin", "radius_px": 5, "points_px": [[1, 1]]}] * 201, "landmarks.mask_strokes"),
    ],
)
def test_bad_strokes_are_refused_naming_the_field(scene: Any, strokes: Any, field: str) -> None:
    with pytest.raises(InputError) as info:
        _preview(scene, strokes)
    assert info.value.field == field and info.value.allowed


def test_the_live_scene_paints_strokes_on_the_kept_automatic_mask(
    scene: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smpstudio.photo import live_preview
    from smpstudio.photo.anchors import parse_anchors
    from smpstudio.photo.fit import fit_head

    img, marks, doc = scene
    anchors = parse_anchors({"view": "front", "points_px": marks}, width=SIZE_PX, height=SIZE_PX)
    fit = fit_head(anchors, doc.context.grid.head, hairline_height_mm=doc.context.hairline_height_mm)
    photo = live_preview.preview_photo(img, SIZE_PX // 2)  # the strokes stay in the photo's own pixels
    plain = live_preview.prepare_scene(photo, fit, doc)
    kept = plain.auto.mask.copy()
    y = float(np.median(plain.xy_px[:, 1])) / photo.scale
    stroke = MaskStroke("not_skin", 20.0, ((0.0, y), (float(SIZE_PX), y)))

    def recomputed(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the automatic mask is computed again")

    monkeypatch.setattr(live_preview, "scalp_mask", recomputed)
    brushed = live_preview.prepare_scene(photo, fit, doc, plain.auto, (stroke,))
    assert np.array_equal(plain.auto.mask, kept)  # the kept mask is left as it is
    assert 0 < len(brushed.shown) < len(plain.shown)
    assert not np.any(np.abs(brushed.xy_px[:, 1] - y * photo.scale) < 20.0 * photo.scale - 1.0)
    assert np.any(np.abs(plain.xy_px[:, 1] - y * photo.scale) < 20.0 * photo.scale - 1.0)


def test_a_new_stroke_in_the_studio_keeps_the_fit_and_the_automatic_mask(
    scene: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smpstudio.services import consultation_state as state
    from smpstudio.services.consultation_models import DesignInputs

    img, marks, _ = scene
    seen = state.Seen(1, 1, "a1" * 32, "front", "norwood-6", None, "III", None)
    photo = state.preview_photo(img, SIZE_PX)
    calls: list[int] = []
    automatic = state.scalp_mask

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return automatic(*args, **kwargs)

    monkeypatch.setattr(state, "scalp_mask", counted)
    scenes = []
    for strokes in ([], [{"mode": "not_skin", "radius_px": 40, "points_px": [[0, 60], [SIZE_PX, 60]]}]):
        landmarks = {"view": "front", "points_px": marks, "mask_strokes": strokes}
        request = DesignInputs.of(client_id=1, photo_id=1, landmarks=landmarks)
        design = state.design_of(seen, request)
        fit, key = state.fit_of(seen, photo, landmarks, design)
        scenes.append((fit, state.scene_of(seen, photo, fit, key, design, 60.0)[0]))
    (fit, plain), (fit_brushed, brushed) = scenes
    assert fit_brushed is fit and len(calls) == 1  # the stroke neither fits nor masks again
    assert 0 < len(brushed.shown) < len(plain.shown)
