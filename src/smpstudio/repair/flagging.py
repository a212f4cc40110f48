"""From measured dots to deposits with flags: split merged blobs, find the photo's typical dot, flag.

The thresholds and their sources are in :mod:`smpstudio.repair.rules`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from smpstudio.repair.dotmap import DotMap, Spots
from smpstudio.repair.rules import DetectionRules

__all__ = ["flag_deposits"]

#: Fewest ordinary dots from which the photo's typical dot is their median (else the median of all dots).
MIN_TYPICAL = 3


def _blobs(n: int, joined: NDArray[np.int64]) -> NDArray[np.int64]:
    """Blob number of each of ``n`` dots, dots of a joined pair sharing one (connected components)."""
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    for a, b in joined:
        ra, rb = root(int(a)), root(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([root(i) for i in range(n)], dtype=np.int64)


def flag_deposits(
    dots: Spots,
    shift: NDArray[np.float64],
    delta_l: NDArray[np.float64],
    joined: NDArray[np.int64],
    *,
    rejected: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], tuple[str, ...]],
    mm_per_px: float,
    shape: tuple[int, int],
    rules: DetectionRules,
) -> DotMap:
    """Deposits and their flags from the measured dots of one photo.

    Parameters
    ----------
    dots : Spots
        The spots taken for dots.
    shift, delta_l : ndarray of shape (K,)
        Their blue shift and ΔL* against the local skin. [-]
    joined : ndarray of shape (P, 2), int
        Pairs of dots whose half-maximum outlines join (one blob).
    rejected : tuple
        Rows, columns [px], FWHM [mm] and reasons of the spots that are not dots.
    mm_per_px : float
        Scale. [mm/px]
    shape : tuple of int
        The photo's rows and columns.
    rules : DetectionRules
        Thresholds.

    Returns
    -------
    DotMap
    """
    n = dots.rows.size
    blob_of = _blobs(n, joined)
    in_pair = np.zeros(n, dtype=bool)
    in_pair[joined.reshape(-1)] = True
    aspect = dots.major_mm / np.maximum(dots.minor_mm, 1e-9)
    elongated = (
        (aspect >= rules.merged_aspect)
        & (aspect < rules.line_aspect)
        & (dots.minor_mm >= rules.min_dot_fwhm_mm)
    )
    # The typical contrast from the round, ordinary dots, before any split: a faint oversize spot (a
    # blow-out, whose outline the neighbours' tails deform) is not split into two deposits.
    round_ordinary = ~elongated & ~in_pair & (dots.fwhm_mm <= rules.oversize_fwhm_mm)
    base = float(np.median(dots.contrast[round_ordinary])) if round_ordinary.any() else None
    faint_wide = (dots.fwhm_mm > rules.oversize_fwhm_mm) & (
        dots.contrast < rules.blowout_contrast_share * base if base is not None else False
    )
    # A dot already joined to another peak is elongated by its partner, not by a second deposit of its own.
    split = elongated & ~faint_wide & ~in_pair
    rows: list[float] = []
    cols: list[float] = []
    fwhm: list[float] = []
    index: list[int] = []
    merged: list[bool] = []
    for i in range(n):
        if split[i]:
            half_px = 0.5 * (dots.major_mm[i] - dots.minor_mm[i]) / mm_per_px
            dr, dc = half_px * np.sin(dots.angle[i]), half_px * np.cos(dots.angle[i])
            for sign in (-1.0, 1.0):
                rows.append(float(dots.rows[i] + sign * dr))
                cols.append(float(dots.cols[i] + sign * dc))
                fwhm.append(float(dots.minor_mm[i]))
                index.append(i)
                merged.append(True)
        else:
            rows.append(float(dots.rows[i]))
            cols.append(float(dots.cols[i]))
            fwhm.append(float(dots.fwhm_mm[i]))
            index.append(i)
            merged.append(bool(in_pair[i]))
    idx = np.array(index, dtype=np.int64)
    fwhm_mm = np.array(fwhm, dtype=np.float64)
    is_merged = np.array(merged, dtype=bool)
    contrast = dots.contrast[idx] if idx.size else np.zeros(0)
    shifts = shift[idx] if idx.size else np.zeros(0)
    dl = delta_l[idx] if idx.size else np.zeros(0)
    warnings: list[str] = []
    ordinary = ~is_merged & (fwhm_mm <= rules.oversize_fwhm_mm)
    if idx.size == 0:
        typical_c = typical_b = None
        warnings.append("no dots found")
    else:
        pool = ordinary if ordinary.sum() >= MIN_TYPICAL else np.ones(idx.size, dtype=bool)
        if ordinary.sum() < MIN_TYPICAL:
            warnings.append("fewer than 3 ordinary dots: the typical dot is the median of all dots")
        typical_c = float(np.median(contrast[pool]))
        typical_b = float(np.median(shifts[pool]))
    flags: list[tuple[str, ...]] = []
    for k in range(idx.size):
        f: list[str] = []
        oversize = fwhm_mm[k] > rules.oversize_fwhm_mm
        if oversize:
            f.append("oversize")
        soft = dots.blur_mm[idx[k]] >= rules.blowout_softness * fwhm_mm[k]
        if (
            oversize
            and soft
            and typical_c is not None
            and contrast[k] < rules.blowout_contrast_share * typical_c
        ):
            f.append("blowout")
        if (
            typical_b is not None
            and -dl[k] >= rules.min_blue_delta_l
            and shifts[k] > typical_b + rules.blue_margin
        ):
            f.append("blue")
        if is_merged[k]:
            f.append("merged")
        flags.append(tuple(f))
    return DotMap(
        rows_px=np.array(rows, dtype=np.float64),
        cols_px=np.array(cols, dtype=np.float64),
        fwhm_mm=fwhm_mm,
        contrast=np.asarray(contrast, dtype=np.float64),
        blue_shift=np.asarray(shifts, dtype=np.float64),
        delta_l=np.asarray(dl, dtype=np.float64),
        blur_mm=dots.blur_mm[idx] if idx.size else np.zeros(0),
        blob=blob_of[idx] if idx.size else np.zeros(0, dtype=np.int64),
        flags=tuple(flags),
        rejected_rows_px=rejected[0],
        rejected_cols_px=rejected[1],
        rejected_fwhm_mm=rejected[2],
        rejected_reasons=rejected[3],
        typical_contrast=typical_c,
        typical_blue_shift=typical_b,
        mm_per_px=mm_per_px,
        shape=shape,
        warnings=tuple(warnings),
    )
