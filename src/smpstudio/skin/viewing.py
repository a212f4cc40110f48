r"""What a person sees of a healed scalp from a distance, and what a phone close-up sees.

A normal eye resolves about one arc minute (20/20 or 6/6 vision: the strokes of a letter that subtends five
arc minutes, [visual-acuity]). Taken as the full width at half maximum of the eye's blur, that is

.. math:: b(D) = D \tan(1') \approx 0.291\ \mathrm{mm\ per\ metre}

on skin at distance ``D``: 0.15 mm at 0.5 m, 0.29 mm at 1 m, 0.58 mm at 2 m (:data:`VIEWING_DISTANCES_M`).
A phone close-up for dot work samples at least about 20 px per mm of skin ([M]: whole-head phone photos
give about 8-9 px/mm, too coarse for single dots); its blur is taken as two pixels, 0.1 mm.

The healed spot (:mod:`smpstudio.skin.healed_dot`) is a Gaussian of FWHM ``w`` and peak darkening ``D0``;
seen through a Gaussian blur ``b`` it stays a Gaussian of FWHM ``sqrt(w² + b²)`` and the same integral, so
its peak falls to ``D0 w² / (w² + b²)``. The dots of a treated area, ``s`` apart, leave a ripple on
its mean tone: for a lattice of Gaussian spots of FWHM ``w`` the first harmonic's amplitude is
``2 m exp(-2 π² σ² / s²)``, ``m`` the area's mean darkening and ``σ = w / (2 sqrt(2 ln 2))`` (never more
than a spot's own peak). The dots "read" as single dots while that ripple is above the eye's contrast
threshold at the pattern's spatial frequency ``f`` (cycles per degree: ``1 / s`` per mm at distance
``D``), ``0.01 / A(f)``: 1 % at the peak of the contrast sensitivity (0.2-1 %, [campbell1968]) scaled by the
Mannos-Sakrison sensitivity ``A(f) = 2.6 (0.0192 + 0.114 f) exp(-(0.114 f)^1.1)`` normalised to its
peak ([mannos1974]), which holds the eye's own optics. Below it the area reads as a uniform shade. The
area's mean darkening does not depend on distance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smpstudio.errors import check_range

__all__ = [
    "EYE_ACUITY_ARCMIN",
    "PHONE_CLOSE_UP_BLUR_MM",
    "VIEWING_DISTANCES_M",
    "SeenDot",
    "contrast_sensitivity",
    "eye_blur_fwhm_mm",
    "resolvable_size_mm",
    "ripple_contrast",
    "seen_dot",
]

#: Eye acuity: the detail a normal eye resolves (20/20 vision, [visual-acuity]). [arcmin]
EYE_ACUITY_ARCMIN = 1.0
#: The distances the preview, the timeline and the contrast figures speak of. [m]
VIEWING_DISTANCES_M = (0.5, 1.0, 2.0)
#: Blur of a phone close-up for dot work: two pixels at about 20 px/mm ([M]). [mm]
PHONE_CLOSE_UP_BLUR_MM = 0.1
#: The eye's best contrast threshold for a grating (0.2-1 %, [campbell1968]; the upper end). [-]
CONTRAST_THRESHOLD = 0.01
#: Area of a unit-peak Gaussian over its FWHM squared, π / (4 ln 2). [-]
_GAUSSIAN_AREA_PER_FWHM2 = float(np.pi / (4.0 * np.log(2.0)))
#: FWHM over standard deviation of a Gaussian, 2 sqrt(2 ln 2). [-]
_FWHM_PER_SIGMA = float(2.0 * np.sqrt(2.0 * np.log(2.0)))


def resolvable_size_mm(distance_m: float, *, acuity_arcmin: float = EYE_ACUITY_ARCMIN) -> float:
    """The smallest detail the eye resolves on skin at ``distance_m``, ``D tan(acuity)``. [mm]

    Examples
    --------
    >>> [round(resolvable_size_mm(d), 3) for d in VIEWING_DISTANCES_M]
    [0.145, 0.291, 0.582]
    """
    check_range("distance_m", distance_m, 0.01, 100.0, unit="m")
    check_range("acuity_arcmin", acuity_arcmin, 0.1, 20.0, unit="arcmin")
    return float(distance_m * 1000.0 * np.tan(np.radians(acuity_arcmin / 60.0)))


def eye_blur_fwhm_mm(distance_m: float, *, acuity_arcmin: float = EYE_ACUITY_ARCMIN) -> float:
    """FWHM of the eye's blur on skin at ``distance_m``: the resolvable size. [mm]"""
    return resolvable_size_mm(distance_m, acuity_arcmin=acuity_arcmin)


def ripple_contrast(spacing_mm: float, blur_fwhm_mm: float) -> float:
    """Share of a dot pattern's ripple (spacing ``spacing_mm``) left after a Gaussian blur of FWHM
    ``blur_fwhm_mm``: ``exp(-2 π² σ² / s²)``, the first harmonic's transfer. [-]

    Examples
    --------
    >>> round(ripple_contrast(1.0, 0.29), 3), round(ripple_contrast(1.0, 1.2), 3)
    (0.741, 0.006)
    """
    check_range("spacing_mm", spacing_mm, 1e-3, 100.0, unit="mm")
    check_range("blur_fwhm_mm", blur_fwhm_mm, 0.0, 100.0, unit="mm")
    sigma = blur_fwhm_mm / _FWHM_PER_SIGMA
    return float(np.exp(-2.0 * np.pi**2 * sigma**2 / spacing_mm**2))


@dataclass(frozen=True, slots=True)
class SeenDot:
    """A healed spot as an observer sees it.

    Parameters
    ----------
    fwhm_mm : float
        Apparent width through the observer's blur. [mm]
    peak_darkening : float
        Darkening at its centre, 0-1. [-]
    ripple : float
        Amplitude of the dot pattern's ripple on the area's tone (darkening, first harmonic), on the
        skin for the eye (whose sensitivity holds its blur), through the blur for a camera. [-]
    dots_resolved : bool
        Whether the dots read as single dots (the ripple above the contrast threshold at its frequency
        and the spacing above the blur).
    """

    fwhm_mm: float
    peak_darkening: float
    ripple: float
    dots_resolved: bool


def seen_dot(
    spot_fwhm_mm: float,
    peak_darkening: float,
    *,
    distance_m: float | None = None,
    blur_fwhm_mm: float | None = None,
    spacing_mm: float = 1.0,
) -> SeenDot:
    """A healed spot seen from ``distance_m`` (the eye) or through ``blur_fwhm_mm`` (a camera).

    Parameters
    ----------
    spot_fwhm_mm : float
        The spot's FWHM on the skin (:func:`smpstudio.skin.healed_dot.spot_fwhm_mm`). [mm]
    peak_darkening : float
        Its darkening at the centre, 0-1 (luminance). [-]
    distance_m : float, optional
        Viewing distance of an eye with :data:`EYE_ACUITY_ARCMIN`. [m]
    blur_fwhm_mm : float, optional
        A camera's blur instead (for a phone close-up, :data:`PHONE_CLOSE_UP_BLUR_MM`). [mm]
    spacing_mm : float, default 1.0
        Spacing of the dots (about 1 mm at 100 per cm², [rassman2015]). [mm]

    Examples
    --------
    >>> near, far = seen_dot(0.35, 0.5, blur_fwhm_mm=0.1), seen_dot(0.35, 0.5, distance_m=2.0)
    >>> round(near.peak_darkening, 3), round(far.peak_darkening, 3), near.dots_resolved
    (0.462, 0.133, True)
    """
    check_range("spot_fwhm_mm", spot_fwhm_mm, 0.0, 10.0, unit="mm")
    check_range("peak_darkening", peak_darkening, 0.0, 1.0)
    if (distance_m is None) == (blur_fwhm_mm is None):
        raise ValueError("give distance_m or blur_fwhm_mm")
    blur = eye_blur_fwhm_mm(distance_m) if distance_m is not None else float(blur_fwhm_mm or 0.0)
    seen = float(np.hypot(spot_fwhm_mm, blur))
    peak = peak_darkening * (spot_fwhm_mm**2 / seen**2 if seen > 0 else 1.0)
    mean = peak_darkening * _GAUSSIAN_AREA_PER_FWHM2 * spot_fwhm_mm**2 / spacing_mm**2
    if distance_m is not None:
        # The eye: the pattern on the skin against the threshold at its frequency (the CSF holds the blur).
        ripple = min(2.0 * mean * ripple_contrast(spacing_mm, spot_fwhm_mm), peak_darkening)
        cycles_per_degree = distance_m * 1000.0 * np.tan(np.radians(1.0)) / spacing_mm
        threshold = CONTRAST_THRESHOLD / max(contrast_sensitivity(cycles_per_degree), 1e-9)
    else:
        # A camera: its blur on the pattern, against the best threshold.
        ripple = min(2.0 * mean * ripple_contrast(spacing_mm, seen), peak)
        threshold = CONTRAST_THRESHOLD
    resolved = ripple > threshold and spacing_mm > blur
    return SeenDot(seen, float(peak), float(ripple), bool(resolved))


def contrast_sensitivity(cycles_per_degree: float) -> float:
    """The eye's contrast sensitivity at a spatial frequency, relative to its peak (Mannos and Sakrison
    [mannos1974]). [-]

    Examples
    --------
    >>> [round(contrast_sensitivity(f), 2) for f in (8.0, 17.5, 35.0)]
    [1.0, 0.63, 0.11]
    """
    f = float(cycles_per_degree)
    return float(_csf(f) / _CSF_PEAK)


def _csf(f: float) -> float:
    return float(2.6 * (0.0192 + 0.114 * f) * np.exp(-((0.114 * f) ** 1.1)))


_CSF_PEAK = max(_csf(f) for f in np.linspace(0.5, 30.0, 2951))
