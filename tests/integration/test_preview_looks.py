"""The preview's looks (before, healed, plan), its landmarks and the fringe drawn from the client's hair."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from smpstudio.design.document import DotTable
from smpstudio.render.camera import view_camera
from smpstudio.render.preview import RenderStyle, render_preview
from smpstudio.services.preview import PreviewRequest, preview, preview_image
from smpstudio.skin.healed_dot import luminance, srgb_to_linear
from smpstudio.skin.stubble import Hair
from tests.cli import smp_in_process
from tests.conftest import make_design


def _y(img: np.ndarray) -> np.ndarray:
    return np.asarray(luminance(srgb_to_linear(img / 255.0)))


def test_before_shows_no_dots_and_healed_darkens_only_the_treated_scalp() -> None:
    _, _, doc = make_design("norwood-6", "soft")
    before, marks = preview_image(doc, view="top", size_px=300, look="before")
    healed, _ = preview_image(doc, view="top", size_px=300, look="healed")
    crown = (slice(130, 170), slice(130, 170))
    assert _y(healed[crown]).mean() < 0.97 * _y(before[crown]).mean()
    assert np.array_equal(healed[:20], before[:20])  # background untouched
    assert "vertex" in marks


def test_the_fringe_is_darker_than_bare_skin_and_follows_the_hair_colour() -> None:
    spec, ctx, doc = make_design("norwood-6", "soft")
    camera = view_camera(spec.head, "right", 300)
    no_dots = DotTable(
        doc.dots.position_mm[:0],
        doc.dots.diameter_mm[:0],
        doc.dots.ink_fraction[:0],
        doc.dots.zone[:0],
        doc.dots.session[:0],
    )
    hair = ctx.maps.hair
    bald = render_preview(spec.head, ctx.grid, np.zeros_like(hair), no_dots, camera, look="before")
    dark = render_preview(spec.head, ctx.grid, hair, no_dots, camera, look="before")
    blond = render_preview(
        spec.head,
        ctx.grid,
        hair,
        no_dots,
        camera,
        look="before",
        style=RenderStyle(hair=Hair(colour="blond")),
    )
    fringe = np.abs(_y(dark) - _y(bald)) > 0.01
    assert fringe.mean() > 0.05
    assert _y(dark)[fringe].mean() < 0.95 * _y(bald)[fringe].mean()
    assert _y(blond)[fringe].mean() > _y(dark)[fringe].mean()


@pytest.mark.parametrize("look", ["before", "healed", "plan"])
def test_the_preview_result_carries_landmarks_in_pixels(look: str) -> None:
    _, _, doc = make_design("norwood-6", "soft")
    result = preview(doc, PreviewRequest(view="front", size_px=200, look=look))
    marks = result.to_json()["landmarks_px"]
    assert {"glabella", "mid_frontal_point", "vertex"} <= set(marks)
    assert all(0 <= x <= 200 and 0 <= y <= 200 for x, y in marks.values())
    # 200 px frame about 270 mm: 0.75 px/mm, a pixel of 1.3 mm is what the eye resolves at about 4.6 m.
    assert result.px_per_mm == pytest.approx(0.75, rel=0.05)
    assert result.eye_distance_m == pytest.approx(1.0 / result.px_per_mm / 0.2909, rel=0.01)


def test_smp_preview_look_before_with_json(tmp_path: Path) -> None:
    made = smp_in_process(tmp_path, "design", "--pattern", "norwood-6", "--seed", "4", "--out", "d.json")
    assert made.returncode == 0, made.stderr
    ran = smp_in_process(
        tmp_path, "preview", "d.json", "--look", "before", "--size", "160", "--out", "p.png", "--json"
    )
    assert ran.returncode == 0, ran.stderr
    obj = json.loads(ran.stdout)
    assert obj["look"] == "before" and obj["landmarks_px"]["glabella"][1] > obj["landmarks_px"]["vertex"][1]
    bad = smp_in_process(tmp_path, "preview", "d.json", "--look", "after", "--out", "q.png")
    assert bad.returncode == 2 and "look" in bad.stderr and "before" in bad.stderr


def test_spots_drawn_onto_a_frame_match_spots_drawn_on_the_scene() -> None:
    """The timeline draws its frames with the canvas: sRGB ratios, and spots over a frame in place."""
    from smpstudio.render.preview import prepare_canvas
    from smpstudio.services.preview import healed_dots

    spec, ctx, doc = make_design("norwood-6", "soft")
    optics = healed_dots(doc)
    style = RenderStyle(skin_rgb=optics.skin_rgb, blur_fwhm_mm=optics.blur_fwhm_mm)
    canvas = prepare_canvas(
        spec.head, ctx.grid, ctx.maps.hair, doc.dots, view_camera(spec.head, "top", 200), style=style
    )
    direct = canvas.draw_spots(doc.dots.diameter_mm, optics.ratio_linear)
    frame = canvas.image.copy()
    canvas.draw_spots(doc.dots.diameter_mm, optics.ratio_linear, onto=frame)
    assert np.abs(frame - direct).max() < 2e-3
    skin = np.asarray(optics.skin_rgb)
    dot_srgb = np.array([[0.3, 0.3, 0.28]])
    ratio = canvas.linear_ratio(dot_srgb / skin)
    assert np.allclose(ratio * srgb_to_linear(skin), srgb_to_linear(dot_srgb))


@pytest.mark.parametrize("hair", [Hair(), Hair(colour="blond"), Hair(grey_fraction=0.5)], ids=str)
def test_the_drawn_stubble_has_the_stubble_models_mean(hair: Hair) -> None:
    """Full hair at the vertex, seen from the top: the image darkens as the tone match says it does."""
    from smpstudio.skin.stubble import stubble_darkening

    spec, ctx, doc = make_design("norwood-1", "soft")
    no_dots = DotTable(
        doc.dots.position_mm[:0],
        doc.dots.diameter_mm[:0],
        doc.dots.ink_fraction[:0],
        doc.dots.zone[:0],
        doc.dots.session[:0],
    )
    style = RenderStyle(hair=hair)
    camera = view_camera(spec.head, "top", 400)
    bald = render_preview(
        spec.head, ctx.grid, np.zeros_like(ctx.maps.hair), no_dots, camera, look="before", style=style
    )
    full = render_preview(
        spec.head, ctx.grid, np.ones_like(ctx.maps.hair), no_dots, camera, look="before", style=style
    )
    centre = (slice(170, 230), slice(170, 230))
    drawn = 1.0 - _y(full[centre]).mean() / _y(bald[centre]).mean()
    model = stubble_darkening(hair, srgb_to_linear(style.skin_rgb), skin_type="III")
    assert drawn == pytest.approx(model, rel=0.1)
