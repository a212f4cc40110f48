"""Project, then unproject: head points placed on a photo by a fit come back from their pixels.

Tolerance: 0.05 mm on the head for points facing the camera at least 25 degrees off grazing (the bisection
stops at 0.01 mm along the ray; at a steep angle a millimetre along the ray is about one on the surface),
for fits of several views and turns.
"""

from __future__ import annotations

import numpy as np
import pytest

from smpstudio.design.head import head_preset, surface_points_from_directions
from smpstudio.design.landmarks import landmarks
from smpstudio.photo.anchors import parse_anchors
from smpstudio.photo.fit import fit_head
from smpstudio.photo.unproject import unproject
from smpstudio.render.camera import view_camera
from smpstudio.render.landmarks_px import landmarks_px
from tests.validation.test_photo_fit import turned_camera

SIZE_PX = 1200
TOLERANCE_MM = 0.05


def _fit(view: str, turn: tuple[float, float, float]):  # type: ignore[no-untyped-def]
    head = head_preset("male")
    camera = turned_camera(view_camera(head, view, SIZE_PX), turn)
    marks = landmarks_px(head, camera, hairline_height_mm=80.0)
    marks.pop("vertex", None)
    anchors = parse_anchors({"view": view, "points_px": marks}, width=SIZE_PX, height=SIZE_PX)
    return fit_head(anchors, head, hairline_height_mm=80.0)


@pytest.mark.parametrize(
    ("view", "turn"), [("front", (6.0, -8.0, 5.0)), ("top", (10.0, 0.0, 0.0)), ("left", (0.0, 8.0, 4.0))]
)
def test_pixels_of_head_points_unproject_to_those_points(view: str, turn: tuple[float, float, float]) -> None:
    fit = _fit(view, turn)
    d = np.random.default_rng(1).normal(size=(600, 3))
    pts = surface_points_from_directions(fit.head, d / np.linalg.norm(d, axis=1, keepdims=True))
    facing, cosine = fit.facing(pts)
    pts = pts[facing & (cosine > np.sin(np.radians(25.0)))]
    assert len(pts) > 50
    xy, _ = fit.project(pts)
    back = unproject(fit, xy)
    assert back.hit.all()
    err = np.linalg.norm(back.points_mm - pts, axis=1)
    assert float(np.max(err)) < TOLERANCE_MM, float(np.max(err))


def test_a_pixel_beside_the_head_misses_and_gives_the_nearest_outline_point() -> None:
    fit = _fit("front", (0.0, 0.0, 0.0))
    marks = landmarks(fit.head, 80.0)
    xy, _ = fit.project(marks["glabella"][None, :])
    back = unproject(fit, np.array([[1.0, 1.0], [xy[0, 0], xy[0, 1]]]))
    assert not back.hit[0] and back.hit[1]
    assert np.linalg.norm(back.points_mm[1] - marks["glabella"]) < TOLERANCE_MM
    # The missed pixel's point lies on the surface, on the side of the head towards the pixel.
    corner_xy, _ = fit.project(back.points_mm[:1])
    assert corner_xy[0, 0] < fit.centre_px[0] and corner_xy[0, 1] < fit.centre_px[1]


@pytest.mark.parametrize(
    ("name", "shift_mm"),
    [("mid_frontal_point", 8.0), ("fronto_temporal_right", -6.0), ("frontal_left", 12.0)],
)
def test_a_control_point_dragged_to_its_shifted_pixel_gives_its_shift_back(
    name: str, shift_mm: float
) -> None:
    """Within 0.3 mm: the head point under the pixel, then the nearest point of the control point's line."""
    from smpstudio.design.hairline import control_points_mm, shift_of_point_mm

    fit = _fit("front", (8.0, -6.0, 4.0))
    moved = control_points_mm(fit.head, "soft", 80.0, {name: shift_mm})[name]
    xy, _ = fit.project(moved[None, :])
    on_head = unproject(fit, xy)
    assert on_head.hit[0]
    back = shift_of_point_mm(fit.head, "soft", 80.0, name, on_head.points_mm[0])
    assert back == pytest.approx(shift_mm, abs=0.3)
