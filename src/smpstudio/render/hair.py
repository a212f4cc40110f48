"""Hair shafts for the preview: the client's remaining stubble and the brows, as short dark segments.

The stubble comes from the stubble model of the client's hair (:mod:`smpstudio.skin.stubble`): one shaft per
``1 / n`` of scalp, ``n`` the shafts per mm², placed on a jittered grid of the scalp chart and kept where the
design's hair map says hair remains (with that probability, times the surface area per chart area). Each
shaft is a segment along the direction hair grows (away from the vertex): the part seen through the skin,
``under_skin_length_mm`` towards its root, and the cut shaft above the skin. Its darkening is set so that
the area's mean reflectance is the model's ``mean_rgb_linear``: ``n L w D_k = 1 - mean_k / skin_k`` (a
darkening above 0.95 widens the shaft instead), so the drawn fringe and the tone match talk about the same
stubble.

The brows are longer shafts (about 8 mm, 0.1 mm wide, about 1.5 per mm² [M], canonical geometry) on an arch
above each eye, pointing outwards and, near the nose, upwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from smpstudio.design.chart import ChartGrid
from smpstudio.design.head import Head, points_from_chart_mm, surface_points_from_directions
from smpstudio.design.landmarks import landmarks
from smpstudio.skin.stubble import StubbleTexture

__all__ = ["HairSegments", "brow_segments", "stubble_segments"]

FloatArray = NDArray[np.float64]

#: Largest darkening a shaft is drawn with; a darker mean widens the shaft instead. [-]
MAX_SHAFT_DARKENING = 0.95
#: Brow hairs: length [mm], width [mm], hairs per mm² of brow, darkening of a dark hair [-] ([M]).
BROW_HAIR_LENGTH_MM = 8.0
BROW_HAIR_WIDTH_MM = 0.10
BROW_HAIRS_PER_MM2 = 1.5
#: Brow: length from the inner end to the tail, and its height at the inner end and at the arch. [mm]
BROW_LENGTH_MM = 50.0
BROW_HEIGHT_MM = (11.0, 6.0)


@dataclass(frozen=True, eq=False)
class HairSegments:
    """Hair shafts: segment ends [mm] (N, 3) each, widths [mm] (N,) and darkening per channel (N, 3)."""

    start_mm: FloatArray
    end_mm: FloatArray
    width_mm: FloatArray
    darkening: FloatArray

    def __len__(self) -> int:
        return int(self.width_mm.size)

    @staticmethod
    def concat(parts: list[HairSegments]) -> HairSegments:
        """One set of all the parts' segments."""
        return HairSegments(
            np.concatenate([p.start_mm for p in parts]).reshape(-1, 3),
            np.concatenate([p.end_mm for p in parts]).reshape(-1, 3),
            np.concatenate([p.width_mm for p in parts]),
            np.concatenate([p.darkening for p in parts]).reshape(-1, 3),
        )


def _bilinear(raster: FloatArray, grid: ChartGrid, uv: FloatArray) -> FloatArray:
    x = (uv[:, 0] - grid.origin_mm) / grid.step_mm
    y = (uv[:, 1] - grid.origin_mm) / grid.step_mm
    j = np.clip(np.floor(x).astype(int), 0, raster.shape[1] - 2)
    i = np.clip(np.floor(y).astype(int), 0, raster.shape[0] - 2)
    tx, ty = np.clip(x - j, 0.0, 1.0), np.clip(y - i, 0.0, 1.0)
    top = raster[i, j] * (1 - tx) + raster[i, j + 1] * tx
    bottom = raster[i + 1, j] * (1 - tx) + raster[i + 1, j + 1] * tx
    return np.asarray(top * (1 - ty) + bottom * ty, dtype=np.float64)


def stubble_segments(
    grid: ChartGrid,
    hair_map: FloatArray,
    texture: StubbleTexture,
    skin_rgb_linear: FloatArray,
    *,
    seed: int = 0,
) -> HairSegments:
    """The remaining hair's shafts on the scalp (see the module docstring).

    Parameters
    ----------
    grid, hair_map
        The chart raster and the remaining-hair fraction on it (0-1). [-]
    texture
        The stubble model's drawing parameters (:func:`smpstudio.skin.stubble.stubble_texture`).
    skin_rgb_linear : ndarray of shape (3,)
        The bare skin's linear reflectance. [-]
    seed : int
        Seed of the shafts' placement.
    """
    n = texture.shafts_per_cm2 / 100.0
    head = grid.head
    empty = HairSegments(np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0), np.zeros((0, 3)))
    if n <= 0.0 or not np.any(hair_map > 0.0):
        return empty
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7,)))
    # Surface area per chart area: the chart stretches along the circles of latitude away from the vertex.
    stretch = grid.area_mm2 / grid.step_mm**2
    most = max(float(np.max(stretch[hair_map > 0.0])), 1e-9)
    cell = 1.0 / np.sqrt(n * most)
    # Only chart cells with hair: a jittered grid over their bounding box, thinned by the hair fraction.
    rows, cols = np.nonzero(hair_map > 0.0)
    lo = grid.origin_mm + np.array([cols.min(), rows.min()]) * grid.step_mm - grid.step_mm
    hi = grid.origin_mm + np.array([cols.max(), rows.max()]) * grid.step_mm + grid.step_mm
    gu = np.arange(lo[0], hi[0], cell)
    gv = np.arange(lo[1], hi[1], cell)
    uu, vv = np.meshgrid(gu, gv, indexing="xy")
    uv = np.stack([uu.ravel(), vv.ravel()], axis=-1) + rng.uniform(0.0, cell, (uu.size, 2))
    keep = rng.uniform(size=len(uv)) < _bilinear(hair_map * stretch, grid, uv) / most
    uv = uv[keep]
    if not len(uv):
        return empty
    radial = uv / np.maximum(np.linalg.norm(uv, axis=1, keepdims=True), 1e-9)
    # Hair grows away from the vertex; a little spread in direction, as real stubble has.
    angle = rng.normal(0.0, 0.25, len(uv))
    c, s = np.cos(angle), np.sin(angle)
    grow = np.stack([c * radial[:, 0] - s * radial[:, 1], s * radial[:, 0] + c * radial[:, 1]], axis=-1)
    # Chart millimetres per surface millimetre, taken as isotropic: lengths on the skin stay true.
    per_mm = 1.0 / np.sqrt(np.maximum(_bilinear(stretch, grid, uv), 1e-6))[:, None]
    root = uv - grow * texture.under_skin_length_mm * per_mm
    tip = uv + grow * texture.shaft_length_mm * per_mm
    length = texture.under_skin_length_mm + texture.shaft_length_mm
    width = texture.shaft_width_mm
    skin = np.maximum(np.asarray(skin_rgb_linear, dtype=np.float64), 1e-6)
    target = np.clip(1.0 - np.asarray(texture.mean_rgb_linear) / skin, 0.0, 1.0)
    darkening = target / max(n * length * width, 1e-9)
    widen = max(float(darkening.max()) / MAX_SHAFT_DARKENING, 1.0)
    darkening = darkening / widen
    return HairSegments(
        points_from_chart_mm(head, root),
        points_from_chart_mm(head, tip),
        np.full(len(uv), width * widen),
        np.tile(darkening, (len(uv), 1)),
    )


def brow_segments(head: Head, darkening_rgb: FloatArray, *, seed: int = 0) -> HairSegments:
    """The brows' hairs on the canonical face (see the module docstring); ``darkening_rgb`` is the share
    of the skin's reflectance a hair removes, per channel."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(11,)))
    lm = landmarks(head)
    canthus = lm["lateral_canthus_right"]
    inner_x = 9.0
    brow_z = float(canthus[2]) + 15.0
    area = BROW_LENGTH_MM * 0.5 * sum(BROW_HEIGHT_MM)
    count = int(BROW_HAIRS_PER_MM2 * area)
    starts, ends = [], []
    for side in (1.0, -1.0):
        t = rng.uniform(0.0, 1.0, count)  # 0 at the inner end, 1 at the tail
        x = inner_x + t * BROW_LENGTH_MM
        arch = 4.0 * np.sin(np.pi * np.clip(t * 1.25, 0.0, 1.0))
        height = BROW_HEIGHT_MM[0] * (1.0 - t) ** 0.6 + 2.5 * t
        z0 = brow_z + arch - 0.5 * height + rng.uniform(0.0, 1.0, count) * height
        # Inner hairs point up, the rest outwards and slightly up; tails point out and a little down.
        angle = np.radians(80.0 * (1.0 - t) ** 3 + 12.0 - 25.0 * t**2) + rng.normal(0.0, 0.15, count)
        length = BROW_HAIR_LENGTH_MM * (0.6 + 0.4 * rng.uniform(size=count)) * (1.0 - 0.4 * t)
        x1 = x + length * np.cos(angle)
        z1 = z0 + length * np.sin(angle)
        starts.append(_face_points(head, side * x, z0))
        ends.append(_face_points(head, side * x1, z1))
    n = 2 * count
    return HairSegments(
        np.concatenate(starts),
        np.concatenate(ends),
        np.full(n, BROW_HAIR_WIDTH_MM),
        np.tile(np.clip(np.asarray(darkening_rgb, dtype=np.float64), 0.0, 1.0), (n, 1)),
    )


def _face_points(head: Head, x_mm: FloatArray, z_mm: FloatArray) -> FloatArray:
    """Points of the face surface in front of ``(x, z)`` (raised by the face's relief)."""
    from smpstudio.render.mesh import face_relief_mm

    d = np.stack([x_mm, np.full_like(x_mm, head.b_mm), z_mm], axis=-1)
    d /= np.linalg.norm(d, axis=-1, keepdims=True)
    p = surface_points_from_directions(head, d)
    return np.asarray(p + face_relief_mm(head, p)[:, None] * d, dtype=np.float64)
