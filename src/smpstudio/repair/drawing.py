"""Drawing darkenings into a transmission image: Gaussian (or flatter) spots and Gaussian lines, for the
synthetic close-ups (:mod:`smpstudio.repair.synthetic`)."""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from numpy.typing import NDArray

__all__ = ["splat_lines", "splat_spots"]

FloatArray = NDArray[np.float64]


@nb.njit(cache=True)
def splat_spots(
    trans: FloatArray, rows: FloatArray, cols: FloatArray, fwhm_px: FloatArray, peak: FloatArray, power: float
) -> None:  # pragma: no cover - numba
    """Multiply ``trans`` by ``1 - peak_k exp(-ln 2 (2 r / w)^power)`` for each spot."""
    n_rows, n_cols = trans.shape[0], trans.shape[1]
    for s in range(rows.size):
        w = fwhm_px[s]
        reach = math.ceil(2.5 * w) + 1
        ir, ic = int(rows[s]), int(cols[s])
        for i in range(max(ir - reach, 0), min(ir + reach + 1, n_rows)):
            for j in range(max(ic - reach, 0), min(ic + reach + 1, n_cols)):
                r = math.hypot(i - rows[s], j - cols[s])
                g = math.exp(-math.log(2.0) * (2.0 * r / w) ** power)
                for k in range(3):
                    trans[i, j, k] *= 1.0 - peak[s, k] * g


@nb.njit(cache=True)
def splat_lines(
    trans: FloatArray, ends: FloatArray, width_px: FloatArray, peak: FloatArray
) -> None:  # pragma: no cover
    """Multiply ``trans`` by a Gaussian line darkening along each segment ``(r0, c0, r1, c1)``."""
    n_rows, n_cols = trans.shape[0], trans.shape[1]
    for s in range(ends.shape[0]):
        r0, c0, r1, c1 = ends[s, 0], ends[s, 1], ends[s, 2], ends[s, 3]
        w = width_px[s]
        reach = math.ceil(2.5 * w) + 1
        dr, dc = r1 - r0, c1 - c0
        length2 = max(dr * dr + dc * dc, 1e-9)
        for i in range(max(int(min(r0, r1)) - reach, 0), min(int(max(r0, r1)) + reach + 1, n_rows)):
            for j in range(max(int(min(c0, c1)) - reach, 0), min(int(max(c0, c1)) + reach + 1, n_cols)):
                t = min(max(((i - r0) * dr + (j - c0) * dc) / length2, 0.0), 1.0)
                d = math.hypot(i - (r0 + t * dr), j - (c0 + t * dc))
                g = math.exp(-math.log(2.0) * (2.0 * d / w) ** 2)
                for k in range(3):
                    trans[i, j, k] *= 1.0 - peak[s, k] * g
