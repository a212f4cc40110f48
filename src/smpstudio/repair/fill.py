"""Where a repair adds dots: the gaps among the dots that stay, filled up to the target.

Random sequential adsorption of candidates (uniform random points on a close-up, or the design's own
projected dots on a wider photo) at least ``max(r(p), r(q))`` from every kept and added dot,
``r = sqrt(c / D)`` with :data:`FILL_PACKING` (the Poisson-disc spacing rule of Bridson 2007
[bridson2007]); an added dot that would lift a neighbourhood over the target by more than the margin is
dropped again, the last added first (the density estimator of :mod:`smpstudio.repair.target`). On a
close-up nothing is added within one spacing of the photo's edge, where the dots beyond the frame are unseen.

Each added dot carries the scale it is seen at [px/mm]: the photo's on a close-up; on a wider photo the
design dot's own, foreshortened towards the head's outline (:attr:`Target.candidates_px_per_mm`).
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from smpstudio.repair.target import CompareRules, Target, counts_within, disc_stats

__all__ = ["DESIGN_OWN_SPACING", "FILL_CANDIDATES", "FILL_PACKING", "fill_gaps"]

FloatArray = NDArray[np.float64]
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


def fill_gaps(
    target: Target, kept: FloatArray, rules: CompareRules, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Added dots (K, 2) ``[x, y]`` [px] that fill the gaps among ``kept`` up to the target, and the scale
    each is seen at (K,) [px/mm] (see the module docstring)."""
    rows, cols = target.shape
    if target.candidates_xy_px is not None:
        cand = np.asarray(target.candidates_xy_px, dtype=np.float64).reshape(-1, 2)
        scale = (
            np.full(cand.shape[0], 1.0 / target.mm_per_px)
            if target.candidates_px_per_mm is None
            else np.asarray(target.candidates_px_per_mm, dtype=np.float64).reshape(cand.shape[0])
        )
    else:
        cell_cm2 = (target.cell_px * target.mm_per_px) ** 2 / 100.0
        expected = float(target.density_per_cm2.sum()) * cell_cm2
        n = int(min(FILL_CANDIDATES * expected, 2_000_000))
        cand = rng.uniform((0.0, 0.0), (cols, rows), size=(n, 2))
        scale = np.full(n, 1.0 / target.mm_per_px)
    seen = (cand[:, 0] >= 0) & (cand[:, 0] < cols) & (cand[:, 1] >= 0) & (cand[:, 1] < rows)
    cand, scale = cand[seen], scale[seen]
    cand_r = _spacing_px(target, cand)
    wanted = cand_r > 0
    if target.candidates_xy_px is None:
        # On a close-up nothing is added within one spacing of the photo's edge: the dots just beyond the
        # frame are unseen, and a gap there may be no gap.
        edge_px = np.minimum.reduce([cand[:, 0], cand[:, 1], cols - 1 - cand[:, 0], rows - 1 - cand[:, 1]])
        wanted &= edge_px >= cand_r
    cand, cand_r, scale = cand[wanted], cand_r[wanted], scale[wanted]
    if cand.shape[0] == 0:
        return np.zeros((0, 2)), np.zeros(0)
    kept_r = _spacing_px(target, kept)
    cell = float(max(cand_r.max(), kept_r.max() if kept_r.size else 0.0, 1.0))
    own = DESIGN_OWN_SPACING if target.candidates_xy_px is not None else 1.0
    joined = _adsorb(np.ascontiguousarray(kept), kept_r, np.ascontiguousarray(cand), cand_r, cell, own)
    added, scale = cand[joined], scale[joined]
    # Drop added dots, the last first, wherever a neighbourhood stands over the target by the margin.
    radius_px = rules.density_radius_mm / target.mm_per_px
    every = np.vstack([kept, added])
    area, mean = disc_stats(target, every, rules.density_radius_mm)
    allowed = (1.0 + rules.over_dense_margin) * mean * area + 1e-9
    keep_added = np.ones(added.shape[0], dtype=bool)
    for _ in range(added.shape[0]):
        live = np.r_[np.ones(kept.shape[0], dtype=bool), keep_added]
        over = counts_within(every[live], every[live], radius_px) > allowed[live]
        if not over.any():
            break
        alive = np.flatnonzero(keep_added)
        near = cKDTree(added[alive]).query_ball_point(every[live][over], radius_px)
        drop = {int(alive[max(ks)]) for ks in near if ks}
        if not drop:
            break
        keep_added[list(drop)] = False
    return added[keep_added], scale[keep_added]
