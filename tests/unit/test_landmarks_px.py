"""Landmarks in image pixels: where the preview's JSON says the glabella, hairline and vertex are."""

from __future__ import annotations

import numpy as np
import pytest

from smpstudio.render.camera import view_camera
from smpstudio.render.landmarks_px import landmarks_px, scalp_over_forehead_luminance
from smpstudio.render.mesh import head_scene
from smpstudio.render.shading import rasterise
from tests.conftest import make_design


def test_front_view_landmarks_stack_up_the_midline_and_mirror() -> None:
    spec, ctx, _ = make_design("norwood-6", "soft")
    camera = view_camera(spec.head, "front", 400)
    marks = landmarks_px(spec.head, camera, hairline_height_mm=ctx.hairline_height_mm)
    g, m, v = marks["glabella"], marks["mid_frontal_point"], marks["vertex"]
    assert g[0] == pytest.approx(200.0) and m[0] == pytest.approx(200.0) and v[0] == pytest.approx(200.0)
    assert g[1] > m[1] > v[1]  # y grows downwards
    right, left = marks["fronto_temporal_right"], marks["fronto_temporal_left"]
    assert right[0] < 200.0 < left[0]  # the client's right is on the image's left
    assert right[0] + left[0] == pytest.approx(400.0) and right[1] == pytest.approx(left[1])
    assert "occiput" not in marks  # behind the head


def test_the_front_views_vertex_is_the_top_of_the_silhouette() -> None:
    spec, _, _ = make_design("norwood-6", "soft")
    camera = view_camera(spec.head, "front", 400)
    vertex = landmarks_px(spec.head, camera)["vertex"]
    scene = head_scene(spec.head)
    rc, depth = camera.project(scene.vertices)
    zbuf, *_ = rasterise(
        400, 400, np.ascontiguousarray(rc[:, 0]), np.ascontiguousarray(rc[:, 1]), depth, scene.triangles
    )
    column = np.isfinite(zbuf[:, 200])
    assert abs(int(np.argmax(column)) - vertex[1]) <= 2.0


def test_a_higher_hairline_moves_the_mid_frontal_point_up() -> None:
    spec, _, _ = make_design("norwood-6", "soft")
    camera = view_camera(spec.head, "front", 400)
    low = landmarks_px(spec.head, camera, hairline_height_mm=70.0)["mid_frontal_point"]
    high = landmarks_px(spec.head, camera, hairline_height_mm=90.0)["mid_frontal_point"]
    assert high[1] < low[1]


def test_the_patch_ratio_reads_a_darker_scalp() -> None:
    image = np.full((100, 100, 3), 200, dtype=np.uint8)
    marks = {"glabella": [50.0, 90.0], "mid_frontal_point": [50.0, 50.0], "vertex": [50.0, 5.0]}
    assert scalp_over_forehead_luminance(image, marks) == pytest.approx(1.0)
    image[25:45] = 150  # the scalp patch sits 15 px above the mid-frontal point
    assert scalp_over_forehead_luminance(image, marks) < 0.7
