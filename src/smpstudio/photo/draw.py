"""Drawing spots on an 8-bit photo in linear light, in place, touching only the pixels under the spots.

Each spot multiplies the linear light of the pixels it covers by ``1 - m D_k g(r)``: ``g`` a Gaussian of
unit peak whose pixel sum equals its continuous integral ``π w² / (4 ln 2)`` (so a treated area's mean tone is
the model's at any photo scale, as :func:`smpstudio.render.dots.splat_spots` keeps it), ``D_k`` the spot's
darkening per channel and ``m`` the scalp mask (0-255: how much of the pixel is scalp skin, so a spot fades
into the remaining hair). A spot covers the pixels whose centres lie within :data:`REACH_SIGMA` standard
deviations of its centre (a disc), and is normalised over them. Spots narrower than
:data:`SUBPIXEL_FWHM_PX` spread their area bilinearly over the four nearest pixels. Pixels are decoded
through a 256-entry table and encoded through a piecewise-linear table of continuous sRGB codes, rounded
with a fixed ordered dither so that faint spot tails keep their mean instead of rounding away: no float copy
of the photo is made, and pixels no spot touches keep their values exactly.

Speed: the Gaussian is separable (a row and a column of weights per spot, each by a recurrence of three
exponentials), the spots are drawn in bands of rows sorted by column (the memory they touch is fetched ahead
of them), and bands far enough apart are drawn in parallel, in a fixed order (the same image on any number
of threads).
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np
from llvmlite import ir  # type: ignore[import-untyped]
from numba.core import cgutils, types
from numba.extending import intrinsic
from numpy.typing import NDArray

from smpstudio.photo.image_io import srgb8_to_linear_lut

__all__ = ["ENCODE_STEPS", "REACH_SIGMA", "SUBPIXEL_FWHM_PX", "draw_spots", "linear_to_srgb8_lut"]

#: Spots narrower than this FWHM go to the four nearest pixels as area. [px]
SUBPIXEL_FWHM_PX = 1.2
#: Gaussian spots cover the pixels whose centres lie within this many standard deviations, normalised over
#: them so their integral stays the model's. [-]
REACH_SIGMA = 2.5
#: The farthest a spot reaches from its centre (a spot of about 30 px FWHM). [px]
MAX_REACH_PX = 31.0
#: The lowest band of rows drawn at once. [px]
MIN_BAND_PX = 8
#: Nodes of the linear-to-sRGB encoding table, interpolated linearly: its error stays below 0.005 of an
#: 8-bit code (0.0042 at most, near the curve's joint at 0.0031308). [-]
ENCODE_STEPS = 4096
#: Spots fetched ahead of the one drawn. [-]
AHEAD = 4

_TOP = float(ENCODE_STEPS - 1)
_SCRATCH = 2 * int(MAX_REACH_PX) + 4
_SQRT_8_LN2 = float(np.sqrt(8.0 * np.log(2.0)))
_AREA = float(np.pi / (4.0 * np.log(2.0)))


def _prefetch_typing(typingctx: Any, arr: Any, offset: Any) -> Any:
    """``_prefetch(arr, offset)``: ask the processor to fetch the cache line of ``arr``'s byte ``offset``
    (a hint: it never faults, whatever the offset)."""
    if not isinstance(arr, types.Array):
        return None
    sig = types.void(arr, types.intp)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        ptr = builder.gep(builder.bitcast(data, ir.IntType(8).as_pointer()), [args[1]])
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [ir.IntType(8).as_pointer(), i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")  # type: ignore[no-untyped-call]
        builder.call(fn, [ptr, i32(1), i32(3), i32(1)])  # for writing, keep in all caches, data
        return context.get_dummy_value()

    return sig, codegen


_prefetch: Any = intrinsic(_prefetch_typing)


def linear_to_srgb8_lut() -> NDArray[np.float64]:
    """Continuous sRGB codes (0-255) of ``ENCODE_STEPS`` linear values from 0 to 1, each with the step to
    the next node (0 at the top), as ``(ENCODE_STEPS, 2)`` (IEC 61966-2-1 [iec61966-2-1])."""
    c = np.arange(ENCODE_STEPS, dtype=np.float64) / (ENCODE_STEPS - 1)
    s = np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1.0 / 2.4) - 0.055) * 255.0
    table = np.zeros((ENCODE_STEPS, 2), dtype=np.float64)
    table[:, 0] = s
    table[:-1, 1] = np.diff(s)
    return table


@nb.njit(cache=True, inline="always", fastmath=True)
def _encode(x: float, dither: float, enc: NDArray[np.float64]) -> int:
    """The 8-bit code of linear light ``x`` (in table steps), dithered."""
    x = min(max(x, 0.0), _TOP)
    i = int(x)
    return min(int(enc[2 * i] + (x - i) * enc[2 * i + 1] + dither), 255)


@nb.njit(cache=True, inline="always", fastmath=True)
def _shade(
    flat: NDArray[np.uint8],
    pixel: int,
    col: int,
    row_hash: int,
    g: float,
    a0: float,
    a1: float,
    a2: float,
    dec: NDArray[np.float64],
    enc: NDArray[np.float64],
) -> None:
    """Multiply one pixel's linear light by ``1 - a_k g`` per channel, re-encoded with the dither."""
    # A fixed ordered dither (a hash of the pixel), shifted by a third per channel, in place of rounding.
    h0 = ((row_hash ^ (col * 19349663)) & 1023) * (1.0 / 1024.0)
    h1 = h0 + (1.0 / 3.0)
    h1 = h1 - 1.0 if h1 >= 1.0 else h1
    h2 = h0 + (2.0 / 3.0)
    h2 = h2 - 1.0 if h2 >= 1.0 else h2
    o = 3 * pixel
    v0 = dec[flat[o]] * (1.0 - a0 * g)
    v1 = dec[flat[o + 1]] * (1.0 - a1 * g)
    v2 = dec[flat[o + 2]] * (1.0 - a2 * g)
    flat[o] = _encode(v0, h0, enc)
    flat[o + 1] = _encode(v1, h1, enc)
    flat[o + 2] = _encode(v2, h2, enc)


@nb.njit(cache=True, inline="always", fastmath=True)
def _gaussian_row(out: NDArray[np.float64], n: int, d0: float, inv: float, rho: float) -> float:
    """``out[j] = exp(-(d0 + j)² inv)`` for ``j < n`` by the ratio of neighbours; returns their sum."""
    e = np.exp(-d0 * d0 * inv)
    q = np.exp(-(2.0 * d0 + 1.0) * inv)
    total = 0.0
    for j in range(n):
        out[j] = e
        total += e
        e *= q
        q *= rho
    return total


@nb.njit(cache=True, inline="always", fastmath=True)
def _draw_one(
    flat: NDArray[np.uint8],
    mflat: NDArray[np.uint8],
    n_rows: int,
    n_cols: int,
    c0: float,
    r0: float,
    w: float,
    p0: float,
    p1: float,
    p2: float,
    dec: NDArray[np.float64],
    enc: NDArray[np.float64],
    wr: NDArray[np.float64],
    wc: NDArray[np.float64],
    span: NDArray[np.int64],
) -> None:
    """Draw one spot centred at ``(c0, r0)``, FWHM ``w``, darkening ``p0-p2``; ``wr``, ``wc`` and ``span``
    are scratch (the row weights; the column weights then their running sums; each row's run of columns)."""
    integral = _AREA * w * w
    if w < SUBPIXEL_FWHM_PX:
        fr, fc = r0 - 0.5, c0 - 0.5
        br, bc = int(np.floor(fr)), int(np.floor(fc))
        tr, tc = fr - br, fc - bc
        for dr in range(2):
            for dc in range(2):
                rr, cc = br + dr, bc + dc
                if 0 <= rr < n_rows and 0 <= cc < n_cols and mflat[rr * n_cols + cc] > 0:
                    # Never past the spot's own peak (a sub-pixel spot's area can exceed a pixel).
                    wt = min((tr if dr else 1.0 - tr) * (tc if dc else 1.0 - tc) * integral, 1.0)
                    g = wt * mflat[rr * n_cols + cc] * (1.0 / 255.0)
                    _shade(flat, rr * n_cols + cc, cc, rr * 73856093, g, p0, p1, p2, dec, enc)
        return
    sigma = w / _SQRT_8_LN2
    reach = min(REACH_SIGMA * sigma, MAX_REACH_PX)
    # Pixels whose centres (index + 0.5) lie within the reach.
    rmin = max(int(np.ceil(r0 - 0.5 - reach)), 0)
    rmax = min(int(np.floor(r0 - 0.5 + reach)), n_rows - 1)
    cmin = max(int(np.ceil(c0 - 0.5 - reach)), 0)
    cmax = min(int(np.floor(c0 - 0.5 + reach)), n_cols - 1)
    if rmax < rmin or cmax < cmin:
        return
    inv = 1.0 / (2.0 * sigma * sigma)
    rho = np.exp(-2.0 * inv)
    _gaussian_row(wr, rmax - rmin + 1, rmin + 0.5 - r0, inv, rho)
    n_c = cmax - cmin + 1
    _gaussian_row(wc, n_c, cmin + 0.5 - c0, inv, rho)
    # The column weights' running sums (after the weights), for each row's sum over its run.
    acc = 0.0
    for i in range(n_c):
        acc += wc[i]
        wc[n_c + 1 + i] = acc
    wc[n_c] = 0.0
    # The disc: each row's run of columns, and the weights' sum over it for the normalisation.
    total = 0.0
    reach2 = reach * reach
    for j in range(rmax - rmin + 1):
        dy = rmin + j + 0.5 - r0
        half = np.sqrt(max(reach2 - dy * dy, 0.0))
        lo = max(int(np.ceil(c0 - 0.5 - half)), cmin)
        hi = min(int(np.floor(c0 - 0.5 + half)), cmax)
        span[2 * j], span[2 * j + 1] = lo, hi
        if hi >= lo:
            total += wr[j] * (wc[n_c + 1 + hi - cmin] - wc[n_c + lo - cmin])
    if total <= 0.0:
        return
    scale = integral / total * (1.0 / 255.0)  # the mask's 0-255 folded in
    for j in range(rmax - rmin + 1):
        rr = rmin + j
        row_w = scale * wr[j]
        a0, a1, a2 = p0 * row_w, p1 * row_w, p2 * row_w  # the row's weight folded into the darkening
        base = rr * n_cols
        row_hash = rr * 73856093
        for cc in range(span[2 * j], span[2 * j + 1] + 1):
            m8 = mflat[base + cc]
            if m8 > 0:
                _shade(flat, base + cc, cc, row_hash, wc[cc - cmin] * float(m8), a0, a1, a2, dec, enc)


@nb.njit(cache=True, inline="always")
def _fetch_ahead(
    flat: NDArray[np.uint8],
    mflat: NDArray[np.uint8],
    n_rows: int,
    n_cols: int,
    x: float,
    y: float,
    reach_px: int,
) -> None:
    """Prefetch the rows a spot at ``(x, y)`` will touch, photo and mask."""
    r, c = int(y), int(x)
    c_lo, c_hi = max(c - reach_px, 0), min(c + reach_px, n_cols - 1)
    for rr in range(max(r - reach_px, 0), min(r + reach_px, n_rows - 1) + 1):
        _prefetch(flat, 3 * (rr * n_cols + c_lo))
        _prefetch(flat, 3 * (rr * n_cols + c_hi) + 2)
        _prefetch(mflat, rr * n_cols + c_lo)
        _prefetch(mflat, rr * n_cols + c_hi)


@nb.njit(cache=True, inline="always", fastmath=True)
def _draw_band(
    flat: NDArray[np.uint8],
    mflat: NDArray[np.uint8],
    n_rows: int,
    n_cols: int,
    spots: NDArray[np.float64],
    starts: NDArray[np.int64],
    band: int,
    dec: NDArray[np.float64],
    enc: NDArray[np.float64],
    reach_px: int,
) -> None:
    """Draw the spots of one band in their order, fetching ahead the rows the next ones touch."""
    wr = np.empty(_SCRATCH)
    wc = np.empty(2 * _SCRATCH + 1)
    span = np.empty(2 * _SCRATCH, dtype=np.int64)
    hi = starts[band + 1]
    for j in range(starts[band], hi):
        if j + AHEAD < hi:
            xa, ya = spots[j + AHEAD, 0], spots[j + AHEAD, 1]
            _fetch_ahead(flat, mflat, n_rows, n_cols, xa, ya, reach_px)
        x, y, w = spots[j, 0], spots[j, 1], spots[j, 2]
        p0, p1, p2 = spots[j, 3], spots[j, 4], spots[j, 5]
        _draw_one(flat, mflat, n_rows, n_cols, x, y, w, p0, p1, p2, dec, enc, wr, wc, span)


@nb.njit(cache=True, parallel=True, fastmath=True)
def _draw_bands(
    img: NDArray[np.uint8],
    mask: NDArray[np.uint8],
    spots: NDArray[np.float64],
    starts: NDArray[np.int64],
    dec: NDArray[np.float64],
    enc: NDArray[np.float64],
    reach_px: int,
) -> None:
    """Draw the spots (rows ``x, y, fwhm, peak RGB`` in drawing order) band by band: the even bands at
    once, then the odd ones. A band is taller than two reaches, so the spots of two bands drawn at once
    never touch the same pixel; the order is fixed, so the image is the same whatever the number of
    threads."""
    flat = img.reshape(-1)
    mflat = mask.reshape(-1)
    n_rows, n_cols = mask.shape
    n_bands = starts.size - 1
    for phase in range(2):
        for b in nb.prange((n_bands - phase + 1) // 2):
            _draw_band(flat, mflat, n_rows, n_cols, spots, starts, 2 * b + phase, dec, enc, reach_px)


@nb.njit(cache=True)
def _inside(xy: NDArray[np.float64], w: NDArray[np.float64], rows: int, cols: int) -> tuple[int, float]:
    """How many spots have their centre in the photo and a width, and the widest of them. [-], [px]"""
    n, widest = 0, 0.0
    for i in range(w.size):
        x, y = xy[i, 0], xy[i, 1]
        if 0.0 <= x < cols and 0.0 <= y < rows and w[i] > 0.0:
            n += 1
            widest = max(widest, w[i])
    return n, widest


@nb.njit(cache=True)
def _sorted_spots(
    xy: NDArray[np.float64],
    w: NDArray[np.float64],
    peak: NDArray[np.float64],
    rows: int,
    cols: int,
    band_px: int,
    n: int,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The ``n`` spots inside the photo as rows ``x, y, fwhm, peak RGB``, by band of rows and then by
    column (a stable counting sort of each), and where each band starts among them."""
    n_bands = rows // band_px + 1
    kept = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(w.size):
        if 0.0 <= xy[i, 0] < cols and 0.0 <= xy[i, 1] < rows and w[i] > 0.0:
            kept[k] = i
            k += 1
    at = np.zeros(cols + 1, dtype=np.int64)
    for d in kept:
        at[int(xy[d, 0]) + 1] += 1
    for c in range(cols):
        at[c + 1] += at[c]
    by_col = np.empty(n, dtype=np.int64)
    for d in kept:
        col = int(xy[d, 0])
        by_col[at[col]] = d
        at[col] += 1
    starts = np.zeros(n_bands + 1, dtype=np.int64)
    for d in kept:
        starts[int(xy[d, 1]) // band_px + 1] += 1
    for b in range(n_bands):
        starts[b + 1] += starts[b]
    fill = starts[:-1].copy()
    spots = np.empty((n, 6), dtype=np.float64)
    for d in by_col:
        band = int(xy[d, 1]) // band_px
        j = fill[band]
        fill[band] += 1
        spots[j, 0], spots[j, 1], spots[j, 2] = xy[d, 0], xy[d, 1], w[d]
        spots[j, 3], spots[j, 4], spots[j, 5] = peak[d, 0], peak[d, 1], peak[d, 2]
    return spots, starts


_TABLES: dict[str, NDArray[np.float64]] = {}


def _tables() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The decoding table (linear light in encoding-table steps) and the flattened encoding table."""
    if "dec" not in _TABLES:
        _TABLES["dec"] = srgb8_to_linear_lut().astype(np.float64) * _TOP
        _TABLES["enc"] = np.ascontiguousarray(linear_to_srgb8_lut().reshape(-1))
    return _TABLES["dec"], _TABLES["enc"]


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
    if img.ndim != 3 or img.shape[2] != 3 or img.shape[:2] != mask.shape:
        raise ValueError("the photo must be (rows, cols, 3) and the mask must have its rows and columns")
    dec, enc = _tables()
    rows, cols = mask.shape
    xy = np.ascontiguousarray(xy_px, dtype=np.float64).reshape(-1, 2)
    w = np.ascontiguousarray(fwhm_px, dtype=np.float64).reshape(-1)
    n, widest = _inside(xy, w, rows, cols)
    reach_px = int(np.ceil(min(REACH_SIGMA * widest / _SQRT_8_LN2, MAX_REACH_PX))) + 1
    # Bands taller than two reaches; the spots of a band sorted by column, so the rows they touch are
    # swept from left to right.
    band_px = max(2 * reach_px + 2, MIN_BAND_PX)
    peak3 = np.ascontiguousarray(peak, dtype=np.float64).reshape(-1, 3)
    spots, starts = _sorted_spots(xy, w, peak3, rows, cols, band_px, n)
    work = np.ascontiguousarray(img, dtype=np.uint8)  # the photo itself when it is C-contiguous
    chunk = nb.set_parallel_chunksize(1)  # bands handed out one at a time: a head crowds some of them
    try:
        _draw_bands(work, np.ascontiguousarray(mask, dtype=np.uint8), spots, starts, dec, enc, reach_px)
    finally:
        nb.set_parallel_chunksize(chunk)
    if work is not img:
        img[...] = work
    return int(n)
