"""Measuring one dark spot: its sub-pixel centre, its half-maximum outline, its edge and its colour.

The kernels here work on the contrast image (:mod:`smpstudio.repair.contrast`) and are compiled with
Numba, single-threaded (on a shared server one request should not take every core; measured, the threads
cost more than they gained on two cores); :mod:`smpstudio.repair.detect` calls them once for all
candidates.

* Centre: the contrast-weighted centroid inside a disc, moved and repeated until it settles, the refinement
  of Crocker & Grier [crocker1996]; the disc is centred on the sub-pixel estimate (its edge pixels
  weighted by their coverage), so that it can settle between pixels, and near the photo's edge it
  shrinks to stay inside the photo (a disc cut by the edge would pull the centre inwards).
* Outline: rays in :data:`N_RAYS` directions walk out from the centre on the smoothed contrast image and
  note, by linear interpolation, where the contrast falls through 80 %, 50 % and 20 % of the peak. A ray
  that starts climbing again (more than a tolerance above the lowest value it passed) has reached another
  spot and stops there. The 50 % radii give the full width at half maximum (FWHM) in every direction, so
  both the size and the elongation of a spot are measured without assuming its shape; the 20-80 % radii
  give the width of its edge (the blur).
* Saddle: the lowest contrast on the straight segment between two spots, which tells whether their
  half-maximum outlines join (two deposits in one blob) or whether one spot was seen twice.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from numpy.typing import NDArray

from smpstudio.repair.contrast import skin_luminance_at

__all__ = ["LEVELS", "N_RAYS", "centroids", "core_colours", "ray_radii", "saddles", "window_minima"]

#: Directions of the rays, evenly spaced; opposite rays pair into diameters.
N_RAYS = 16
#: Contrast levels, as fractions of the peak, at which the rays note their radius.
LEVELS = (0.8, 0.5, 0.2)
_STEP = 0.25


@nb.njit(cache=True)
def _bilinear(image: NDArray[np.float32], r: float, c: float) -> float:  # pragma: no cover - numba
    rows, cols = image.shape
    if r < 0.0 or c < 0.0 or r > rows - 1.0 or c > cols - 1.0:
        return np.nan
    i = min(int(r), rows - 2) if rows > 1 else 0
    j = min(int(c), cols - 2) if cols > 1 else 0
    tr, tc = r - i, c - j
    i1, j1 = min(i + 1, rows - 1), min(j + 1, cols - 1)
    return float(
        (1 - tr) * ((1 - tc) * image[i, j] + tc * image[i, j1])
        + tr * ((1 - tc) * image[i1, j] + tc * image[i1, j1])
    )


@nb.njit(cache=True)
def ray_radii(
    smooth: NDArray[np.float32],
    rows: NDArray[np.float64],
    cols: NDArray[np.float64],
    peaks: NDArray[np.float64],
    max_radius: float,
    tolerance: NDArray[np.float64],
    same_spot: float,
) -> tuple[NDArray[np.float64], NDArray[np.int8]]:  # pragma: no cover - numba
    """Radii at which each spot's contrast falls through :data:`LEVELS` of its peak, per direction.

    Parameters
    ----------
    smooth : ndarray of shape (M, N), float32
        The smoothed contrast image. [-]
    rows, cols : ndarray of shape (K,)
        Spot centres in ``smooth``'s pixels. [px]
    peaks : ndarray of shape (K,)
        Each spot's peak contrast. [-]
    max_radius : float
        Longest ray. [px]
    tolerance : ndarray of shape (K,)
        Least rise above the lowest value passed that stops a ray (noise). [-]
    same_spot : float
        A ray also needs ``same_spot * value`` above the lowest value passed to stop: a dip of less than
        ``1 - same_spot`` of the next maximum is noise on one spot, as the fusion of maxima has it. [-]

    Returns
    -------
    radii : ndarray of shape (K, 3, N_RAYS)
        Radius of each level per direction; where a ray stopped first, the radius where it stopped. [px]
    reached : ndarray of shape (K, N_RAYS), int8
        How many of the levels the ray reached (0-3) before it stopped (another spot, the image's edge or
        ``max_radius``).
    """
    k_spots = rows.size
    radii = np.empty((k_spots, 3, N_RAYS))
    reached = np.zeros((k_spots, N_RAYS), dtype=np.int8)
    for s in range(k_spots):
        peak = peaks[s]
        for d in range(N_RAYS):
            theta = 2.0 * math.pi * d / N_RAYS
            dr, dc = math.sin(theta), math.cos(theta)
            prev = peak
            lowest = peak
            level = 0
            r = 0.0
            stop_r = max_radius
            while level < 3:
                r += _STEP
                v = _bilinear(smooth, rows[s] + r * dr, cols[s] + r * dc)
                if math.isnan(v) or r > max_radius or (v > lowest + tolerance[s] and same_spot * v > lowest):
                    stop_r = r - _STEP
                    break
                lowest = min(lowest, v)
                while level < 3 and v <= LEVELS[level] * peak:
                    target = LEVELS[level] * peak
                    t = (prev - target) / (prev - v) if prev > v else 1.0
                    radii[s, level, d] = r - _STEP + _STEP * t
                    level += 1
                prev = v
            for lv in range(level, 3):
                radii[s, lv, d] = stop_r
            reached[s, d] = level
    return radii, reached


@nb.njit(cache=True)
def centroids(
    image: NDArray[np.uint8],
    lut: NDArray[np.float32],
    skin: NDArray[np.float32],
    block: int,
    rows: NDArray[np.float64],
    cols: NDArray[np.float64],
    radius: NDArray[np.float64],
    iterations: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:  # pragma: no cover - numba
    """Contrast-weighted centroids in a disc of ``radius`` around each spot, moved until they settle.

    Parameters
    ----------
    image : ndarray of shape (M, N, 3), uint8
        The photo, sRGB; its contrast against the local skin is computed pixel by pixel around each spot
        (the skin's luminance as a plane over the spot's surroundings).
    lut : ndarray of shape (256,)
        Linear light of each code value. [-]
    skin : ndarray of shape (P, Q)
        The local skin's luminance per block of ``block`` pixels. [-]
    block : int
        Side of those blocks. [px]
    rows, cols : ndarray of shape (K,)
        Starting centres. [px]
    radius : ndarray of shape (K,)
        Radius of each disc. [px]
    iterations : int
        At most this many moves of the disc [crocker1996].

    Returns
    -------
    rows, cols : ndarray of shape (K,)
        Refined centres. [px]
    """
    n_rows, n_cols = image.shape[0], image.shape[1]
    out_r = rows.copy()
    out_c = cols.copy()
    for s in range(rows.size):
        cr, cc = rows[s], cols[s]
        rad = max(radius[s], 1.5)
        # The contrast around the start, computed once: the disc moves by a few pixels at most.
        half = math.ceil(rad) + 4
        r0, c0 = math.floor(cr) - half, math.floor(cc) - half
        size = 2 * half + 2
        patch = np.zeros((size, size))
        # The skin's luminance over the patch as a plane through its value and slopes at the centre: it
        # changes over millimetres, the patch spans a fraction of one.
        mid_r, mid_c = r0 + half, c0 + half
        base = skin_luminance_at(skin, block, mid_r, mid_c)
        slope_r = (
            skin_luminance_at(skin, block, mid_r + half, mid_c)
            - skin_luminance_at(skin, block, mid_r - half, mid_c)
        ) / (2.0 * half)
        slope_c = (
            skin_luminance_at(skin, block, mid_r, mid_c + half)
            - skin_luminance_at(skin, block, mid_r, mid_c - half)
        ) / (2.0 * half)
        for a in range(size):
            i = r0 + a
            if i < 0 or i >= n_rows:
                continue
            for b in range(size):
                j = c0 + b
                if 0 <= j < n_cols:
                    lum = (
                        0.2126 * lut[image[i, j, 0]]
                        + 0.7152 * lut[image[i, j, 1]]
                        + 0.0722 * lut[image[i, j, 2]]
                    )
                    level = base + slope_r * (i - mid_r) + slope_c * (j - mid_c)
                    patch[a, b] = max(1.0 - lum / level, 0.0)
        for _ in range(iterations):
            # Near the photo's edge the disc shrinks to the distance to the edge: a disc cut by the edge
            # weighs only the inner side and pulls the centre inwards.
            room = min(cr + 0.5, n_rows - 0.5 - cr, cc + 0.5, n_cols - 0.5 - cc)
            r_in = max(min(rad, room), 0.5)
            inner, outer = max(r_in - 0.5, 0.0) ** 2, (r_in + 0.5) ** 2
            sw = 0.0
            sr = 0.0
            sc = 0.0
            for a in range(size):
                dr = r0 + a - cr
                for b in range(size):
                    w = patch[a, b]
                    if w <= 0.0:
                        continue
                    dc = c0 + b - cc
                    d2 = dr * dr + dc * dc
                    if d2 >= outer:
                        continue
                    if d2 > inner:
                        # A disc centred on the current sub-pixel estimate, its edge pixels weighted by
                        # how much of them it covers, so that the estimate can move by less than a pixel.
                        w *= r_in + 0.5 - math.sqrt(d2)
                    sw += w
                    sr += w * (r0 + a)
                    sc += w * (c0 + b)
            if sw <= 0.0:
                break
            nr, nc = sr / sw, sc / sw
            if abs(nr - rows[s]) > half - rad - 1.0 or abs(nc - cols[s]) > half - rad - 1.0:
                break  # left the computed patch: keep the last estimate inside it
            moved = abs(nr - cr) + abs(nc - cc)
            cr, cc = nr, nc
            if moved < 0.01:
                break
        out_r[s] = cr
        out_c[s] = cc
    return out_r, out_c


@nb.njit(cache=True)
def core_colours(
    image: NDArray[np.uint8],
    lut: NDArray[np.float32],
    rows: NDArray[np.float64],
    cols: NDArray[np.float64],
    radius: NDArray[np.float64],
) -> NDArray[np.float64]:  # pragma: no cover - numba
    """Mean linear RGB of the pixels of the 8-bit photo within ``radius`` of each centre (at least the
    nearest pixel). [-]"""
    n_rows, n_cols = image.shape[0], image.shape[1]
    out = np.zeros((rows.size, 3))
    for s in range(rows.size):
        rad = max(radius[s], 0.5)
        reach = math.ceil(rad)
        ir, ic = round(rows[s]), round(cols[s])
        n = 0
        for i in range(max(ir - reach, 0), min(ir + reach + 1, n_rows)):
            for j in range(max(ic - reach, 0), min(ic + reach + 1, n_cols)):
                dr, dc = i - rows[s], j - cols[s]
                if dr * dr + dc * dc > rad * rad:
                    continue
                for k in range(3):
                    out[s, k] += lut[image[i, j, k]]
                n += 1
        if n == 0:
            i = min(max(ir, 0), n_rows - 1)
            j = min(max(ic, 0), n_cols - 1)
            for k in range(3):
                out[s, k] = lut[image[i, j, k]]
        else:
            for k in range(3):
                out[s, k] /= n
    return out


@nb.njit(cache=True)
def saddles(
    smooth: NDArray[np.float32],
    rows: NDArray[np.float64],
    cols: NDArray[np.float64],
    pairs: NDArray[np.int64],
) -> NDArray[np.float64]:  # pragma: no cover - numba
    """Lowest smoothed contrast on the segment between the two spots of each pair. [-]

    Parameters
    ----------
    pairs : ndarray of shape (P, 2), int
        Indices of the two spots.
    """
    out = np.empty(pairs.shape[0])
    for p in range(pairs.shape[0]):
        a, b = pairs[p, 0], pairs[p, 1]
        length = math.hypot(rows[b] - rows[a], cols[b] - cols[a])
        steps = max(int(length / 0.5), 2)
        lowest = np.inf
        for t in range(steps + 1):
            f = t / steps
            v = _bilinear(smooth, rows[a] + f * (rows[b] - rows[a]), cols[a] + f * (cols[b] - cols[a]))
            if not math.isnan(v):
                lowest = min(lowest, v)
        out[p] = lowest
    return out


@nb.njit(cache=True)
def window_minima(
    image: NDArray[np.float32], rows: NDArray[np.int64], cols: NDArray[np.int64], reach: int
) -> NDArray[np.float64]:  # pragma: no cover - numba
    """Lowest value of ``image`` in the square of half-side ``reach`` around each position. [-]"""
    n_rows, n_cols = image.shape
    out = np.empty(rows.size)
    for s in range(rows.size):
        low = np.inf
        for i in range(max(rows[s] - reach, 0), min(rows[s] + reach + 1, n_rows)):
            for j in range(max(cols[s] - reach, 0), min(cols[s] + reach + 1, n_cols)):
                low = min(low, image[i, j])
        out[s] = low
    return out
