"""The target a repair aims at: a density of dots per cm² over the photo and a zone per place.

It is made from

* a new hairline drawn on a close-up (:func:`target_from_hairline`): a polyline in image pixels; the side
  towards the photo's ``front`` edge (the forehead's) is ahead of it. Between its points the line is
  straight; beyond its ends it keeps the end points' depth. Behind it the density rises from the style's
  edge density to the design's over the style's transition depth (:mod:`smpstudio.design.hairline`,
  [clinic-hairline-styles]) and is the design's beyond; ahead of it there is none (a repair adds no
  scattered dots ahead of the line: too low a hairline is the hard one to correct [wolf-hairline]);
* a design placed on a wider photo (:func:`target_from_points`): the design's dots projected into the
  photo, their density (counted per cell and smoothed) and their zones; each projected dot keeps its
  foreshortened scale, for drawing the dots added there.

Zones: ``hairline`` (the transition band behind the line), ``front`` (from there to
:attr:`CompareRules.front_depth_mm`, the hairline zone of hair restoration, 2-3 cm [shapiro-hairline]),
``body`` (beyond) and ``outside`` (ahead of the line, or where the design places no dots).

Every density is one estimator (:func:`disc_stats`, :func:`counts_within`): the dots within
:attr:`CompareRules.density_radius_mm` of a place over the part of that disc inside the photo, against the
target averaged over the same disc, so the hairline band's gradient and the photo's edges cancel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from scipy.spatial import cKDTree

from smpstudio.design.hairline import HairlineStyle
from smpstudio.errors import InputError, check_range

__all__ = [
    "CELL_MM",
    "OUTSIDE_SHARE",
    "ZONE_NAMES",
    "CompareRules",
    "Target",
    "check_polyline",
    "counts_within",
    "disc_stats",
    "target_from_hairline",
    "target_from_points",
]

FloatArray = NDArray[np.float64]
ZONE_NAMES = ("hairline", "front", "body", "outside")
#: Side of the target's cells: a quarter of the dots' spacing, about 1 mm [rassman2015]. [mm]
CELL_MM = 0.25
#: Design zones (:data:`smpstudio.design.maps.ZONES`) by the zone they count in here.
DESIGN_ZONES = {"hairline": "hairline", "frontal": "front"}
#: Where the projected design's density is under this share of its body density, the place is outside
#: ([D]: beyond the styles' scattered dots, whose density falls to a few per cent of the body's within
#: three scatter lengths, :mod:`smpstudio.design.hairline`). [-]
OUTSIDE_SHARE = 0.05
_DISC = 24  # sample points across the density disc's diameter


@dataclass(frozen=True, slots=True)
class CompareRules:
    """Configurable defaults of the comparison, each with its range and grade.

    Parameters
    ----------
    over_dense_margin : float, default 0.5
        Local density above the target by more than this share is over-dense, 0.2-1.0 ([D]: natural
        follicular-unit density spans about ±25 % around its mean, 60-100 per cm² [follicular-units],
        and a 2 mm disc holds only 10-15 dots, so a count is uncertain by about a quarter). [-]
    density_radius_mm : float, default 2.0
        Radius of the disc the local density counts over, 1-4 ([D]: about ten dots at 80 per cm²). [mm]
    outside_tolerance_mm : float, default 1.0
        A dot ahead of the new hairline by more than this is outside it, 0-5 ([D]: the micro-irregularity
        of the styles' edges is 1.0-1.5 mm [clinic-hairline-styles]). [mm]
    faint_contrast_share : float, default 0.5
        Contrast under this share of the photo's typical dot is faint, 0.2-0.8 ([D]). [-]
    front_depth_mm : float, default 20.0
        Depth behind the hairline the ``front`` zone ends at, 10-30 ([shapiro-hairline]: 2-3 cm). [mm]
    """

    over_dense_margin: float = 0.5
    density_radius_mm: float = 2.0
    outside_tolerance_mm: float = 1.0
    faint_contrast_share: float = 0.5
    front_depth_mm: float = 20.0

    def __post_init__(self) -> None:
        check_range("over_dense_margin", self.over_dense_margin, 0.2, 1.0)
        check_range("density_radius_mm", self.density_radius_mm, 1.0, 4.0, unit="mm")
        check_range("outside_tolerance_mm", self.outside_tolerance_mm, 0.0, 5.0, unit="mm")
        check_range("faint_contrast_share", self.faint_contrast_share, 0.2, 0.8)
        check_range("front_depth_mm", self.front_depth_mm, 10.0, 30.0, unit="mm")


@dataclass(frozen=True, eq=False)
class Target:
    """Target density [per cm²] and zone (index into :data:`ZONE_NAMES`) on square cells of ``cell_px``
    pixels over the photo (``shape``: rows, columns [px]); ``candidates_xy_px`` are the design's own dots
    to fill with (None: random points) and ``candidates_px_per_mm`` the scale each is seen at, foreshortened
    (None: the photo's); ``hairline_px`` the new hairline, for drawing."""

    density_per_cm2: FloatArray
    zone: NDArray[np.uint8]
    cell_px: float
    shape: tuple[int, int]
    mm_per_px: float
    body_density_per_cm2: float
    hairline_px: tuple[tuple[float, float], ...] | None = None
    candidates_xy_px: FloatArray | None = None
    candidates_px_per_mm: FloatArray | None = None
    signed_depth_mm: FloatArray | None = None

    def cells(self, xy_px: FloatArray) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Cell (row, column) of each ``[x, y]``, clipped to the grid."""
        xy = np.asarray(xy_px, dtype=np.float64).reshape(-1, 2)
        i = np.clip((xy[:, 1] / self.cell_px).astype(np.int64), 0, self.density_per_cm2.shape[0] - 1)
        j = np.clip((xy[:, 0] / self.cell_px).astype(np.int64), 0, self.density_per_cm2.shape[1] - 1)
        return i, j

    def density_at(self, xy_px: FloatArray) -> FloatArray:
        i, j = self.cells(xy_px)
        return np.asarray(self.density_per_cm2[i, j], dtype=np.float64)

    def zone_at(self, xy_px: FloatArray) -> NDArray[np.uint8]:
        i, j = self.cells(xy_px)
        return np.asarray(self.zone[i, j], dtype=np.uint8)


def _grid(shape: tuple[int, int], mm_per_px: float) -> tuple[float, FloatArray, FloatArray]:
    """Cell size [px] and the cell centres' x and y [px] as (P, Q) arrays."""
    cell_px = CELL_MM / mm_per_px
    n_r = max(1, math.ceil(shape[0] / cell_px))
    n_c = max(1, math.ceil(shape[1] / cell_px))
    y, x = np.mgrid[0:n_r, 0:n_c].astype(np.float64)
    return cell_px, (x + 0.5) * cell_px, (y + 0.5) * cell_px


def _frame(x: FloatArray, y: FloatArray, front: str) -> tuple[FloatArray, FloatArray]:
    """(across, depth) with depth growing away from the ``front`` edge."""
    return {"top": (x, y), "bottom": (x, -y), "left": (y, x), "right": (y, -x)}[front]


def check_polyline(points: Sequence[Sequence[float]], shape: tuple[int, int], field: str) -> FloatArray:
    """The polyline as an (N, 2) array of ``[x, y]`` [px], or an :class:`InputError` naming ``field``:
    at least two points, finite, inside the photo, not all at one place."""
    allowed = "at least two [x, y] points in the photo's pixels"
    try:
        pts = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("not a list of points", field=field, allowed=allowed) from None
    if pts.ndim != 2 or pts.shape[1] != 2 or pts.shape[0] < 2:
        raise InputError("needs at least two [x, y] points", field=field, allowed=allowed)
    if pts.shape[0] > 500:
        raise InputError(f"{pts.shape[0]} points is too many", field=field, allowed="at most 500 points")
    if not np.all(np.isfinite(pts)):
        raise InputError("a coordinate is not a finite number", field=field, allowed=allowed)
    rows, cols = shape
    if np.any((pts[:, 0] < 0) | (pts[:, 0] > cols) | (pts[:, 1] < 0) | (pts[:, 1] > rows)):
        raise InputError(
            "a point lies outside the photo", field=field, allowed=f"x in 0-{cols}, y in 0-{rows} px"
        )
    if float(np.ptp(pts[:, 0]) + np.ptp(pts[:, 1])) < 2.0:
        raise InputError("the points are all at one place", field=field, allowed=allowed)
    return pts


def _signed_depth_px(line: FloatArray, x: FloatArray, y: FloatArray, front: str) -> FloatArray:
    """Distance [px] of each place from the polyline, positive behind it (away from the front)."""
    a, d = _frame(line[:, 0], line[:, 1], front)
    order = np.argsort(a, kind="stable")
    a, d = a[order], d[order]
    far = 1e7
    a = np.r_[a[0] - far, a, a[-1] + far]
    d = np.r_[d[0], d, d[-1]]
    pa, pd = _frame(x.ravel(), y.ravel(), front)
    behind = pd >= np.interp(pa, a, d)
    best = np.full(pa.size, np.inf)
    for k in range(a.size - 1):
        sa, sd = a[k + 1] - a[k], d[k + 1] - d[k]
        t = np.clip(((pa - a[k]) * sa + (pd - d[k]) * sd) / max(sa * sa + sd * sd, 1e-12), 0.0, 1.0)
        best = np.minimum(best, np.hypot(pa - a[k] - t * sa, pd - d[k] - t * sd))
    return np.where(behind, best, -best).reshape(x.shape)


def target_from_hairline(
    hairline_px: Sequence[Sequence[float]],
    shape: tuple[int, int],
    mm_per_px: float,
    *,
    front: str,
    body_density_per_cm2: float,
    style: HairlineStyle,
    rules: CompareRules = CompareRules(),
) -> Target:
    """The target behind a new hairline drawn on a close-up (see the module docstring).

    Parameters
    ----------
    hairline_px : sequence of [x, y]
        The new hairline in image pixels, x right, y down. [px]
    shape : tuple of int
        The photo's rows and columns. [px]
    mm_per_px : float
        Scale. [mm/px]
    front : {'top', 'bottom', 'left', 'right'}
        The photo's edge towards the forehead: the polyline's side towards it is ahead of the line.
    body_density_per_cm2 : float
        The design's density behind the transition band. [per cm²]
    style : HairlineStyle
        The design's hairline style: transition depth and edge density.
    """
    line = check_polyline(hairline_px, shape, "hairline_px")
    cell_px, cx, cy = _grid(shape, mm_per_px)
    depth_mm = _signed_depth_px(line, cx, cy, front) * mm_per_px
    t = np.clip(depth_mm / style.transition_mm, 0.0, 1.0)
    rise = style.edge_density + (1.0 - style.edge_density) * t * t * (3.0 - 2.0 * t)
    density = np.where(depth_mm < 0.0, 0.0, body_density_per_cm2 * rise)
    zone = np.full(depth_mm.shape, ZONE_NAMES.index("body"), dtype=np.uint8)
    zone[depth_mm < rules.front_depth_mm] = ZONE_NAMES.index("front")
    zone[depth_mm < style.transition_mm] = ZONE_NAMES.index("hairline")
    zone[depth_mm < -rules.outside_tolerance_mm] = ZONE_NAMES.index("outside")
    return Target(
        density_per_cm2=density,
        zone=zone,
        cell_px=cell_px,
        shape=shape,
        mm_per_px=mm_per_px,
        body_density_per_cm2=body_density_per_cm2,
        hairline_px=tuple((float(p[0]), float(p[1])) for p in line),
        signed_depth_mm=depth_mm,
    )


def target_from_points(
    xy_px: FloatArray,
    zones: Sequence[str],
    shape: tuple[int, int],
    mm_per_px: float,
    *,
    body_density_per_cm2: float,
    kernel_mm: float = 1.0,
    px_per_mm: FloatArray | None = None,
) -> Target:
    """The target of a design placed on a photo: its projected dots ``xy_px`` [px] with their design
    zones, counted per cell and smoothed by a Gaussian of ``kernel_mm`` (default 1 mm, the dots' spacing
    [rassman2015]; corrected at the photo's edges);
    places under :data:`OUTSIDE_SHARE` of the body density are outside. ``px_per_mm`` is the scale each
    dot is seen at, foreshortened [px/mm] (default: the photo's, ``1 / mm_per_px``)."""
    cell_px, cx, _ = _grid(shape, mm_per_px)
    n_r, n_c = cx.shape
    xy = np.asarray(xy_px, dtype=np.float64).reshape(-1, 2)
    i = np.clip((xy[:, 1] / cell_px).astype(np.int64), 0, n_r - 1)
    j = np.clip((xy[:, 0] / cell_px).astype(np.int64), 0, n_c - 1)
    counts = np.zeros((n_r, n_c))
    np.add.at(counts, (i, j), 1.0)
    sigma = kernel_mm / CELL_MM
    smooth = ndimage.gaussian_filter(counts, sigma, mode="constant")
    share = ndimage.gaussian_filter(np.ones_like(counts), sigma, mode="constant")
    density = 100.0 * smooth / np.maximum(share, 1e-9) / CELL_MM**2
    zone = np.full((n_r, n_c), ZONE_NAMES.index("body"), dtype=np.uint8)
    if xy.shape[0]:
        codes = np.array([ZONE_NAMES.index(DESIGN_ZONES.get(z, "body")) for z in zones], dtype=np.uint8)
        cy, cx2 = np.mgrid[0:n_r, 0:n_c]
        _, near = cKDTree(xy).query(np.column_stack([(cx2.ravel() + 0.5), (cy.ravel() + 0.5)]) * cell_px)
        zone = codes[near].reshape(n_r, n_c)
    outside = density < OUTSIDE_SHARE * body_density_per_cm2
    zone[outside] = ZONE_NAMES.index("outside")
    density[outside] = 0.0
    return Target(
        density_per_cm2=density,
        zone=zone,
        cell_px=cell_px,
        shape=shape,
        mm_per_px=mm_per_px,
        body_density_per_cm2=body_density_per_cm2,
        candidates_xy_px=xy,
        candidates_px_per_mm=None
        if px_per_mm is None
        else np.asarray(px_per_mm, dtype=np.float64).reshape(xy.shape[0]),
    )


def _disc_offsets() -> FloatArray:
    u = (np.arange(_DISC) + 0.5) / _DISC * 2.0 - 1.0
    gx, gy = np.meshgrid(u, u)
    keep = gx * gx + gy * gy <= 1.0
    return np.column_stack([gx[keep], gy[keep]])


_OFFSETS = _disc_offsets()


def disc_stats(target: Target, xy: FloatArray, radius_mm: float) -> tuple[FloatArray, FloatArray]:
    """Per place: the area of the density disc inside the photo [cm²] and the target averaged over it
    [per cm²]."""
    if xy.shape[0] == 0:
        return np.zeros(0), np.zeros(0)
    radius_px = radius_mm / target.mm_per_px
    rows, cols = target.shape
    out_area = np.empty(xy.shape[0])
    out_mean = np.empty(xy.shape[0])
    for s in range(0, xy.shape[0], 2048):
        pts = xy[s : s + 2048, None, :] + radius_px * _OFFSETS[None, :, :]
        inside = (pts[..., 0] >= 0) & (pts[..., 0] < cols) & (pts[..., 1] >= 0) & (pts[..., 1] < rows)
        share = inside.mean(axis=1)
        dens = target.density_at(pts.reshape(-1, 2)).reshape(inside.shape)
        out_area[s : s + 2048] = math.pi * radius_mm**2 * share / 100.0
        out_mean[s : s + 2048] = np.where(inside, dens, 0.0).sum(axis=1) / np.maximum(inside.sum(axis=1), 1)
    return out_area, out_mean


def counts_within(points: FloatArray, at: FloatArray, radius_px: float) -> FloatArray:
    """Points within ``radius_px`` of each place (a place on a point counts it)."""
    if points.shape[0] == 0 or at.shape[0] == 0:
        return np.zeros(at.shape[0])
    return np.asarray(cKDTree(points).query_ball_point(at, radius_px, return_length=True), dtype=np.float64)
