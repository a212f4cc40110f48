"""Find and measure every SMP dot in a calibrated close-up.

The pipeline, all in the photo's own scale (millimetres from ``mm_per_px``):

1. Contrast against the local skin (:mod:`smpstudio.repair.contrast`): uneven light cancels.
2. The contrast is taken on a working grid of about 20 px/mm (block means: a 49 px/mm photo is halved) and
   smoothed by a Gaussian of 0.04 mm: a band-pass whose low cut is the local skin, in the manner of
   Crocker & Grier [crocker1996].
3. Candidates: local maxima of the smoothed contrast that stand above the local skin level (the 30th
   percentile of 0.5 mm blocks over 2 mm) by :attr:`DetectionRules.min_contrast` and a number of noise
   deviations (measured on the photo's bare skin); none on the photo's outermost pixels, where a slope
   rising out of the photo cannot be told from a peak (a dot centred beyond the edge, or less than a
   pixel inside it, is not reported).
4. Measurement (:mod:`smpstudio.repair.measure`): sub-pixel centre on the full-resolution contrast (from
   the 8-bit photo, pixel by pixel), FWHM in 8 diameters from rays, edge width, peak contrast, the core's
   colour against the local skin; spots beside a strong highlight are set aside (``glint``).
5. One spot seen twice is fused; two deposits in one blob are ``merged`` (their half-maximum outlines
   join); one elongated peak is split into its two deposits; pores, hairs, lesions and brown spots are set
   aside as not dots (:mod:`smpstudio.repair.rules`).
6. The photo's typical dot (median of its ordinary dots) sets the bar for ``blue`` and ``blowout``.

The measured widths are corrected for the smoothing of step 2 (Gaussian widths add in quadrature), and the
peak contrast for the spread it causes (a Gaussian's peak times its area is kept).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from scipy.spatial import cKDTree

from smpstudio.repair.contrast import (
    SRGB_DECODE,
    SkinBackground,
    block_means,
    contrast_image,
    skin_background,
)
from smpstudio.repair.dotmap import DotMap, Spots
from smpstudio.repair.flagging import flag_deposits
from smpstudio.repair.measure import N_RAYS, centroids, core_colours, ray_radii, saddles, window_minima
from smpstudio.repair.rules import DEFAULT_RULES, DetectionRules
from smpstudio.skin.cielab import linear_srgb_to_xyz, xyz_to_lab

__all__ = ["detect_dots"]

#: Resolution of the working copy. [px/mm]
WORKING_PX_PER_MM = 20.0
#: Standard deviation of the working copy's smoothing. [mm]
SMOOTH_MM = 0.04
#: A spot beside a highlight brighter than this times its own contrast is the highlight's surround (the
#: camera's blur and JPEG ringing darken it), not a dot; "beside" is within this distance. [-], [mm]
GLINT_RATIO, GLINT_REACH_MM = 6.0, 0.5
#: Pixels within this contrast of the local skin level are bare skin for the noise estimate. [-]
SKIN_BAND = 0.015
_FWHM_PER_SIGMA = 2.0 * np.sqrt(2.0 * np.log(2.0))
_HALF = N_RAYS // 2


def _noise(smooth: NDArray[np.float32], level: NDArray[np.float32], sigma_px: float) -> float:
    """Noise deviation of the smoothed contrast on the bare skin: the larger of two estimates over the
    pixels within :data:`SKIN_BAND` of the local skin level (the dots' edges left out).

    * Pixel to pixel: 1.4826 x the median absolute deviation of neighbours' differences, over
      ``sqrt(2 (1 - exp(-1 / (4 sigma^2))))``, their deviation for Gaussian-smoothed white noise.
    * Spread: 1.4826 x the median absolute deviation of those pixels' contrast above the local level
      (within plus or minus :data:`SKIN_BAND`), which also holds noise correlated over several pixels
      (JPEG blocks, skin texture, uneven light).
    """
    rows, cols = smooth.shape
    block = max(1, int(np.ceil(rows / level.shape[0])))
    step = max(1, min(rows, cols) // 400)
    r = np.arange(0, rows, step)
    c = np.arange(0, cols, step)
    row_block = np.minimum(np.arange(rows) // block, level.shape[0] - 1)
    col_block = np.minimum(np.arange(cols) // block, level.shape[1] - 1)
    near_r = smooth[r] - level[row_block[r]][:, col_block] < SKIN_BAND  # the sampled rows, all columns
    near_c = smooth[:, c] - level[row_block][:, col_block[c]] < SKIN_BAND  # all rows, the sampled columns
    horiz = (smooth[r, 1:] - smooth[r, :-1])[near_r[:, 1:] & near_r[:, :-1]]
    vert = (smooth[1:, c] - smooth[:-1, c])[near_c[1:] & near_c[:-1]]
    d = np.concatenate([horiz, vert])
    if d.size < 100:
        return 0.0
    mad = 1.4826 * float(np.median(np.abs(d - np.median(d))))
    pixel = mad / float(np.sqrt(2.0 * (1.0 - np.exp(-1.0 / (4.0 * sigma_px * sigma_px)))))
    sample = smooth[r][:, c] - level[row_block[r]][:, col_block[c]]
    skin = sample[np.abs(sample) < SKIN_BAND]
    spread = 1.4826 * float(np.median(np.abs(skin - np.median(skin)))) if skin.size >= 100 else 0.0
    return max(pixel, spread)


def _skin_level(smooth: NDArray[np.float32], mm_per_w: float) -> NDArray[np.float32]:
    """Contrast of the bare skin itself, locally: the 30th percentile of 0.5 mm block means over 2 mm,
    on the block grid (slightly above 0 where the light changes fast; dots lie above it)."""
    block = max(1, round(0.5 / mm_per_w))
    means = block_means(smooth, block)
    size = max(3, round(2.0 / (block * mm_per_w)) | 1)
    return np.asarray(ndimage.percentile_filter(means, 30.0, size=size, mode="nearest"), dtype=np.float32)


def _candidates(
    smooth: NDArray[np.float32], level: NDArray[np.float32], margin: float, radius: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Local maxima of ``smooth`` at least ``margin`` above the local skin ``level`` (on blocks).

    None on the outermost pixels: the maximum filter compares a pixel there with the photo's edge
    repeated, so a slope rising out of the photo (uneven light, a JPEG block's ringing in a corner, a dot
    centred beyond the edge) reads there as a peak that nothing beyond the edge can confirm. A maximum a
    pixel or more inside has the photo on every side of it and is kept.
    """
    peak = ndimage.maximum_filter(smooth, size=2 * radius + 1, mode="nearest")
    is_max = (smooth >= peak) & (smooth >= float(level.min()) + margin)
    is_max[[0, -1], :] = False
    is_max[:, [0, -1]] = False
    rows, cols = np.nonzero(is_max)
    block = max(1, int(np.ceil(smooth.shape[0] / level.shape[0])))
    base = level[np.minimum(rows // block, level.shape[0] - 1), np.minimum(cols // block, level.shape[1] - 1)]
    keep = smooth[rows, cols] >= base + margin
    return rows[keep].astype(np.int64), cols[keep].astype(np.int64)


def _measure(
    image: NDArray[np.uint8],
    skin: SkinBackground,
    smooth: NDArray[np.float32],
    rows: NDArray[np.int64],
    cols: NDArray[np.int64],
    factor: int,
    sigma_w: float,
    noise: float,
    mm_per_px: float,
    rules: DetectionRules,
) -> Spots:
    peaks = smooth[rows, cols].astype(np.float64)
    mm_per_w = mm_per_px * factor
    max_r = 0.65 * rules.max_dot_fwhm_mm / mm_per_w
    tol = np.full(peaks.size, 3.0 * noise)
    radii, reached = ray_radii(
        smooth, rows.astype(np.float64), cols.astype(np.float64), peaks, max_r, tol, rules.same_spot_saddle
    )
    # Diameters from opposite rays; a ray stopped before half the peak (it ran into another spot) is
    # replaced by its opposite (a spot is taken as symmetric there); both stopped: no diameter.
    half_r = radii[:, 1, :]
    ok = reached >= 2
    first, second = half_r[:, :_HALF], half_r[:, _HALF:]
    ok1, ok2 = ok[:, :_HALF], ok[:, _HALF:]
    diam = np.where(ok1 & ok2, first + second, np.where(ok1, 2 * first, np.where(ok2, 2 * second, np.nan)))
    none = np.all(np.isnan(diam), axis=1)
    diam[none] = (first + second)[none]
    w_obs = np.nanmedian(diam, axis=1)
    major_obs = np.nanmax(diam, axis=1)
    minor_obs = np.nanmin(diam, axis=1)
    angle = 2.0 * np.pi * np.nanargmax(diam, axis=1) / N_RAYS
    spread2 = _FWHM_PER_SIGMA**2 * (sigma_w**2 + (1.0 - 1.0 / factor**2) / 12.0)

    def true_w(w: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(np.sqrt(np.maximum(w * w - spread2, 0.25)), dtype=np.float64)

    w = true_w(w_obs)
    scale = w / np.maximum(w_obs, 1e-9)
    full = reached >= 3
    widths = np.where(full, radii[:, 2, :] - radii[:, 0, :], np.nan)
    widths[~full.any(axis=1)] = (radii[:, 2, :] - radii[:, 0, :])[~full.any(axis=1)]
    edge = np.nanmedian(widths, axis=1) * scale
    # Sub-pixel centres on the full-resolution contrast, starting from the working copy's maxima.
    full_r = np.asarray(rows * factor + (factor - 1) / 2.0, dtype=np.float64)
    full_c = np.asarray(cols * factor + (factor - 1) / 2.0, dtype=np.float64)
    ref_r, ref_c = centroids(
        image,
        SRGB_DECODE,
        skin.luminance,
        skin.block_px,
        full_r,
        full_c,
        np.maximum(0.5 * w * factor, 1.5),
        20,
    )
    at = ndimage.map_coordinates(
        smooth, [(ref_r - (factor - 1) / 2.0) / factor, (ref_c - (factor - 1) / 2.0) / factor], order=1
    )
    peak_at = np.maximum(at.astype(np.float64), peaks * 0.5)
    gain = (w_obs / np.maximum(w, 1e-9)) ** 2
    return Spots(
        rows=ref_r,
        cols=ref_c,
        fwhm_mm=w * mm_per_w,
        major_mm=true_w(major_obs) * mm_per_w,
        minor_mm=true_w(minor_obs) * mm_per_w,
        angle=angle,
        contrast=np.clip(peak_at * gain, 0.0, 1.0),
        blur_mm=edge * mm_per_w,
        peak=peaks,
    )


def _pairs(spots: Spots, mm_per_px: float, reach: float) -> NDArray[np.int64]:
    """Pairs of spots whose centres are within ``reach`` times their mean FWHM."""
    if spots.rows.size < 2:
        return np.zeros((0, 2), dtype=np.int64)
    tree = cKDTree(np.column_stack([spots.rows, spots.cols]))
    limit = reach * float(np.max(spots.fwhm_mm)) / mm_per_px
    pairs = np.asarray(tree.query_pairs(limit, output_type="ndarray"), dtype=np.int64).reshape(-1, 2)
    if pairs.size == 0:
        return pairs
    dist = np.hypot(
        *(
            spots.rows[pairs[:, 0]] - spots.rows[pairs[:, 1]],
            spots.cols[pairs[:, 0]] - spots.cols[pairs[:, 1]],
        )
    )
    mean_w = 0.5 * (spots.fwhm_mm[pairs[:, 0]] + spots.fwhm_mm[pairs[:, 1]]) / mm_per_px
    return pairs[dist <= reach * mean_w]


def _saddle_ratio(
    spots: Spots,
    smooth: NDArray[np.float32],
    factor: int,
    pairs: NDArray[np.int64],
    *,
    of_stronger: bool = False,
) -> NDArray[np.float64]:
    """Lowest smoothed contrast between the two spots of each pair over the weaker (or the stronger)
    spot's peak."""
    wr = (spots.rows - (factor - 1) / 2.0) / factor
    wc = (spots.cols - (factor - 1) / 2.0) / factor
    low = saddles(smooth, wr, wc, pairs)
    pick = np.maximum if of_stronger else np.minimum
    ref = pick(spots.peak[pairs[:, 0]], spots.peak[pairs[:, 1]])
    return np.asarray(low / np.maximum(ref, 1e-9), dtype=np.float64)


def _fuse(
    spots: Spots, pairs: NDArray[np.int64], ratio: NDArray[np.float64], same: float
) -> NDArray[np.int64]:
    """Indices of the spots kept once maxima of one spot are fused: of each pair without a real dip
    between them, the weaker goes. Not transitive: a weak maximum on the flank between two dots does not
    join them into one."""
    keep = np.ones(spots.rows.size, dtype=bool)
    for (a, b), r in zip(pairs, ratio, strict=True):
        if r >= same:
            weaker = b if (spots.peak[a], -a) >= (spots.peak[b], -b) else a
            keep[weaker] = False
    return np.flatnonzero(keep).astype(np.int64)


def _colours(
    image: NDArray[np.uint8], spots: Spots, background_rgb: NDArray[np.float64], mm_per_px: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Blue shift, ΔL* and the skin's grey line per spot."""
    core = np.maximum(0.25 * spots.fwhm_mm / mm_per_px, 0.7)
    dot_lab = xyz_to_lab(linear_srgb_to_xyz(core_colours(image, SRGB_DECODE, spots.rows, spots.cols, core)))
    skin_lab = xyz_to_lab(linear_srgb_to_xyz(background_rgb))
    # The definitions of smpstudio.skin.colour_shift (blue_shift, grey_blue_shift), over all spots at once.
    d = dot_lab - skin_lab
    shift = -d[:, 2] / np.maximum(np.abs(d[:, 0]), 1e-6)
    grey = skin_lab[:, 2] / (skin_lab[:, 0] + 16.0)
    return shift, d[:, 0], grey


def _reject_reason(
    spots: Spots,
    shift: NDArray[np.float64],
    delta_l: NDArray[np.float64],
    grey: NDArray[np.float64],
    glint: NDArray[np.float64],
    rules: DetectionRules,
) -> list[str | None]:
    """Why each spot is not a dot (None: it is one); ``glint`` is the lowest contrast near it."""
    aspect = spots.major_mm / np.maximum(spots.minor_mm, 1e-9)
    out: list[str | None] = []
    for i in range(spots.rows.size):
        if aspect[i] >= rules.line_aspect or (aspect[i] >= 1.8 and spots.minor_mm[i] < rules.min_dot_fwhm_mm):
            out.append("line")
        elif spots.fwhm_mm[i] < rules.min_dot_fwhm_mm:
            out.append("small")
        elif spots.fwhm_mm[i] > rules.max_dot_fwhm_mm:
            out.append("lesion")
        elif delta_l[i] <= -2.0 and shift[i] < grey[i] - rules.brown_margin:
            out.append("brown")
        elif glint[i] < -GLINT_RATIO * spots.contrast[i]:
            out.append("glint")
        else:
            out.append(None)
    return out


def detect_dots(
    image: NDArray[np.uint8], mm_per_px: float, *, rules: DetectionRules = DEFAULT_RULES
) -> DotMap:
    """Find and measure every dot in a calibrated close-up.

    Parameters
    ----------
    image : ndarray of shape (M, N, 3), uint8
        The photo, sRGB.
    mm_per_px : float
        Its scale, about 0.017-0.05 for 20-60 px/mm. [mm/px]
    rules : DetectionRules
        Thresholds (:mod:`smpstudio.repair.rules`).

    Returns
    -------
    DotMap
    """
    image = np.ascontiguousarray(image[:, :, :3], dtype=np.uint8)
    skin = skin_background(image, mm_per_px)
    factor = max(1, int(1.0 / (mm_per_px * WORKING_PX_PER_MM)))
    work = contrast_image(image, skin, factor)
    sigma_w = max(0.7, SMOOTH_MM / (mm_per_px * factor))
    smooth = ndimage.gaussian_filter(work, sigma_w, mode="nearest").astype(np.float32)
    level = _skin_level(smooth, mm_per_px * factor)
    noise = _noise(smooth, level, sigma_w)
    margin = max(rules.min_contrast, rules.noise_sigmas * noise)
    radius = max(1, round(0.5 * rules.min_dot_fwhm_mm / (mm_per_px * factor)))
    rows, cols = _candidates(smooth, level, margin, radius)
    spots = _measure(image, skin, smooth, rows, cols, factor, sigma_w, noise, mm_per_px, rules)
    pairs = _pairs(spots, mm_per_px, 1.6)
    ratio = _saddle_ratio(spots, smooth, factor, pairs) if pairs.size else np.zeros(0)
    spots = spots.take(_fuse(spots, pairs, ratio, rules.same_spot_saddle))
    background = skin.rgb_at(spots.rows, spots.cols)
    shift, delta_l, grey = _colours(image, spots, background, mm_per_px)
    glint = window_minima(
        smooth,
        np.round((spots.rows - (factor - 1) / 2.0) / factor).astype(np.int64),
        np.round((spots.cols - (factor - 1) / 2.0) / factor).astype(np.int64),
        max(1, round(GLINT_REACH_MM / (mm_per_px * factor))),
    )
    reasons = _reject_reason(spots, shift, delta_l, grey, glint, rules)
    is_dot = np.array([r is None for r in reasons], dtype=bool)
    dots = spots.take(np.flatnonzero(is_dot))
    gone = spots.take(np.flatnonzero(~is_dot))
    pairs = _pairs(dots, mm_per_px, 1.6)
    ratio = _saddle_ratio(dots, smooth, factor, pairs, of_stronger=True) if pairs.size else np.zeros(0)
    joined = pairs[ratio >= 0.5] if pairs.size else pairs
    return flag_deposits(
        dots,
        shift[is_dot],
        delta_l[is_dot],
        joined,
        rejected=(gone.rows, gone.cols, gone.fwhm_mm, tuple(r for r in reasons if r is not None)),
        mm_per_px=mm_per_px,
        shape=(int(image.shape[0]), int(image.shape[1])),
        rules=rules,
    )
