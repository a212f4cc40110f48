from __future__ import annotations

import numpy as np
import pytest

from smpstudio.design.head import head_preset
from smpstudio.errors import InputError
from smpstudio.render.camera import CAMERA_DISTANCE_MM, VIEWS, view_camera

HEAD = head_preset("male")


@pytest.mark.parametrize("view", list(VIEWS))
def test_cameras_look_at_the_head_with_an_orthonormal_basis(view: str) -> None:
    cam = view_camera(HEAD, view, 800)
    basis = np.stack([cam.right, cam.up, cam.forward])
    np.testing.assert_allclose(basis @ basis.T, np.eye(3), atol=1e-12)
    assert np.linalg.norm(cam.eye_mm) == pytest.approx(CAMERA_DISTANCE_MM, rel=0.25)
    # The head centre projects near the image centre and in front of the camera.
    (rc,), (depth,) = cam.project(np.zeros((1, 3)))
    assert depth > 0 and abs(rc[1] - 400) < 1e-6 and abs(rc[0] - 400) < 400


def test_front_view_puts_the_clients_right_on_the_image_left() -> None:
    cam = view_camera(HEAD, "front", 800)
    (right, left), _ = cam.project(np.array([[50.0, 60.0, 0.0], [-50.0, 60.0, 0.0]]))
    assert right[1] < 400 < left[1]  # facing the client, their right is on our left
    (top, bottom), _ = cam.project(np.array([[0.0, 60.0, 60.0], [0.0, 60.0, -60.0]]))
    assert top[0] < bottom[0]


def test_unknown_view_lists_the_views() -> None:
    with pytest.raises(InputError) as info:
        view_camera(HEAD, "side", 100)
    assert info.value.allowed is not None and "three-quarter" in info.value.allowed
