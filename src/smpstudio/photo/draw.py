"""Drawing spots on an 8-bit photo in linear light, in place, touching only the pixels under the spots.

Each spot multiplies the linear light of the pixels it covers by ``1 - m D_k g(r)``: ``g`` a Gaussian of
unit peak whose pixel sum equals its continuous integral ``π w² / (4 ln 2)`` (so a treated area's mean tone is
the model's at any photo scale, as :func:`smpstudio.render.dots.splat_spots` keeps it), ``D_k`` the spot's
darkening per channel and ``m`` the scalp mask (0-255: how much of the pixel is scalp skin, so a spot fades
into the remaining hair). Spots narrower than :data:`SUBPIXEL_FWHM_PX` spread their area bilinearly over the
four nearest pixels. Pixels are decoded through a 256-entry table and encoded through a fine table of
continuous sRGB codes, rounded with a fixed ordered dither so that faint spot tails keep their mean instead of
rounding away: no float copy of the photo is made, and pixels no spot touches keep their values exactly.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numpy.typing import NDArray

from smpstudio.photo.image_io import srgb8_to_linear_lut

__all__ = ["ENCODE_STEPS", "SUBPIXEL_FWHM_PX", "draw_spots", "linear_to_srgb8_lut"]

#: Spots narrower than this FWHM go to the four nearest pixels as area. [px]
SUBPIXEL_FWHM_PX = 1.2
#: Gaussian spots are drawn out to this many standard deviations, normalised over that square so their
#: integral stays the model's. [-]
REACH_SIGMA = 2.5
#: The farthest a spot reaches from its centre (a spot of about 30 px FWHM). [px]
MAX_REACH_PX = 31.0
#: Height of the bands drawn in parallel: more than twice the farthest reach and a pixel. [px]
BAND_PX = 72
#: Steps of the linear-to-sRGB encoding table: its error stays below 0.05 of an 8-bit code. [-]
ENCODE_STEPS = 65536


def linear_to_srgb8_lut() -> NDArray[np.float32]:
    """Continuous sRGB codes (0-255) of ``ENCODE_STEPS`` linear values from 0 to 1
    (IEC 61966-2-1 [iec61966-2-1])."""
    c = np.arange(ENCODE_STEPS, dtype=np.float64) / (ENCODE_STEPS - 1)
    s = np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1.0 / 2.4) - 0.055)
    return (s * 255.0).astype(np.float32)


@nb.njit(cache=True, inline="always", fastmath=True)
def _apply(
    img: NDArray[np.uint8],
    rr: int,
    cc: int,
    g: float,
    p0: float,
    p1: float,
    p2: float,
    m8: int,
    dec: NDArray[np.float32],
    enc: NDArray[np.float32],
) -> None:
    gm = g * m8 * (1.0 / 255.0)
    top = enc.size - 1
    # A fixed ordered dither (a hash of the pixel), shifted by a third per channel, in place of rounding.
    h = (((rr * 73856093) ^ (cc * 19349663)) & 1023) * (1.0 / 1024.0)
    for k in range(3):
        p = p0 if k == 0 else (p1 if k == 1 else p2)
        v = dec[img[rr, cc, k]] * (1.0 - p * gm)
        i = min(max(int(v * top + 0.5), 0), top)
        hk = h + k * (1.0 / 3.0)
        img[rr, cc, k] = min(int(enc[i] + (hk - 1.0 if hk >= 1.0 else hk)), 255)


@nb.njit(cache=True, fastmath=True)
def _draw_one(
    img: NDArray[np.uint8],
    mask: NDArray[np.uint8],
    c0: float,
    r0: float,
    w: float,
    p0: float,
    p1: float,
    p2: float,
    dec: NDArray[np.float32],
    enc: NDArray[np.float32],
    wr: NDArray[np.float64],
    wc: NDArray[np.float64],
) -> None:
    n_rows, n_cols = mask.shape
    integral = np.pi / (4.0 * np.log(2.0)) * w * w
    if w < SUBPIXEL_FWHM_PX:
        fr, fc = r0 - 0.5, c0 - 0.5
        br, bc = int(np.floor(fr)), int(np.floor(fc))
        tr, tc = fr - br, fc - bc
        for dr in range(2):
            for dc in range(2):
                rr, cc = br + dr, bc + dc
                if 0 <= rr < n_rows and 0 <= cc < n_cols and mask[rr, cc] > 0:
                    # Never past the spot's own peak (a sub-pixel spot's area can exceed a pixel).
                    wt = min((tr if dr else 1.0 - tr) * (tc if dc else 1.0 - tc) * integral, 1.0)
                    _apply(img, rr, cc, wt, p0, p1, p2, mask[rr, cc], dec, enc)
        return
    sigma = w / np.sqrt(8.0 * np.log(2.0))
    reach = min(REACH_SIGMA * sigma, MAX_REACH_PX)
    rmin, rmax = max(int(np.floor(r0 - reach)), 0), min(int(np.ceil(r0 + reach)), n_rows - 1)
    cmin, cmax = max(int(np.floor(c0 - reach)), 0), min(int(np.ceil(c0 + reach)), n_cols - 1)
    inv = 1.0 / (2.0 * sigma * sigma)
    # The Gaussian is separable: one row and one column of weights.
    sr = 0.0
    for rr in range(rmin, rmax + 1):
        wr[rr - rmin] = np.exp(-((rr + 0.5 - r0) ** 2) * inv)
        sr += wr[rr - rmin]
    sc = 0.0
    for cc in range(cmin, cmax + 1):
        wc[cc - cmin] = np.exp(-((cc + 0.5 - c0) ** 2) * inv)
        sc += wc[cc - cmin]
    total = sr * sc
    scale = integral / total if total > 0.0 else 0.0
    for rr in range(rmin, rmax + 1):
        row_w = scale * wr[rr - rmin]
        for cc in range(cmin, cmax + 1):
            m8 = mask[rr, cc]
            if m8 > 0:
                _apply(img, rr, cc, row_w * wc[cc - cmin], p0, p1, p2, m8, dec, enc)


@nb.njit(cache=True, parallel=True, fastmath=True)
def _draw_bands(
    img: NDArray[np.uint8],
    mask: NDArray[np.uint8],
    x_px: NDArray[np.float64],
    y_px: NDArray[np.float64],
    fwhm_px: NDArray[np.float64],
    peak: NDArray[np.float64],
    dec: NDArray[np.float32],
    enc: NDArray[np.float32],
    order: NDArray[np.int64],
    starts: NDArray[np.int64],
) -> None:
    """Draw the dots band by band: the even bands at once, then the odd ones. A band is taller than two
    reaches, so the spots of two bands drawn at once never touch the same pixel; the order is fixed, so
    the image is the same whatever the number of threads."""
    n_bands = starts.size - 1
    for phase in range(2):
        for b in nb.prange((n_bands - phase + 1) // 2):
            band = 2 * b + phase
            wr = np.empty(2 * int(MAX_REACH_PX) + 4)
            wc = np.empty(2 * int(MAX_REACH_PX) + 4)
            for j in range(starts[band], starts[band + 1]):
                d = order[j]
                _draw_one(
                    img,
                    mask,
                    x_px[d],
                    y_px[d],
                    fwhm_px[d],
                    peak[d, 0],
                    peak[d, 1],
                    peak[d, 2],
                    dec,
                    enc,
                    wr,
                    wc,
                )


_TABLES: dict[str, NDArray[np.generic]] = {}


def draw_spots(
    img: NDArray[np.uint8],
    mask: NDArray[np.uint8],
    xy_px: NDArray[np.float64],
    fwhm_px: NDArray[np.float64],
    peak: NDArray[np.float64],
) -> int:
    """Draw spots on ``img`` (rows, cols, 3) 8-bit sRGB in place; returns how many centres fell inside.

    Parameters
    ----------
    img : ndarray of shape (rows, cols, 3), uint8
        The photo, changed in place.
    mask : ndarray of shape (rows, cols), uint8
        Scalp skin 255, elsewhere 0, in between at the edges of the remaining hair.
    xy_px : ndarray of shape (N, 2)
        Spot centres ``[x, y]``, the top-left pixel's centre at ``[0.5, 0.5]``. [px]
    fwhm_px : ndarray of shape (N,)
        FWHM of each spot. [px]
    peak : ndarray of shape (N, 3)
        Darkening at each spot's centre per channel (negative lightens). [-]
    """
    if "dec" not in _TABLES:
        _TABLES["dec"] = srgb8_to_linear_lut()
        _TABLES["enc"] = linear_to_srgb8_lut()
    if img.shape[:2] != mask.shape:
        raise ValueError("the mask must have the photo's rows and columns")
    rows, cols = mask.shape
    xy = np.asarray(xy_px, dtype=np.float64).reshape(-1, 2)
    w = np.asarray(fwhm_px, dtype=np.float64)
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < cols) & (xy[:, 1] >= 0) & (xy[:, 1] < rows) & (w > 0)
    band = np.floor(xy[:, 1] / BAND_PX).astype(np.int64)
    kept = np.flatnonzero(inside)
    order = kept[np.argsort(band[kept], kind="stable")]
    starts = np.searchsorted(band[order], np.arange(rows // BAND_PX + 2)).astype(np.int64)
    _draw_bands(
        img,
        np.ascontiguousarray(mask, dtype=np.uint8),
        np.ascontiguousarray(xy[:, 0]),
        np.ascontiguousarray(xy[:, 1]),
        np.ascontiguousarray(w),
        np.ascontiguousarray(peak, dtype=np.float64).reshape(-1, 3),
        _TABLES["dec"],  # type: ignore[arg-type]
        _TABLES["enc"],  # type: ignore[arg-type]
        order,
        starts,
    )
    return int(kept.size)
