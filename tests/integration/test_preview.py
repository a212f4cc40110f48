"""Render the design and look at the picture: where the dots are, it is darker; size and views hold."""

from __future__ import annotations

import numpy as np
import pytest

from smpstudio.design.document import DotTable
from smpstudio.render.camera import VIEWS, view_camera
from smpstudio.render.preview import render_preview
from smpstudio.services.preview import preview_design
from tests.conftest import make_design


@pytest.mark.parametrize("view", list(VIEWS))
def test_every_view_frames_the_head(view: str) -> None:
    _, _, doc = make_design("norwood-6", "soft")
    img = preview_design(doc, view=view, size_px=320)
    assert img.shape == (320, 320, 3) and img.dtype == np.uint8
    background = np.all(img > 200, axis=2) & (np.ptp(img, axis=2) < 12)
    # The head fills a good part of the frame and does not touch its top edge.
    assert 0.15 < 1.0 - background.mean() < 0.9
    assert background[0].mean() > 0.9


def test_dots_darken_the_skin_where_they_are() -> None:
    spec, ctx, doc = make_design("full", "natural", seed=5)
    camera = view_camera(spec.head, "top", 600)
    empty = DotTable(
        doc.dots.position_mm[:0],
        doc.dots.diameter_mm[:0],
        doc.dots.ink_fraction[:0],
        doc.dots.zone[:0],
        doc.dots.session[:0],
    )
    bare = render_preview(spec.head, ctx.grid, ctx.maps.hair, empty, camera).astype(float)
    dotted = render_preview(spec.head, ctx.grid, ctx.maps.hair, doc.dots, camera).astype(float)
    centre = (slice(250, 350), slice(250, 350))  # the vertex, inside the treated area
    assert dotted[centre].mean() < bare[centre].mean() - 2.0
    corner = (slice(0, 40), slice(0, 40))  # background
    assert dotted[corner].mean() == pytest.approx(bare[corner].mean())


def test_plan_look_colours_dots_by_session() -> None:
    spec, ctx, doc = make_design("full", "natural", seed=5)
    camera = view_camera(spec.head, "top", 500)
    img = render_preview(spec.head, ctx.grid, ctx.maps.hair, doc.dots, camera, look="plan").astype(int)
    blue = (img[..., 2] > img[..., 0] + 40) & (img[..., 2] > 120)
    green = (img[..., 1] > img[..., 0] + 30) & (img[..., 1] > img[..., 2] + 20)
    assert blue.sum() > 200 and green.sum() > 200


def test_the_healed_look_takes_skin_and_dot_colours_from_the_optics_table() -> None:
    _, _, doc = make_design("full", "natural", seed=5)
    light = preview_design(doc, view="top", size_px=300, skin_type="I").astype(float)
    dark = preview_design(doc, view="top", size_px=300, skin_type="VI").astype(float)
    centre = (slice(120, 180), slice(120, 180))
    assert light[centre].mean() > dark[centre].mean() + 40
    shallow = preview_design(doc, view="top", size_px=300, depth_mm=0.1).astype(float)
    deep = preview_design(doc, view="top", size_px=300, depth_mm=1.5).astype(float)
    assert shallow[centre].mean() < deep[centre].mean()  # deep ink reads fainter
