"""Monotone piecewise-cubic Hermite interpolation (PCHIP) of Fritsch and Carlson [fritsch1980], with the
derivative rule of SciPy's ``PchipInterpolator`` (a weighted harmonic mean of the neighbouring slopes, zero
at a local extremum, a one-sided three-point rule at the ends) so the two agree to rounding.

The hairline and the hair-loss patterns draw their smooth curves through a few knots with it; written with
NumPy alone, because importing ``scipy.interpolate`` costs a design command about a third of a second.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["pchip"]

FloatArray = NDArray[np.float64]


def _end_slope(h0: float, h1: float, m0: float, m1: float) -> float:
    """The end point's derivative: a three-point estimate kept the sign of the end slope and within 3 times
    it where the slopes change sign (SciPy's rule)."""
    d = ((2.0 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
    if np.sign(d) != np.sign(m0):
        return 0.0
    if np.sign(m0) != np.sign(m1) and abs(d) > 3.0 * abs(m0):
        return 3.0 * m0
    return float(d)


def _slopes(x: FloatArray, y: FloatArray) -> FloatArray:
    h = np.diff(x)
    m = np.diff(y) / h
    if len(x) == 2:
        return np.array([m[0], m[0]])
    d = np.zeros_like(y)
    flat = (np.sign(m[1:]) != np.sign(m[:-1])) | (m[1:] == 0.0) | (m[:-1] == 0.0)
    w1, w2 = 2.0 * h[1:] + h[:-1], h[1:] + 2.0 * h[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        harmonic = (w1 / m[:-1] + w2 / m[1:]) / (w1 + w2)
        d[1:-1] = np.where(flat, 0.0, 1.0 / harmonic)
    d[0] = _end_slope(h[0], h[1], m[0], m[1])
    d[-1] = _end_slope(h[-1], h[-2], m[-1], m[-2])
    return d


def pchip(x: ArrayLike, y: ArrayLike, at: ArrayLike) -> FloatArray:
    """The PCHIP curve through the knots ``(x, y)`` (``x`` strictly increasing, two or more) at ``at``;
    beyond the knots the end pieces are extended, as SciPy's default does.

    Examples
    --------
    >>> pchip([0.0, 1.0, 2.0], [0.0, 1.0, 1.0], [0.5, 1.5, 2.0]).round(4).tolist()
    [0.6875, 1.0, 1.0]
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if xs.ndim != 1 or xs.shape != ys.shape or len(xs) < 2 or np.any(np.diff(xs) <= 0.0):
        raise ValueError("pchip needs two or more knots with strictly increasing x")
    points = np.asarray(at, dtype=np.float64)
    d = _slopes(xs, ys)
    k = np.clip(np.searchsorted(xs, points, side="right") - 1, 0, len(xs) - 2)
    h = xs[k + 1] - xs[k]
    t = (points - xs[k]) / h
    t2, t3 = t * t, t * t * t
    return np.asarray(
        (2 * t3 - 3 * t2 + 1) * ys[k]
        + (t3 - 2 * t2 + t) * h * d[k]
        + (-2 * t3 + 3 * t2) * ys[k + 1]
        + (t3 - t2) * h * d[k + 1],
        dtype=np.float64,
    )
