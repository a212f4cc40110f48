"""The result of dot detection: every deposit in a photo with its measures and flags."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["FLAGS", "REJECTIONS", "DotMap", "Spots"]

#: The flags a dot may carry.
FLAGS = ("oversize", "blowout", "blue", "merged")
#: Why a dark spot is not a dot: too small (a pore, a hair end-on), a line (a hair), a lesion (freckle,
#: mole: too large), brown (melanin's colour, not ink's), glint (the surround of a specular highlight).
REJECTIONS = ("small", "line", "lesion", "brown", "glint")


@dataclass(frozen=True)
class DotMap:
    """Every deposit found in a photo, and the dark spots set aside as not dots.

    Positions are in the photo's pixels with the centre of the top-left pixel at (0, 0); ``rows_px`` grow
    downwards, ``cols_px`` to the right.

    Attributes
    ----------
    rows_px, cols_px : ndarray of shape (K,)
        Deposit centres. [px]
    fwhm_mm : ndarray of shape (K,)
        Apparent diameter, the full width at half maximum of the darkening. [mm]
    contrast : ndarray of shape (K,)
        Peak darkening of the luminance against the local skin, ``1 - Y/Y_skin``. [-]
    blue_shift : ndarray of shape (K,)
        ``-Δb*/|ΔL*|`` of the dot's core against the local skin
        (:func:`smpstudio.skin.colour_shift.blue_shift`). [-]
    delta_l : ndarray of shape (K,)
        ΔL* of the core against the skin (negative: darker). [-]
    blur_mm : ndarray of shape (K,)
        Edge width, 20-80 % of the peak contrast along the radius. [mm]
    blob : ndarray of shape (K,), int
        Deposits in one blob share the number.
    flags : tuple of tuple of str
        Each deposit's flags among :data:`FLAGS`.
    rejected_rows_px, rejected_cols_px, rejected_fwhm_mm : ndarray
        Dark spots that are not dots. [px], [mm]
    rejected_reasons : tuple of str
        Why, among :data:`REJECTIONS`.
    typical_contrast, typical_blue_shift : float or None
        The photo's typical dot (median of the ordinary dots); None with no dots.
    mm_per_px : float
        Scale. [mm/px]
    shape : tuple of int
        The photo's (rows, columns).
    warnings : tuple of str
    """

    rows_px: NDArray[np.float64]
    cols_px: NDArray[np.float64]
    fwhm_mm: NDArray[np.float64]
    contrast: NDArray[np.float64]
    blue_shift: NDArray[np.float64]
    delta_l: NDArray[np.float64]
    blur_mm: NDArray[np.float64]
    blob: NDArray[np.int64]
    flags: tuple[tuple[str, ...], ...]
    rejected_rows_px: NDArray[np.float64]
    rejected_cols_px: NDArray[np.float64]
    rejected_fwhm_mm: NDArray[np.float64]
    rejected_reasons: tuple[str, ...]
    typical_contrast: float | None
    typical_blue_shift: float | None
    mm_per_px: float
    shape: tuple[int, int]
    warnings: tuple[str, ...] = field(default=())

    @property
    def count(self) -> int:
        """Number of deposits."""
        return int(self.rows_px.size)


@dataclass
class Spots:
    """Per-spot measurements while :func:`~smpstudio.repair.detect.detect_dots` works (widths in mm,
    angle of the longest diameter in radians from the column axis towards the rows)."""

    rows: NDArray[np.float64]
    cols: NDArray[np.float64]
    fwhm_mm: NDArray[np.float64]
    major_mm: NDArray[np.float64]
    minor_mm: NDArray[np.float64]
    angle: NDArray[np.float64]
    contrast: NDArray[np.float64]
    blur_mm: NDArray[np.float64]
    peak: NDArray[np.float64]

    def take(self, index: NDArray[np.int64]) -> Spots:
        return Spots(**{k: v[index] for k, v in self.__dict__.items()})
