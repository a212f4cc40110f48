"""The existing dots against a target: which stay, which the laser takes, which to watch, where to add.

The target is a density of dots per cm² over the photo and a zone per place (:class:`Target`), made from

* a new hairline drawn on a close-up (:func:`target_from_hairline`): a polyline in image pixels; the side
  towards the photo's ``front`` edge (the forehead's) is ahead of it. Between its points the line is
  straight; beyond its ends it keeps the end points' depth. Behind it the density rises from the style's
  edge density to the design's over the style's transition depth (:mod:`smpstudio.design.hairline`,
  [clinic-hairline-styles]) and is the design's beyond; ahead of it there is none (a repair adds no
  scattered dots ahead of the line: too low a hairline is the hard one to correct [wolf-hairline]);
* a design placed on a wider photo (:func:`target_from_points`): the design's dots projected into the
  photo, their density (counted per cell and smoothed) and their zones.

Zones: ``hairline`` (the transition band behind the line), ``front`` (from there to
:attr:`CompareRules.front_depth_mm`, the hairline zone of hair restoration, 2-3 cm [shapiro-hairline]),
``body`` (beyond) and ``outside`` (ahead of the line, or where the design places no dots).

Every density is one estimator: dots within :attr:`CompareRules.density_radius_mm` of a place over the part
of that disc inside the photo, against the target averaged over the same disc. Each dot is:

* ``remove`` for ``outside_hairline`` (ahead of the line by more than
  :attr:`CompareRules.outside_tolerance_mm`), ``blue``, ``blowout``, ``oversize``, ``merged`` (the
  detector's flags, :mod:`smpstudio.repair.rules`) or ``over_dense``: where the other dots stand more than
  :attr:`CompareRules.over_dense_margin` above the target, the dots that bring every dot around there
  down to the target with the fewest removals go, chosen greedily and deterministically: each time the dot
  with the most over-target neighbours (then the most crowded, the nearest neighbour, the lowest index);
* ``watch`` for ``borderline_density`` (more than half the margin above the target, after the thinning)
  or ``faint`` (a contrast under :attr:`CompareRules.faint_contrast_share` of the photo's typical dot);
* ``keep`` otherwise.

Added dots fill the gaps up to the target: random sequential adsorption of candidates (uniform random
points, or the design's own projected dots) at least ``max(r(p), r(q))`` from every kept and added dot,
``r = sqrt(c / D)`` with :data:`FILL_PACKING` (the Poisson-disc spacing rule of Bridson 2007
[bridson2007]); an added dot that would lift a neighbourhood over the target by more than the margin is
dropped again, the last added first.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numba as nb
import numpy as np
from numpy.typing import NDArray
from scipy import ndimage, sparse
from scipy.spatial import cKDTree

from smpstudio.design.hairline import HairlineStyle
from smpstudio.errors import InputError, check_range

__all__ = [
    "DOT_CLASSES",
    "FILL_PACKING",
    "REMOVE_REASONS",
    "WATCH_REASONS",
    "ZONE_NAMES",
    "CompareRules",
    "Comparison",
    "ExistingDots",
    "Target",
    "ZoneCount",
    "check_polyline",
    "compare_dots",
    "target_from_hairline",
    "target_from_points",
]

FloatArray = NDArray[np.float64]
DOT_CLASSES = ("keep", "remove", "watch")
REMOVE_REASONS = ("outside_hairline", "over_dense", "blue", "blowout", "oversize", "merged")
WATCH_REASONS = ("borderline_density", "faint")
ZONE_NAMES = ("hairline", "front", "body", "outside")
#: Side of the target's cells: a quarter of the dots' spacing, about 1 mm [rassman2015]. [mm]
CELL_MM = 0.25
#: Packing constant of the fill: a saturated random sequential adsorption with this ``c`` in
#: ``r = sqrt(c / D)`` reaches the density ``D`` ([D]: measured on a flat target, 30 candidates per dot
#: expected, ``tests/unit/test_repair_compare.py``). [-]
FILL_PACKING = 0.64
#: Candidates drawn per dot the target holds: Bridson's k of 30 tries per dot [bridson2007]. [-]
FILL_CANDIDATES = 30
#: The design's own dots, filled in, need only this share of the spacing from each other: they already are
#: a blue-noise set at the target, and the photo foreshortens them towards the head's outline ([D]: half
#: the spacing is a surface tilted by 60 degrees). [-]
DESIGN_OWN_SPACING = 0.5
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
class ExistingDots:
    """The detected dots: centres ``x`` right and ``y`` down [px], apparent diameter [mm], contrast
    against the skin [-], the detector's flags, and the photo's typical contrast (None without dots)."""

    x_px: FloatArray
    y_px: FloatArray
    diameter_mm: FloatArray
    contrast: FloatArray
    flags: tuple[tuple[str, ...], ...]
    typical_contrast: float | None = None

    @property
    def count(self) -> int:
        return int(self.x_px.size)


@dataclass(frozen=True, eq=False)
class Target:
    """Target density [per cm²] and zone (index into :data:`ZONE_NAMES`) on square cells of ``cell_px``
    pixels over the photo (``shape``: rows, columns [px]); ``candidates_xy_px`` are the design's own dots
    to fill with (None: random points); ``hairline_px`` the new hairline, for drawing."""

    density_per_cm2: FloatArray
    zone: NDArray[np.uint8]
    cell_px: float
    shape: tuple[int, int]
    mm_per_px: float
    body_density_per_cm2: float
    hairline_px: tuple[tuple[float, float], ...] | None = None
    candidates_xy_px: FloatArray | None = None
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
) -> Target:
    """The target of a design placed on a photo: its projected dots ``xy_px`` [px] with their design
    zones, counted per cell and smoothed by a Gaussian of ``kernel_mm`` (default 1 mm, the dots' spacing
    [rassman2015]; corrected at the photo's edges);
    places under :data:`OUTSIDE_SHARE` of the body density are outside."""
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
    )


@dataclass(frozen=True, slots=True)
class ZoneCount:
    """One zone's dots before and after, and its density against the target (per cm² of the photo)."""

    zone: str
    area_cm2: float
    target_per_cm2: float
    before: int
    keep: int
    remove: int
    watch: int
    added: int
    after: int
    density_before_per_cm2: float
    density_after_per_cm2: float


@dataclass(frozen=True, eq=False)
class Comparison:
    """Each dot's class, reasons, zone and whether a practitioner set the class; the added dots; the
    counts per zone; densities over the treated area (every zone but ``outside``). [per cm²]"""

    classes: tuple[str, ...]
    reasons: tuple[tuple[str, ...], ...]
    corrected: tuple[bool, ...]
    zones: tuple[str, ...]
    local_density_per_cm2: FloatArray
    target_per_cm2: FloatArray
    added_xy_px: FloatArray
    added_zones: tuple[str, ...]
    zone_counts: tuple[ZoneCount, ...]
    density_before_per_cm2: float
    density_after_per_cm2: float
    target_density_per_cm2: float
    after_over_target_max: float


def _disc_offsets() -> FloatArray:
    u = (np.arange(_DISC) + 0.5) / _DISC * 2.0 - 1.0
    gx, gy = np.meshgrid(u, u)
    keep = gx * gx + gy * gy <= 1.0
    return np.column_stack([gx[keep], gy[keep]])


_OFFSETS = _disc_offsets()


def _disc_stats(target: Target, xy: FloatArray, radius_mm: float) -> tuple[FloatArray, FloatArray]:
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


def _counts(points: FloatArray, at: FloatArray, radius_px: float) -> FloatArray:
    """Points within ``radius_px`` of each place (a place on a point counts it)."""
    if points.shape[0] == 0 or at.shape[0] == 0:
        return np.zeros(at.shape[0])
    return np.asarray(cKDTree(points).query_ball_point(at, radius_px, return_length=True), dtype=np.float64)


def _thin(xy: FloatArray, limit: FloatArray, margin: float, radius_px: float) -> NDArray[np.bool_]:
    """Which of ``xy`` the over-density removal takes (see the module docstring); ``limit`` is each dot's
    target count in its disc."""
    m = xy.shape[0]
    removed = np.zeros(m, dtype=bool)
    if m == 0:
        return removed
    tree = cKDTree(xy)
    pairs = tree.query_pairs(radius_px, output_type="ndarray").reshape(-1, 2)
    rows = np.r_[pairs[:, 0], pairs[:, 1], np.arange(m)]
    cols = np.r_[pairs[:, 1], pairs[:, 0], np.arange(m)]
    adj = sparse.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(m, m))
    counts = np.asarray(adj.sum(axis=1)).ravel()
    trigger = counts > limit * (1.0 + margin)
    if not trigger.any():
        return removed
    region = adj @ trigger.astype(np.float64) > 0
    nearest = tree.query(xy, k=2)[0][:, 1] if m > 1 else np.full(1, np.inf)
    crowd = counts / np.maximum(limit, 1e-9)
    present = np.ones(m, dtype=bool)
    while True:
        over = present & region & (counts > limit + 1e-9)
        if not over.any():
            break
        score = adj @ over.astype(np.float64)
        score[~(present & region)] = -1.0
        best = score.max()
        if best <= 0:
            break
        tied = np.flatnonzero(score == best)
        # Worst first: the most crowded, then the nearest neighbour, then the lowest index.
        k = int(tied[np.lexsort((tied, nearest[tied], -crowd[tied]))[0]])
        present[k] = False
        removed[k] = True
        lo, hi = adj.indptr[k], adj.indptr[k + 1]
        counts[adj.indices[lo:hi]] -= 1.0
    return removed


@nb.njit(cache=True)
def _adsorb(
    fixed: FloatArray, fixed_r: FloatArray, cand: FloatArray, cand_r: FloatArray, cell: float, own: float
) -> NDArray[np.bool_]:  # pragma: no cover - numba
    """Random sequential adsorption: each candidate in turn joins when every fixed point is at least
    ``max(r_p, r_q)`` away and every candidate that joined before it ``own`` times that."""
    n_f, n_c = fixed.shape[0], cand.shape[0]
    lo_x, lo_y, hi_x, hi_y = 1e300, 1e300, -1e300, -1e300
    for arr in (fixed, cand):
        for i in range(arr.shape[0]):
            lo_x, lo_y = min(lo_x, arr[i, 0]), min(lo_y, arr[i, 1])
            hi_x, hi_y = max(hi_x, arr[i, 0]), max(hi_y, arr[i, 1])
    nx = int((hi_x - lo_x) / cell) + 1
    ny = int((hi_y - lo_y) / cell) + 1
    heads = np.full(nx * ny, -1, dtype=np.int64)
    nxt = np.full(n_f + n_c, -1, dtype=np.int64)
    pts = np.empty((n_f + n_c, 2))
    rad = np.empty(n_f + n_c)
    n = 0
    accepted = np.zeros(n_c, dtype=np.bool_)
    for t in range(n_f + n_c):
        if t < n_f:
            x, y, r = fixed[t, 0], fixed[t, 1], fixed_r[t]
        else:
            x, y, r = cand[t - n_f, 0], cand[t - n_f, 1], cand_r[t - n_f]
            gx, gy = int((x - lo_x) / cell), int((y - lo_y) / cell)
            ok = True
            for a in range(max(gx - 1, 0), min(gx + 2, nx)):
                for b in range(max(gy - 1, 0), min(gy + 2, ny)):
                    p = heads[b * nx + a]
                    while p >= 0 and ok:
                        need = max(r, rad[p]) * (1.0 if p < n_f else own)
                        if (pts[p, 0] - x) ** 2 + (pts[p, 1] - y) ** 2 < need * need:
                            ok = False
                        p = nxt[p]
            if not ok:
                continue
            accepted[t - n_f] = True
        c = int((y - lo_y) / cell) * nx + int((x - lo_x) / cell)
        pts[n, 0], pts[n, 1], rad[n] = x, y, r
        nxt[n] = heads[c]
        heads[c] = n
        n += 1
    return accepted


def _spacing_px(target: Target, xy: FloatArray) -> FloatArray:
    """The fill's spacing ``sqrt(c / D)`` at each place [px]; 0 where the target is empty."""
    d_mm2 = target.density_at(xy) / 100.0
    with np.errstate(divide="ignore"):
        r_mm = np.where(d_mm2 > 0, np.sqrt(FILL_PACKING / np.maximum(d_mm2, 1e-12)), 0.0)
    return np.asarray(r_mm / target.mm_per_px, dtype=np.float64)


def _fill(target: Target, kept: FloatArray, rules: CompareRules, rng: np.random.Generator) -> FloatArray:
    """Added dots (K, 2) [px] that fill the gaps among ``kept`` up to the target."""
    rows, cols = target.shape
    if target.candidates_xy_px is not None:
        cand = np.asarray(target.candidates_xy_px, dtype=np.float64).reshape(-1, 2)
    else:
        cell_cm2 = (target.cell_px * target.mm_per_px) ** 2 / 100.0
        expected = float(target.density_per_cm2.sum()) * cell_cm2
        n = int(min(FILL_CANDIDATES * expected, 2_000_000))
        cand = rng.uniform((0.0, 0.0), (cols, rows), size=(n, 2))
    cand = cand[(cand[:, 0] >= 0) & (cand[:, 0] < cols) & (cand[:, 1] >= 0) & (cand[:, 1] < rows)]
    cand_r = _spacing_px(target, cand)
    cand, cand_r = cand[cand_r > 0], cand_r[cand_r > 0]
    if cand.shape[0] == 0:
        return np.zeros((0, 2))
    kept_r = _spacing_px(target, kept)
    cell = float(max(cand_r.max(), kept_r.max() if kept_r.size else 0.0, 1.0))
    own = DESIGN_OWN_SPACING if target.candidates_xy_px is not None else 1.0
    added = cand[_adsorb(np.ascontiguousarray(kept), kept_r, np.ascontiguousarray(cand), cand_r, cell, own)]
    # Drop added dots, the last first, wherever a neighbourhood stands over the target by the margin.
    radius_px = rules.density_radius_mm / target.mm_per_px
    every = np.vstack([kept, added])
    area, mean = _disc_stats(target, every, rules.density_radius_mm)
    allowed = (1.0 + rules.over_dense_margin) * mean * area + 1e-9
    keep_added = np.ones(added.shape[0], dtype=bool)
    for _ in range(added.shape[0]):
        live = np.r_[np.ones(kept.shape[0], dtype=bool), keep_added]
        over = _counts(every[live], every[live], radius_px) > allowed[live]
        if not over.any():
            break
        alive = np.flatnonzero(keep_added)
        near = cKDTree(added[alive]).query_ball_point(every[live][over], radius_px)
        drop = {int(alive[max(ks)]) for ks in near if ks}
        if not drop:
            break
        keep_added[list(drop)] = False
    return added[keep_added]


def _corrections(corrections: Mapping[int, str], n: int) -> dict[int, str]:
    out: dict[int, str] = {}
    for index, cls in corrections.items():
        if not isinstance(index, int) or not 0 <= index < n:
            raise InputError(
                f"no dot {index!r}", field="corrections", allowed=f"dot indices 0-{n - 1}" if n else "none"
            )
        if cls not in DOT_CLASSES:
            raise InputError(f"unknown class {cls!r}", field="corrections", allowed=", ".join(DOT_CLASSES))
        out[index] = cls
    return out


def _zone_counts(
    target: Target, zones: NDArray[np.uint8], classes: Sequence[str], added_zones: NDArray[np.uint8]
) -> tuple[ZoneCount, ...]:
    rows, cols = target.shape
    n_r, n_c = target.zone.shape
    h = np.minimum(target.cell_px, rows - np.arange(n_r) * target.cell_px).clip(0)
    w = np.minimum(target.cell_px, cols - np.arange(n_c) * target.cell_px).clip(0)
    cell_cm2 = np.outer(h, w) * target.mm_per_px**2 / 100.0
    cls = np.asarray(classes, dtype=object)
    out = []
    for code, name in enumerate(ZONE_NAMES):
        in_zone = target.zone == code
        area = float(cell_cm2[in_zone].sum())
        mine = zones == code
        counts = {c: int(np.sum(mine & (cls == c))) for c in DOT_CLASSES}
        added = int(np.sum(added_zones == code))
        after = counts["keep"] + counts["watch"] + added
        target_mean = float((target.density_per_cm2 * cell_cm2)[in_zone].sum() / area) if area else 0.0
        out.append(
            ZoneCount(
                zone=name,
                area_cm2=round(area, 4),
                target_per_cm2=round(target_mean, 1),
                before=int(mine.sum()),
                keep=counts["keep"],
                remove=counts["remove"],
                watch=counts["watch"],
                added=added,
                after=after,
                density_before_per_cm2=round(int(mine.sum()) / area, 1) if area else 0.0,
                density_after_per_cm2=round(after / area, 1) if area else 0.0,
            )
        )
    return tuple(out)


def compare_dots(
    dots: ExistingDots,
    target: Target,
    *,
    corrections: Mapping[int, str] | None = None,
    rules: CompareRules = CompareRules(),
    seed: int = 0,
) -> Comparison:
    """Classify every existing dot against ``target``, apply the practitioner's ``corrections``
    (dot index to class) and fill the gaps (see the module docstring).

    Parameters
    ----------
    dots : ExistingDots
        What the detector found.
    target : Target
        :func:`target_from_hairline` or :func:`target_from_points`.
    corrections : mapping of int to str
        Classes set by the practitioner, applied after the automatic ones; the fill follows them.
    rules : CompareRules
        Margin, disc radius, tolerance, faint share.
    seed : int
        The fill's random candidates (the same seed gives the same plan).
    """
    n = dots.count
    fixes = _corrections(corrections or {}, n)
    xy = np.column_stack([dots.x_px, dots.y_px]).astype(np.float64).reshape(n, 2)
    zone = target.zone_at(xy) if n else np.zeros(0, dtype=np.uint8)
    reasons: list[list[str]] = [[] for _ in range(n)]
    for i in range(n):
        if zone[i] == ZONE_NAMES.index("outside"):
            reasons[i].append("outside_hairline")
        reasons[i] += [f for f in ("blue", "blowout", "oversize", "merged") if f in dots.flags[i]]
    active = np.array([not r for r in reasons], dtype=bool)
    radius_px = rules.density_radius_mm / target.mm_per_px
    area, mean = _disc_stats(target, xy, rules.density_radius_mm)
    limit = mean * area
    local = _counts(xy, xy, radius_px) / np.maximum(area, 1e-12)
    idx = np.flatnonzero(active)
    thinned = idx[_thin(xy[idx], limit[idx], rules.over_dense_margin, radius_px)]
    for i in thinned:
        reasons[i].append("over_dense")
    present = active.copy()
    present[thinned] = False
    after_counts = _counts(xy[present], xy, radius_px)
    typical = dots.typical_contrast
    classes: list[str] = []
    for i in range(n):
        if reasons[i]:
            classes.append("remove")
            continue
        if after_counts[i] > limit[i] * (1.0 + 0.5 * rules.over_dense_margin) + 1e-9:
            reasons[i].append("borderline_density")
        if typical and dots.contrast[i] < rules.faint_contrast_share * typical:
            reasons[i].append("faint")
        classes.append("watch" if reasons[i] else "keep")
    for i, cls in fixes.items():
        classes[i] = cls
    staying = np.array([c != "remove" for c in classes], dtype=bool)
    rng = np.random.default_rng(seed)
    added = _fill(target, xy[staying], rules, rng)
    after = np.vstack([xy[staying], added])
    a_area, a_mean = _disc_stats(target, after, rules.density_radius_mm)
    a_count = _counts(after, after, radius_px)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(a_mean * a_area > 0, a_count / (a_mean * a_area), 0.0)
    added_zone = target.zone_at(added) if added.shape[0] else np.zeros(0, dtype=np.uint8)
    counts = _zone_counts(target, zone, classes, added_zone)
    treated = [z for z in counts if z.zone != "outside"]
    t_area = sum(z.area_cm2 for z in treated)
    before_n = sum(z.before for z in treated)
    after_n = sum(z.after for z in treated)
    t_target = sum(z.target_per_cm2 * z.area_cm2 for z in treated)
    return Comparison(
        classes=tuple(classes),
        reasons=tuple(tuple(r) for r in reasons),
        corrected=tuple(i in fixes for i in range(n)),
        zones=tuple(ZONE_NAMES[z] for z in zone),
        local_density_per_cm2=local,
        target_per_cm2=mean,
        added_xy_px=added,
        added_zones=tuple(ZONE_NAMES[z] for z in added_zone),
        zone_counts=counts,
        density_before_per_cm2=round(before_n / t_area, 1) if t_area else 0.0,
        density_after_per_cm2=round(after_n / t_area, 1) if t_area else 0.0,
        target_density_per_cm2=round(t_target / t_area, 1) if t_area else 0.0,
        after_over_target_max=round(float(ratio.max()) - 1.0, 3) if ratio.size else 0.0,
    )
