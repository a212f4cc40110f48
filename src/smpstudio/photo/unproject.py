r"""From a photo's pixel back onto the head: the ray through the pixel, cast onto the fitted head's surface.

:class:`~smpstudio.photo.fit.HeadFit` projects a head point ``p`` [mm] to the image through
``c = R (g k ⊙ p)`` and the pinhole at distance ``D`` in front of the head centre (see
:mod:`smpstudio.photo.fit`). The inverse of a pixel ``(x, y)`` is a ray from the eye ``(0, 0, -D)`` in camera
space,

.. math::

    c(t) = (0, 0, -D) + t\,\Big(\frac{x - t_x}{s},\ -\frac{y - t_y}{s},\ D\Big) / D,

which meets the head's depth plane ``c_z`` at ``t = D + c_z``. The head surface is star-shaped about its
centre (:func:`smpstudio.design.head.surface_points_from_directions`), so the ray is inside the head where
``|q| < |surface(q / |q|)|`` for ``q = R^T c / (g k)``: the ray is marched from the eye in steps of
:data:`MARCH_STEP_MM` to the first point inside, then the crossing is refined by bisection to
:data:`TOLERANCE_MM`. A pixel whose ray misses the head gives the surface point nearest the ray (its
silhouette), marked as missed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from smpstudio.design.head import surface_points_from_directions
from smpstudio.photo.fit import HeadFit

__all__ = ["MARCH_STEP_MM", "TOLERANCE_MM", "Unprojected", "unproject"]

FloatArray = NDArray[np.float64]

#: Step of the march along the ray: a tenth of the thinnest part of a head met side-on. [mm]
MARCH_STEP_MM = 2.0
#: The bisection stops when the crossing is bracketed this tightly along the ray. [mm]
TOLERANCE_MM = 0.01


@dataclass(frozen=True, eq=False)
class Unprojected:
    """Head points [mm] (head frame) under the pixels, and whether each ray met the head."""

    points_mm: FloatArray
    hit: NDArray[np.bool_]


def _inside(fit: HeadFit, cam: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Signed radial distance (negative inside the head) of camera-space points, and the head points. [mm]"""
    q = (cam @ fit.rotation) / (fit.size * np.asarray(fit.shape))
    r = np.linalg.norm(q, axis=-1)
    d = q / np.maximum(r, 1e-12)[..., None]
    surface = surface_points_from_directions(fit.head, d)
    return r - np.linalg.norm(surface, axis=-1), q


def unproject(fit: HeadFit, xy_px: FloatArray) -> Unprojected:
    """The head points [mm] the pixels ``xy_px`` (``(N, 2)``, ``[x, y]``) show on the fitted head.

    The nearest crossing of each pixel's ray with the head surface (the side facing the camera); a ray
    that misses gives the head point nearest it, ``hit`` False.
    """
    xy = np.asarray(xy_px, dtype=np.float64).reshape(-1, 2)
    dist = fit.distance_mm
    s = fit.scale_px_per_mm
    direction = np.stack(
        [(xy[:, 0] - fit.centre_px[0]) / s, -(xy[:, 1] - fit.centre_px[1]) / s, np.full(len(xy), dist)],
        axis=1,
    )
    direction /= dist  # c_z grows by 1 mm per unit of t
    eye = np.array([0.0, 0.0, -dist])
    reach = fit.size * float(np.max(np.asarray(fit.shape))) * max(fit.head.length_mm, fit.head.width_mm)
    t = np.arange(dist - reach, dist + reach, MARCH_STEP_MM)
    cams = eye + t[None, :, None] * direction[:, None, :]
    level, q = _inside(fit, cams)
    inside = level < 0.0
    hit = inside.any(axis=1)
    first = np.argmax(inside, axis=1)
    out = np.empty((len(xy), 3))
    # Rays that meet the head: bisect between the last step outside and the first inside.
    rows = np.flatnonzero(hit & (first > 0))
    lo, hi = t[first[rows] - 1], t[first[rows]]
    while rows.size and float(np.max(hi - lo)) > TOLERANCE_MM:
        mid = 0.5 * (lo + hi)
        lev, _ = _inside(fit, eye + mid[:, None] * direction[rows])
        outside = lev >= 0.0
        lo = np.where(outside, mid, lo)
        hi = np.where(outside, hi, mid)
    if rows.size:
        _, q_hit = _inside(fit, eye + (0.5 * (lo + hi))[:, None] * direction[rows])
        out[rows] = q_hit
    # A ray starting inside (none with a head in front of the camera) or missing: the nearest approach.
    rest = np.flatnonzero(~(hit & (first > 0)))
    if rest.size:
        nearest = np.argmin(level[rest], axis=1)
        d = q[rest, nearest]
        d /= np.linalg.norm(d, axis=1, keepdims=True)
        out[rest] = surface_points_from_directions(fit.head, d)
    return Unprojected(out, hit & (first > 0))
