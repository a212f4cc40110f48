"""Which dots go in which treatment session: nested blue-noise subsets of the design's dots.

SMP is done in 2-4 sessions: the first lays out the design conservatively, the second builds
density, the third refines ([clinic-technique] in docs/references.md, clinic consensus [C]). Every session's
cumulative dots should cover the area evenly, so session ``s`` (cumulative fraction ``F_s`` of the
dots) is grown by random sequential adsorption: visiting the dots not yet chosen in random order,
a dot joins if no chosen dot lies within ``max(R_p, R_q)``, with ``R = 0.8 r(x) / sqrt(F_s)``: 0.8 of
the spacing that density would have, because adsorption restricted to the existing dots jams early
(at 1.0 it stalls near 36 % of the dots for a 45 % session; at 0.8 it reaches 53 %, measured on a
maximal fill). It stops at ``round(F_s N)`` dots; should it jam first, random remaining dots complete
the count, so the fractions always hold exactly.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numpy.typing import NDArray

from smpstudio.design.bridson2007 import _blocked, _grid_dims

__all__ = ["ADSORPTION_SPACING", "assign_sessions"]

#: Session spacing relative to the spacing of the session's density (see the module docstring).
ADSORPTION_SPACING = 0.8

FloatArray = NDArray[np.float64]


@nb.njit(cache=True)
def _adsorb(
    points: FloatArray,
    radius: FloatArray,
    order: NDArray[np.int64],
    chosen: NDArray[np.bool_],
    target: int,
    lo: FloatArray,
    cell: float,
    dims: NDArray[np.int64],
) -> NDArray[np.bool_]:
    n = points.shape[0]
    out = chosen.copy()
    heads = np.full(dims[0] * dims[1] * dims[2], -1, dtype=np.int32)
    nxt = np.empty(n, dtype=np.int32)
    count = 0

    def insert(i: int) -> None:
        ix = int((points[i, 0] - lo[0]) / cell)
        iy = int((points[i, 1] - lo[1]) / cell)
        iz = int((points[i, 2] - lo[2]) / cell)
        c = (iz * dims[1] + iy) * dims[0] + ix
        nxt[i] = heads[c]
        heads[c] = i

    for i in range(n):
        if out[i]:
            insert(i)
            count += 1
    for t in range(n):
        if count >= target:
            break
        i = order[t]
        if out[i]:
            continue
        x, y, z = points[i, 0], points[i, 1], points[i, 2]
        if not _blocked(x, y, z, radius[i], radius[i], lo, cell, dims, heads, nxt, points, radius):
            out[i] = True
            insert(i)
            count += 1
    return out


def assign_sessions(
    points_mm: FloatArray, spacing_mm: FloatArray, fractions: tuple[float, ...], rng: np.random.Generator
) -> NDArray[np.int32]:
    """Session number (1-based) of each dot for cumulative ``fractions`` (increasing, last 1.0).

    Parameters
    ----------
    points_mm : ndarray of shape (N, 3)
        The design's dots. [mm]
    spacing_mm : ndarray of shape (N,)
        The spacing field ``r(x)`` at each dot. [mm]
    fractions
        Cumulative fraction of the dots after each session.
    rng
        Random order of adsorption.
    """
    n = points_mm.shape[0]
    session = np.full(n, len(fractions), dtype=np.int32)
    if n == 0 or len(fractions) == 1:
        return session
    pts = np.ascontiguousarray(points_mm, dtype=np.float64)
    lo = pts.min(axis=0) - 1.0
    extent = pts.max(axis=0) + 1.0 - lo
    chosen = np.zeros(n, dtype=bool)
    for s, fraction in enumerate(fractions[:-1], start=1):
        radius = np.ascontiguousarray(ADSORPTION_SPACING * spacing_mm / np.sqrt(fraction), dtype=np.float64)
        cell, dims = _grid_dims(extent, float(radius.max()))
        target = round(fraction * n)
        order = rng.permutation(n).astype(np.int64)
        now = _adsorb(pts, radius, order, chosen, target, lo, float(cell), dims)
        missing = target - int(now.sum())
        if missing > 0:
            rest = np.flatnonzero(~now)
            now[rng.choice(rest, size=missing, replace=False)] = True
        session[now & ~chosen] = s
        chosen = now
    return session
