"""Splatting kernels of the preview: discs (the plan look), Gaussian spots (healed dots) and short
anti-aliased segments (hair shafts), each over a z-buffered scene.

Every kernel keeps the integral of what it draws at any scale: a mark narrower than a pixel spreads its
area bilinearly over the nearest pixels (spots) or widens to a pixel with its opacity lowered in
proportion (segments), so the tone of a dense area is the same at 300 px and at 8000 px.
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np
from numpy.typing import NDArray

__all__ = ["splat_discs", "splat_segments", "splat_spots"]

FloatArray = NDArray[np.float64]
#: Image planes: float32 (the preview's) or float64.
ImageFloat = NDArray[np.floating[Any]]
BoolArray = NDArray[np.bool_]

#: A mark farther than this behind the z-buffer is hidden (behind an ear or the far side). [mm]
HIDDEN_BEHIND_MM = 2.0
#: Gaussian spots are drawn out to this many standard deviations. [-]
SPOT_REACH_SIGMA = 3.0
#: Spots narrower than this FWHM go to the four nearest pixels as area. [px]
SUBPIXEL_SPOT_FWHM_PX = 1.2


@nb.njit(cache=True)
def splat_discs(
    img: ImageFloat,
    zbuf: ImageFloat,
    rows_px: FloatArray,
    cols_px: FloatArray,
    depth: FloatArray,
    radius_px: FloatArray,
    alpha: FloatArray,
    rgb: FloatArray,
    facing: BoolArray,
    multiply: bool,
) -> None:
    """Blend anti-aliased discs over ``img``: towards ``rgb`` (``multiply`` False), or by the factor
    ``rgb`` on the lit pixel (``multiply`` True: ``rgb`` is a dot-to-skin ratio, so lighting carries over)."""
    n_rows, n_cols = zbuf.shape
    for d in range(rows_px.size):
        if not facing[d]:
            continue
        r0, c0, rad = rows_px[d], cols_px[d], radius_px[d]
        ir, ic = int(np.floor(r0)), int(np.floor(c0))
        if ir < 0 or ic < 0 or ir >= n_rows or ic >= n_cols:
            continue
        if depth[d] > zbuf[ir, ic] + HIDDEN_BEHIND_MM:
            continue
        if rad < 0.7:
            cover = np.pi * rad * rad
            fr, fc = r0 - 0.5, c0 - 0.5
            br, bc = int(np.floor(fr)), int(np.floor(fc))
            tr, tc = fr - br, fc - bc
            for dr in range(2):
                for dc in range(2):
                    rr, cc = br + dr, bc + dc
                    if 0 <= rr < n_rows and 0 <= cc < n_cols and not (multiply and np.isinf(zbuf[rr, cc])):
                        w = (tr if dr else 1.0 - tr) * (tc if dc else 1.0 - tc)
                        a = min(alpha[d] * cover * w, 1.0)
                        for k in range(3):
                            target = img[rr, cc, k] * rgb[d, k] if multiply else rgb[d, k]
                            img[rr, cc, k] = img[rr, cc, k] * (1.0 - a) + target * a
        else:
            rmin, rmax = max(int(np.floor(r0 - rad - 1)), 0), min(int(np.ceil(r0 + rad + 1)), n_rows - 1)
            cmin, cmax = max(int(np.floor(c0 - rad - 1)), 0), min(int(np.ceil(c0 + rad + 1)), n_cols - 1)
            for rr in range(rmin, rmax + 1):
                for cc in range(cmin, cmax + 1):
                    dist = np.sqrt((rr + 0.5 - r0) ** 2 + (cc + 0.5 - c0) ** 2)
                    cov = min(max(rad - dist + 0.5, 0.0), 1.0)
                    if multiply and np.isinf(zbuf[rr, cc]):
                        continue
                    if cov > 0.0:
                        a = alpha[d] * cov
                        for k in range(3):
                            target = img[rr, cc, k] * rgb[d, k] if multiply else rgb[d, k]
                            img[rr, cc, k] = img[rr, cc, k] * (1.0 - a) + target * a


@nb.njit(cache=True)
def splat_spots(
    trans: ImageFloat,
    zbuf: ImageFloat,
    rows_px: FloatArray,
    cols_px: FloatArray,
    depth: FloatArray,
    fwhm_px: FloatArray,
    peak: FloatArray,
    facing: BoolArray,
) -> None:
    """Multiply the transmission image ``trans`` (rows, cols, 3) by ``1 - peak_k g(r)`` for each spot, ``g`` a
    Gaussian of unit peak and FWHM ``fwhm_px``; the pixel sums equal the continuous integral
    ``peak π w² / (4 ln 2)``, so a treated area's mean is the model's (:mod:`smpstudio.skin.healed_dot`)."""
    n_rows, n_cols = zbuf.shape
    area_per_w2 = np.pi / (4.0 * np.log(2.0))
    for d in range(rows_px.size):
        if not facing[d]:
            continue
        r0, c0, w = rows_px[d], cols_px[d], fwhm_px[d]
        ir, ic = int(np.floor(r0)), int(np.floor(c0))
        if ir < 0 or ic < 0 or ir >= n_rows or ic >= n_cols:
            continue
        if depth[d] > zbuf[ir, ic] + HIDDEN_BEHIND_MM:
            continue
        integral = area_per_w2 * w * w  # pixel area of the unit-peak spot
        if w < SUBPIXEL_SPOT_FWHM_PX:
            fr, fc = r0 - 0.5, c0 - 0.5
            br, bc = int(np.floor(fr)), int(np.floor(fc))
            tr, tc = fr - br, fc - bc
            for dr in range(2):
                for dc in range(2):
                    rr, cc = br + dr, bc + dc
                    if 0 <= rr < n_rows and 0 <= cc < n_cols and not np.isinf(zbuf[rr, cc]):
                        wt = (tr if dr else 1.0 - tr) * (tc if dc else 1.0 - tc) * integral
                        for k in range(3):
                            trans[rr, cc, k] *= max(1.0 - peak[d, k] * wt, 0.0)
            continue
        sigma = w / np.sqrt(8.0 * np.log(2.0))
        reach = SPOT_REACH_SIGMA * sigma
        rmin, rmax = max(int(np.floor(r0 - reach)), 0), min(int(np.ceil(r0 + reach)), n_rows - 1)
        cmin, cmax = max(int(np.floor(c0 - reach)), 0), min(int(np.ceil(c0 + reach)), n_cols - 1)
        inv = 1.0 / (2.0 * sigma * sigma)
        total = 0.0
        for rr in range(rmin, rmax + 1):
            for cc in range(cmin, cmax + 1):
                total += np.exp(-((rr + 0.5 - r0) ** 2 + (cc + 0.5 - c0) ** 2) * inv)
        scale = integral / total if total > 0.0 else 0.0
        for rr in range(rmin, rmax + 1):
            for cc in range(cmin, cmax + 1):
                if np.isinf(zbuf[rr, cc]):
                    continue
                g = scale * np.exp(-((rr + 0.5 - r0) ** 2 + (cc + 0.5 - c0) ** 2) * inv)
                for k in range(3):
                    trans[rr, cc, k] *= max(1.0 - peak[d, k] * g, 0.0)


@nb.njit(cache=True)
def splat_segments(
    trans: ImageFloat,
    zbuf: ImageFloat,
    ends_px: FloatArray,
    depth: FloatArray,
    width_px: FloatArray,
    darkening: FloatArray,
    facing: BoolArray,
) -> None:
    """Multiply ``trans`` by ``1 - darkening_k`` under each anti-aliased segment (a hair shaft).

    ``ends_px`` holds ``(row0, col0, row1, col1)`` per segment. A segment narrower than a pixel is drawn a
    pixel wide with its darkening scaled by its width, and its ends are flat, so its integral is its length
    times its width at any scale.
    """
    n_rows, n_cols = zbuf.shape
    for s in range(ends_px.shape[0]):
        if not facing[s]:
            continue
        r0, c0, r1, c1 = ends_px[s, 0], ends_px[s, 1], ends_px[s, 2], ends_px[s, 3]
        ir, ic = int(np.floor(r0)), int(np.floor(c0))
        if ir < 0 or ic < 0 or ir >= n_rows or ic >= n_cols:
            continue
        if depth[s] > zbuf[ir, ic] + HIDDEN_BEHIND_MM:
            continue
        w = width_px[s]
        half = 0.5 * max(w, 1.0)
        strength = min(w, 1.0)
        dr, dc = r1 - r0, c1 - c0
        length = np.sqrt(dr * dr + dc * dc)
        ur, uc = (dr / length, dc / length) if length > 1e-9 else (1.0, 0.0)
        # Flat ends, a box filter along the shaft: the pixel sums are the shaft's length times its width
        # (a short shaft's are scaled to it).
        along_area = length if length >= 1.0 else 0.25 * (length + 1.0) ** 2
        along_scale = length / along_area if along_area > 0.0 else 0.0
        reach = half + 1.0
        rmin = max(int(np.floor(min(r0, r1) - reach)), 0)
        rmax = min(int(np.ceil(max(r0, r1) + reach)), n_rows - 1)
        cmin = max(int(np.floor(min(c0, c1) - reach)), 0)
        cmax = min(int(np.ceil(max(c0, c1) + reach)), n_cols - 1)
        for rr in range(rmin, rmax + 1):
            for cc in range(cmin, cmax + 1):
                if np.isinf(zbuf[rr, cc]):
                    continue
                pr, pc = rr + 0.5 - r0, cc + 0.5 - c0
                a = pr * ur + pc * uc
                across = abs(pr * uc - pc * ur)
                cov_across = min(max(half - across + 0.5, 0.0), 1.0)
                cov_along = min(max(min(a, length - a) + 0.5, 0.0), 1.0)
                cov = cov_across * cov_along * along_scale * strength
                if cov > 0.0:
                    for k in range(3):
                        trans[rr, cc, k] *= 1.0 - darkening[s, k] * min(cov, 1.0)
