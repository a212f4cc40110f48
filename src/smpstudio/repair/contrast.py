"""The skin around the dots and how much darker each pixel is: a photo's local skin and its contrast image.

A close-up's lighting is uneven (a phone's flash or a ring light falls off across the frame) and its
exposure is arbitrary, so a dot is measured against the skin beside it, not against a fixed level: the
*contrast* of a pixel is ``1 - Y / Y_skin``, its relative luminance ``Y`` (linear sRGB,
IEC 61966-2-1 [iec61966-2-1]) over that of the local skin. A multiplicative light field cancels in the
ratio, as the Weber contrast of vision and photometry does ([crocker1996] subtract a local background for
the same reason).

The local skin is a high percentile of block means over a window a few millimetres wide: dots are dark
and cover a minority of any such window even at "helmet" densities, while the bright minority (specular
highlights) is first brought down to the window's median level so that it cannot lift the percentile. The
block and window sizes are in millimetres, so the estimate means the same at 20 and at 60 px/mm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

__all__ = [
    "SRGB_DECODE",
    "SkinBackground",
    "block_means",
    "contrast_image",
    "linear_block_means",
    "linear_rgb",
    "separable_percentile",
    "skin_background",
    "skin_luminance_at",
]

FloatArray = NDArray[np.float32]

#: Linear-sRGB to relative luminance Y, Rec. 709 primaries (IEC 61966-2-1 [iec61966-2-1]). [-]
LUMINANCE_WEIGHTS = (0.2126, 0.7152, 0.0722)
#: Side of the blocks averaged before the percentile. [mm]
BLOCK_MM = 0.25
#: Side of the window over which the skin's percentile is taken. [mm]
WINDOW_MM = 3.0
#: Percentile (over rows, then columns: about the 80th of the square window) of the block means taken as
#: the skin's level: above the dots, below the highlights. [%]
SKIN_PERCENTILE = 70.0
#: Blocks at or above this share of the skin's level count for the skin's colour. [-]
SKIN_BAND = 0.97
#: Blocks brighter than this times their window's median are highlights. [-]
HIGHLIGHT_RATIO = 1.25


def _srgb_decode_table() -> NDArray[np.float32]:
    """The IEC 61966-2-1 decoding of the 256 8-bit code values to linear light. [-]"""
    c = np.arange(256, dtype=np.float64) / 255.0
    out = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return out.astype(np.float32)


#: Linear light of each 8-bit sRGB code value. [-]
SRGB_DECODE = _srgb_decode_table()


def linear_rgb(image: NDArray[np.uint8]) -> FloatArray:
    """Decode an 8-bit sRGB image to linear light.

    Parameters
    ----------
    image : ndarray of shape (M, N, 3), uint8
        The photo, sRGB code values.

    Returns
    -------
    ndarray of shape (M, N, 3), float32
        Linear sRGB, 0-1 [iec61966-2-1]. [-]
    """
    return SRGB_DECODE[image]


@dataclass(frozen=True)
class SkinBackground:
    """The local skin on a coarse grid of blocks.

    Attributes
    ----------
    rgb : ndarray of shape (P, Q, 3), float32
        Linear sRGB of the local skin per block. [-]
    luminance : ndarray of shape (P, Q), float32
        Its relative luminance Y. [-]
    block_px : int
        Side of a block in the photo's pixels.
    """

    rgb: FloatArray
    luminance: FloatArray
    block_px: int

    def rgb_at(self, rows_px: NDArray[np.float64], cols_px: NDArray[np.float64]) -> NDArray[np.float64]:
        """The skin's linear RGB at photo positions, bilinear between block centres. [-]"""
        r = np.asarray(rows_px, dtype=np.float64) / self.block_px - 0.5
        c = np.asarray(cols_px, dtype=np.float64) / self.block_px - 0.5
        out = np.empty((r.size, 3))
        for k in range(3):
            out[:, k] = ndimage.map_coordinates(
                self.rgb[:, :, k].astype(np.float64), [r, c], order=1, mode="nearest"
            )
        return out


@nb.njit(cache=True)
def _block_sums(image: NDArray[np.float32], block: int) -> NDArray[np.float32]:  # pragma: no cover - numba
    rows, cols, chans = image.shape
    p, q = (rows + block - 1) // block, (cols + block - 1) // block
    out = np.zeros((p, q, chans), dtype=np.float32)
    for bi in range(p):
        for i in range(bi * block, min((bi + 1) * block, rows)):
            for j in range(cols):
                bj = j // block
                for k in range(chans):
                    out[bi, bj, k] += image[i, j, k]
    return out


@nb.njit(cache=True)
def _block_sums_u8(
    image: NDArray[np.uint8], lut: NDArray[np.float32], block: int
) -> NDArray[np.float32]:  # pragma: no cover - numba
    rows, cols = image.shape[0], image.shape[1]
    p, q = (rows + block - 1) // block, (cols + block - 1) // block
    out = np.zeros((p, q, 3), dtype=np.float32)
    for bi in range(p):
        for i in range(bi * block, min((bi + 1) * block, rows)):
            for j in range(cols):
                bj = j // block
                for k in range(3):
                    out[bi, bj, k] += lut[image[i, j, k]]
    return out


def _divide_by_counts(sums: NDArray[np.float32], rows: int, cols: int, block: int) -> NDArray[np.float32]:
    h = np.minimum(block, rows - block * np.arange(sums.shape[0]))
    w = np.minimum(block, cols - block * np.arange(sums.shape[1]))
    return np.asarray(sums / (h[:, None] * w[None, :]).astype(np.float32)[:, :, None], dtype=np.float32)


def block_means(image: NDArray[np.float32], block: int) -> NDArray[np.float32]:
    """Means of ``block`` x ``block`` tiles (the last tiles may be partial), of a 2-D or 3-D image."""
    flat = image.ndim == 2
    data = np.ascontiguousarray(image[:, :, None] if flat else image, dtype=np.float32)
    out = _divide_by_counts(_block_sums(data, block), data.shape[0], data.shape[1], block)
    return np.asarray(out[:, :, 0] if flat else out, dtype=np.float32)


def linear_block_means(image: NDArray[np.uint8], block: int) -> NDArray[np.float32]:
    """Linear-sRGB means of ``block`` x ``block`` tiles of an 8-bit sRGB image (decoded pixel by pixel,
    IEC 61966-2-1 [iec61966-2-1]). [-]"""
    data = np.ascontiguousarray(image[:, :, :3], dtype=np.uint8)
    return _divide_by_counts(_block_sums_u8(data, SRGB_DECODE, block), data.shape[0], data.shape[1], block)


def separable_percentile(image: NDArray[np.float32], percentile: float, size: int) -> NDArray[np.float32]:
    """The percentile over ``size`` rows, then over ``size`` columns: a fast stand-in for the square
    window's percentile (a percentile of percentiles; for the 70th, about the square's 80th)."""
    along = ndimage.percentile_filter(image, percentile, size=(size, 1), mode="nearest")
    return np.asarray(
        ndimage.percentile_filter(along, percentile, size=(1, size), mode="nearest"), dtype=np.float32
    )


def skin_background(image: NDArray[np.uint8], mm_per_px: float) -> SkinBackground:
    """Estimate the local skin's colour and luminance over the photo.

    Parameters
    ----------
    image : ndarray of shape (M, N, 3), uint8
        The photo, sRGB.
    mm_per_px : float
        Scale of the photo. [mm/px]

    Returns
    -------
    SkinBackground
        The luminance: the :data:`SKIN_PERCENTILE` percentile (separable) of :data:`BLOCK_MM` block means
        over a :data:`WINDOW_MM` window, highlights first brought down to the window's median; the colour:
        that luminance times the mean chromaticity (RGB over Y) of the window's blocks at the skin's level.
    """
    block = max(1, round(BLOCK_MM / mm_per_px))
    means = linear_block_means(image, block)
    window = max(3, round(WINDOW_MM / (block * mm_per_px)) | 1)
    w = LUMINANCE_WEIGHTS
    lum0 = (w[0] * means[:, :, 0] + w[1] * means[:, :, 1] + w[2] * means[:, :, 2]).astype(np.float32)
    # Highlights first: a block brighter than HIGHLIGHT_RATIO times the window's median is brought down to
    # that median, so that a cluster of glints cannot lift the percentile and make the skin beside it
    # read as dark.
    median = separable_percentile(lum0, 50.0, window)
    lum = np.where(lum0 > HIGHLIGHT_RATIO * median, median, lum0)
    level = separable_percentile(lum, SKIN_PERCENTILE, window)
    level = ndimage.uniform_filter(level, size=3, mode="nearest")
    skin = (lum >= SKIN_BAND * level).astype(np.float32)
    weight = ndimage.uniform_filter(lum0 * skin, size=window, mode="nearest")
    rgb = np.empty_like(means)
    fallback = means.reshape(-1, 3).sum(axis=0) / max(float(lum0.sum()), 1e-9)
    for k in range(3):
        part = ndimage.uniform_filter(means[:, :, k] * skin, size=window, mode="nearest")
        chroma = np.where(weight > 1e-9, part / np.maximum(weight, 1e-9), fallback[k])
        rgb[:, :, k] = level * chroma
    return SkinBackground(rgb=rgb, luminance=np.maximum(level, 1e-4).astype(np.float32), block_px=block)


@nb.njit(cache=True)
def skin_luminance_at(coarse: FloatArray, block: int, row: float, col: float) -> float:  # pragma: no cover
    """The local skin's luminance at a photo position (pixel centres at integers), bilinear between the
    centres of the blocks of ``coarse``. [-]"""
    p, q = coarse.shape
    y = min(max((row + 0.5) / block - 0.5, 0.0), p - 1.0)
    x = min(max((col + 0.5) / block - 0.5, 0.0), q - 1.0)
    i0 = min(math.floor(y), p - 2) if p > 1 else 0
    j0 = min(math.floor(x), q - 2) if q > 1 else 0
    ty = y - i0 if p > 1 else 0.0
    tx = x - j0 if q > 1 else 0.0
    i1 = i0 + 1 if p > 1 else 0
    j1 = j0 + 1 if q > 1 else 0
    return float(
        (1 - ty) * ((1 - tx) * coarse[i0, j0] + tx * coarse[i0, j1])
        + ty * ((1 - tx) * coarse[i1, j0] + tx * coarse[i1, j1])
    )


@nb.njit(cache=True)
def _contrast(
    image: NDArray[np.uint8], lut: NDArray[np.float32], coarse: FloatArray, block: int, factor: int
) -> FloatArray:  # pragma: no cover - numba
    rows, cols = image.shape[0], image.shape[1]
    p, q = (rows + factor - 1) // factor, (cols + factor - 1) // factor
    out = np.empty((p, q), dtype=np.float32)
    for a in range(p):
        for b in range(q):
            lum = 0.0
            n = 0
            for i in range(a * factor, min((a + 1) * factor, rows)):
                for j in range(b * factor, min((b + 1) * factor, cols)):
                    lum += (
                        0.2126 * lut[image[i, j, 0]]
                        + 0.7152 * lut[image[i, j, 1]]
                        + 0.0722 * lut[image[i, j, 2]]
                    )
                    n += 1
            centre_r = a * factor + 0.5 * (min((a + 1) * factor, rows) - a * factor - 1)
            centre_c = b * factor + 0.5 * (min((b + 1) * factor, cols) - b * factor - 1)
            out[a, b] = 1.0 - (lum / n) / skin_luminance_at(coarse, block, centre_r, centre_c)
    return out


def contrast_image(image: NDArray[np.uint8], skin: SkinBackground, factor: int = 1) -> FloatArray:
    """Contrast against the local skin, ``1 - Y / Y_skin``, of every ``factor`` x ``factor`` block of
    pixels (their mean luminance; ``factor`` 1: every pixel).

    Parameters
    ----------
    image : ndarray of shape (M, N, 3), uint8
        The photo, sRGB.
    skin : SkinBackground
        The local skin (:func:`skin_background`).
    factor : int
        Side of the blocks. [px]

    Returns
    -------
    ndarray of shape (ceil(M / factor), ceil(N / factor)), float32
        0 on bare skin, towards 1 for black, negative for highlights. [-]
    """
    data = np.ascontiguousarray(image[:, :, :3], dtype=np.uint8)
    return _contrast(data, SRGB_DECODE, skin.luminance, skin.block_px, factor)
