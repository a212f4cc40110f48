"""The fitted head drawn as lines on the photo: the wire-frame the practitioner checks the fit against (the
head's outline, the design's hairline, the midline, and parallels and meridians of the vault, where they face
the camera), and named head points placed on the photo, all in the fit's pixels."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import ConvexHull

from smpstudio.design.head import midline_points_mm, surface_points_from_directions
from smpstudio.photo.fit import HeadFit

__all__ = ["MERIDIAN_STEP_DEG", "PARALLELS_DEG", "facing_runs", "points_px", "wireframe"]

FloatArray = NDArray[np.float64]


def facing_runs(fit: HeadFit, points_mm: FloatArray) -> list[list[list[float]]]:
    """The runs of a line on the head that face the camera, as polylines ``[[x, y], ...]`` [px]."""
    facing, _ = fit.facing(points_mm)
    xy, _ = fit.project(points_mm)
    runs: list[list[list[float]]] = []
    run: list[list[float]] = []
    for ok, p in zip(facing, xy, strict=True):
        if ok:
            run.append([round(float(p[0]), 1), round(float(p[1]), 1)])
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return [r for r in runs if len(r) > 1]


def _directions(azimuth: FloatArray, elevation: FloatArray) -> FloatArray:
    return np.stack(
        [np.cos(elevation) * np.sin(azimuth), np.cos(elevation) * np.cos(azimuth), np.sin(elevation)], axis=-1
    )


#: Wire-frame: parallels at these elevations and meridians every :data:`MERIDIAN_STEP_DEG`. [degrees]
PARALLELS_DEG, MERIDIAN_STEP_DEG = (0, 30, 60), 45


def wireframe(fit: HeadFit, hairline_mm: FloatArray) -> list[list[list[float]]]:
    """Polylines in the fit's pixels: the head's outline (closed), the hairline ``hairline_mm`` (head
    points in order), the midline, and parallels and meridians of the vault, where they face the camera."""
    head = fit.head
    golden = np.pi * (3.0 - np.sqrt(5.0))
    k = np.arange(1500)
    z = 1.0 - 2.0 * (k + 0.5) / k.size
    d = np.stack(
        [np.sqrt(1 - z * z) * np.cos(golden * k), np.sqrt(1 - z * z) * np.sin(golden * k), z], axis=1
    )
    xy, _ = fit.project(surface_points_from_directions(head, d))
    hull = xy[ConvexHull(xy).vertices]
    lines = [[[round(float(x), 1), round(float(y), 1)] for x, y in np.vstack([hull, hull[:1]])]]
    lines += facing_runs(fit, hairline_mm)
    lines += facing_runs(fit, midline_points_mm(head, 181))
    az = np.radians(np.arange(0.0, 361.0, 4.0))
    for lat in PARALLELS_DEG:
        lines += facing_runs(
            fit, surface_points_from_directions(head, _directions(az, np.full_like(az, np.radians(lat))))
        )
    el = np.radians(np.arange(-30.0, 88.0, 4.0))
    for mer in range(MERIDIAN_STEP_DEG, 360, MERIDIAN_STEP_DEG):
        if mer == 180:
            continue  # the midline's back half
        lines += facing_runs(
            fit, surface_points_from_directions(head, _directions(np.full_like(el, np.radians(mer)), el))
        )
    return lines


def points_px(fit: HeadFit, points_mm: dict[str, FloatArray]) -> dict[str, list[float]]:
    """Named head points [mm] in the fit's pixels, those that face the camera."""
    if not points_mm:
        return {}
    names = list(points_mm)
    pts = np.array([points_mm[n] for n in names])
    xy, _ = fit.project(pts)
    facing, _ = fit.facing(pts)
    return {
        n: [round(float(xy[i, 0]), 2), round(float(xy[i, 1]), 2)] for i, n in enumerate(names) if facing[i]
    }
