"""Pinhole cameras for the standard views of the canonical head.

Coordinates are the head's RAS millimetres. Images follow scikit-image conventions: arrays of shape
``(rows, cols, 3)``, row 0 at the top; :meth:`Camera.project` returns ``(row, col)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from smpstudio.design.head import Head
from smpstudio.errors import check_choice

__all__ = ["VIEWS", "Camera", "close_up_camera", "view_camera"]

FloatArray = NDArray[np.float64]

#: Camera distance from the head centre: a consultation photo at arm's length. [mm]
CAMERA_DISTANCE_MM = 650.0

#: View name -> (eye direction from the head centre, up vector, framed height as a fraction of
#: the head's full height, aim height as a fraction of the vault height).
VIEWS: dict[str, tuple[tuple[float, float, float], tuple[float, float, float], float, float]] = {
    "front": ((0.0, 1.0, 0.15), (0.0, 0.0, 1.0), 1.18, 0.06),
    "top": ((0.0, 0.18, 1.0), (0.0, 1.0, 0.0), 0.92, 0.55),
    "left": ((-1.0, 0.0, 0.15), (0.0, 0.0, 1.0), 1.18, 0.06),
    "right": ((1.0, 0.0, 0.15), (0.0, 0.0, 1.0), 1.18, 0.06),
    "back": ((0.0, -1.0, 0.30), (0.0, 0.0, 1.0), 1.18, 0.06),
    "three-quarter": ((0.72, 0.72, 0.50), (0.0, 0.0, 1.0), 1.18, 0.12),
}


@dataclass(frozen=True)
class Camera:
    """A pinhole camera: eye position [mm], orthonormal basis, focal length [px], image size [px]."""

    eye_mm: FloatArray
    right: FloatArray
    up: FloatArray
    forward: FloatArray
    focal_px: float
    rows: int
    cols: int

    def to_camera(self, points_mm: FloatArray) -> FloatArray:
        """Camera-space coordinates ``(x right, y up, depth)`` of points. [mm]"""
        d = np.asarray(points_mm, dtype=np.float64) - self.eye_mm
        return np.stack([d @ self.right, d @ self.up, d @ self.forward], axis=-1)

    def project(self, points_mm: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Image positions ``(row, col)`` [px] and depths [mm] of points."""
        c = self.to_camera(points_mm)
        depth = c[..., 2]
        col = 0.5 * self.cols + self.focal_px * c[..., 0] / depth
        row = 0.5 * self.rows - self.focal_px * c[..., 1] / depth
        return np.stack([row, col], axis=-1), depth


def view_camera(head: Head, view: str, size_px: int) -> Camera:
    """The camera of a named view (:data:`VIEWS`) framing ``head`` in a ``size_px`` square image."""
    direction, up_hint, frame, aim = VIEWS[check_choice("view", view, VIEWS)]
    # Side views aim between the vertex and the chin; the top view at the crown.
    z_aim = aim * head.c_up_mm if view == "top" else 0.5 * (head.c_up_mm - head.c_low_mm) + aim * head.c_up_mm
    target = np.array([0.0, 0.0, z_aim])
    d = np.asarray(direction, dtype=np.float64)
    eye = target + CAMERA_DISTANCE_MM * d / np.linalg.norm(d)
    forward = target - eye
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, np.asarray(up_hint, dtype=np.float64))
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    framed_mm = frame * (head.c_up_mm + head.c_low_mm) if view != "top" else frame * head.length_mm * 1.25
    focal = 0.5 * size_px * CAMERA_DISTANCE_MM / (0.5 * framed_mm)
    return Camera(eye, right, up, forward, float(focal), int(size_px), int(size_px))


#: Width of skin a close-up frames: the frontal hairline and a finger's breadth either side. [mm]
CLOSE_UP_FRAMED_MM = 60.0


def close_up_camera(
    target_mm: FloatArray,
    direction: tuple[float, float, float],
    size_px: int,
    framed_mm: float = CLOSE_UP_FRAMED_MM,
) -> Camera:
    """A close-up looking at ``target_mm`` from ``direction``, framing ``framed_mm`` of skin."""
    target = np.asarray(target_mm, dtype=np.float64)
    d = np.asarray(direction, dtype=np.float64)
    eye = target + CAMERA_DISTANCE_MM * d / np.linalg.norm(d)
    forward = target - eye
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, np.array([0.0, 0.0, 1.0]))
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    focal = 0.5 * size_px * CAMERA_DISTANCE_MM / (0.5 * framed_mm)
    return Camera(eye, right, up, forward, float(focal), int(size_px), int(size_px))
