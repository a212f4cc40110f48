r"""The healed dot as the eye sees it: an apparent spot from light transport, and a treated area's tone.

A healed SMP dot is a small pigment deposit in the papillary dermis, seen through the skin above it.
The appearance table (:mod:`smpstudio.skin.appearance_table`) gives, by Monte Carlo light transport, two
things about it: the reflectance of a laterally infinite deposit against the bare skin (the *dot ratio*,
per linear-sRGB channel: how dark the ink's optical depth makes the centre of a wide deposit) and the blur
FWHM of the light that visits the deposit's depth and comes back out (the skin's point spread there).
This module turns those into the spot a renderer draws and the mean tone of a treated area.

Model
-----
The apparent spot is a Gaussian darkening of the skin's reflectance,

.. math:: R(r) = R_\mathrm{skin} \left(1 - D_k\, e^{-4 \ln 2\, r^2 / w^2}\right),

per channel ``k``, with

* width ``w`` (FWHM): the absorbing deposit (a disc of diameter ``f d``, ``d`` the design's healed dot
  diameter) convolved with the visible core of the skin's point spread,
  ``w = sqrt((0.833 f d)^2 + (s b)^2)``, ``b`` the table's blur FWHM at the deposit's depth;
  0.833 makes a Gaussian of the same peak and area as the disc;
* integral ``∫ D_k dA = G (1 - ratio_k) π (f d)^2 / 4``: the laterally infinite deposit's darkening per
  unit area times the absorbing area, times ``G``, the gain of a small buried absorber, which diffuse
  light reaches on several passes where the infinite layer of the table meets each path once;
* peak ``D_k`` = integral / (π w² / (4 ln 2)), never darker than the infinite deposit (``1 - ratio_k``):
  a spot that would be spreads to ``w = f d sqrt(G ln 2)``, which holds the integral at that darkness.

A treated area seen from far enough that its dots are not resolved has the mean reflectance
``R_skin (1 - n ∫ D_k dA)`` for ``n`` dots per unit area; dots about 1 mm apart with spots of a few
tenths of a millimetre barely overlap, and the preview draws exactly these spots
(:mod:`smpstudio.render.preview`), so its treated areas have this mean.

Calibration
-----------
Three numbers are calibrated together (:class:`HealedDotModel`), each a configurable default with its
range: the absorbing width factor ``f`` (2.0, range 1.0-2.5: the pigment lies across the needle's track,
0.20-0.25 mm needles leaving fresh deposits up to 0.25 mm, while the design records the healed dark core
of 0.10-0.15 mm [clinic-technique], [clinic-dot-size]), the gain ``G`` (3.5, range 1-4, [D]) and the
visible share ``s`` of the light-transport blur (0.4, range 0.25-1.0, [M]: the returning light's spread
is cusp-shaped with long tails, and the eye's contrast sits in its core). Together they make the healed
default design darken the scalp against the forehead by 8-15 % in linear luminance in front views, as
healed SMP does in real before/after photos (median 11 %, range 0-22 %: five published pairs measured
for this project, grade [D], docs/healed-dots.md), with an apparent spot of about 0.35-0.45 mm at 90-130
dots/cm² (about 1 mm apart [rassman2015]).
``tests/validation/test_healed_look.py`` holds the calibration.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from smpstudio.errors import check_range

__all__ = [
    "DEFAULT_DEPOSIT_DIAMETER_MM",
    "DEFAULT_MODEL",
    "DISC_TO_GAUSSIAN_FWHM",
    "GAUSSIAN_AREA_PER_FWHM2",
    "LUMINANCE_WEIGHTS",
    "HealedDotModel",
    "linear_to_srgb",
    "luminance",
    "spot_fwhm_mm",
    "spot_integral_mm2",
    "spot_peak_darkening",
    "srgb_to_linear",
    "treated_area_reflectance_rgb",
]

FloatArray = NDArray[np.float64]

#: Linear-sRGB to relative luminance Y (IEC 61966-2-1 [iec61966-2-1], Rec. 709 primaries). [-]
LUMINANCE_WEIGHTS = np.array([0.2126, 0.7152, 0.0722])
#: Area of a Gaussian of unit peak over its FWHM squared: π / (4 ln 2). [-]
GAUSSIAN_AREA_PER_FWHM2 = float(np.pi / (4.0 * np.log(2.0)))
#: FWHM of the Gaussian with the peak and area of a disc, over the disc's diameter: sqrt(ln 2). [-]
DISC_TO_GAUSSIAN_FWHM = float(np.sqrt(np.log(2.0)))
#: The design's body-zone healed dot diameter (:mod:`smpstudio.design.maps`, [clinic-dot-size]). [mm]
DEFAULT_DEPOSIT_DIAMETER_MM = 0.12


@dataclass(frozen=True, slots=True)
class HealedDotModel:
    """The calibrated numbers of the apparent spot (see the module docstring for sources and ranges).

    Parameters
    ----------
    deposit_width_factor : float, default 2.0
        Absorbing width of the healed deposit over the design's healed dot diameter, 1.0-2.5. [-]
    crossing_gain : float, default 3.5
        Darkening integral of a small buried absorber over that of the same area of an infinite deposit,
        1-4. [-]
    visible_blur_share : float, default 0.4
        Share of the light-transport blur FWHM that the visible core of the spot takes, 0.25-1.0. [-]
    """

    deposit_width_factor: float = 2.0
    crossing_gain: float = 3.5
    visible_blur_share: float = 0.4

    def __post_init__(self) -> None:
        check_range("deposit_width_factor", self.deposit_width_factor, 1.0, 2.5)
        check_range("crossing_gain", self.crossing_gain, 1.0, 4.0)
        check_range("visible_blur_share", self.visible_blur_share, 0.25, 1.0)


DEFAULT_MODEL = HealedDotModel()


def srgb_to_linear(srgb: ArrayLike) -> FloatArray:
    """Decode sRGB values (0-1) to linear light (IEC 61966-2-1 [iec61966-2-1]). [-]"""
    c = np.asarray(srgb, dtype=np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((np.maximum(c, 0.0) + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(linear: ArrayLike) -> FloatArray:
    """Encode linear light (0-1) as sRGB values (IEC 61966-2-1 [iec61966-2-1]). [-]"""
    c = np.clip(np.asarray(linear, dtype=np.float64), 0.0, 1.0)
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1.0 / 2.4) - 0.055)


def luminance(rgb_linear: ArrayLike) -> FloatArray:
    """Relative luminance Y of linear-sRGB colours, over the last axis. [-]"""
    return np.asarray(np.asarray(rgb_linear, dtype=np.float64) @ LUMINANCE_WEIGHTS, dtype=np.float64)


def spot_fwhm_mm(
    deposit_diameter_mm: ArrayLike, blur_fwhm_mm: ArrayLike, *, model: HealedDotModel = DEFAULT_MODEL
) -> FloatArray:
    """FWHM of the apparent healed spot: the absorbing deposit convolved with the visible blur.

    Parameters
    ----------
    deposit_diameter_mm : array_like
        The design's healed dot diameter. [mm]
    blur_fwhm_mm : array_like
        The skin's light-transport blur FWHM at the deposit's depth (appearance table). [mm]
    model : HealedDotModel
        The calibrated numbers.

    Returns
    -------
    ndarray
        ``sqrt((0.833 f d)^2 + (s b)^2)``, at least ``f d sqrt(G ln 2)``: a narrower spot would need a
        centre darker than a wide deposit to hold its integral, so it spreads instead. [mm]

    Examples
    --------
    >>> round(float(spot_fwhm_mm(0.12, 0.86)), 3)
    0.398
    """
    d = model.deposit_width_factor * np.asarray(deposit_diameter_mm, dtype=np.float64)
    b = model.visible_blur_share * np.asarray(blur_fwhm_mm, dtype=np.float64)
    # A spot whose centre would be darker than a wide deposit spreads instead: the narrowest spot that
    # holds the integral at that darkness, G π (f d)² / 4 = π w² / (4 ln 2), whatever the ink.
    narrowest = d * np.sqrt(model.crossing_gain * np.log(2.0))
    return np.asarray(np.maximum(np.hypot(DISC_TO_GAUSSIAN_FWHM * d, b), narrowest), dtype=np.float64)


def spot_integral_mm2(
    dot_ratio_rgb: ArrayLike, deposit_diameter_mm: ArrayLike, *, model: HealedDotModel = DEFAULT_MODEL
) -> FloatArray:
    """Darkening integral of one spot per channel before the peak limit: ``G (1 - ratio) π (f d)² / 4``.

    Parameters
    ----------
    dot_ratio_rgb : array_like of shape (..., 3)
        Linear reflectance of a laterally infinite deposit over the bare skin's, per channel, 0-1. [-]
    deposit_diameter_mm : array_like of shape (...)
        The design's healed dot diameter. [mm]

    Returns
    -------
    ndarray of shape (..., 3)
        [mm²]
    """
    ratio = np.clip(np.asarray(dot_ratio_rgb, dtype=np.float64), 0.0, 1.0)
    d = model.deposit_width_factor * np.asarray(deposit_diameter_mm, dtype=np.float64)
    area = 0.25 * np.pi * d * d
    return np.asarray(model.crossing_gain * (1.0 - ratio) * area[..., None], dtype=np.float64)


def spot_peak_darkening(
    dot_ratio_rgb: ArrayLike,
    deposit_diameter_mm: ArrayLike,
    spot_fwhm_mm: ArrayLike,
    *,
    model: HealedDotModel = DEFAULT_MODEL,
) -> FloatArray:
    """Darkening ``D_k`` at the spot's centre (the fraction of the skin's reflectance it removes), per
    channel: the integral over the Gaussian's area, at most that of an infinite deposit (``1 - ratio``).

    Returns
    -------
    ndarray of shape (..., 3)
        0-1. [-]
    """
    ratio = np.clip(np.asarray(dot_ratio_rgb, dtype=np.float64), 0.0, 1.0)
    w = np.asarray(spot_fwhm_mm, dtype=np.float64)
    integral = spot_integral_mm2(ratio, deposit_diameter_mm, model=model)
    peak = integral / np.maximum(GAUSSIAN_AREA_PER_FWHM2 * w * w, 1e-12)[..., None]
    return np.asarray(np.minimum(peak, 1.0 - ratio), dtype=np.float64)


def treated_area_reflectance_rgb(
    skin_rgb_linear: ArrayLike,
    dot_ratio_rgb: ArrayLike,
    spot_fwhm_mm: float,
    dots_per_cm2: float,
    *,
    deposit_diameter_mm: float = DEFAULT_DEPOSIT_DIAMETER_MM,
    model: HealedDotModel = DEFAULT_MODEL,
) -> tuple[float, float, float]:
    """Mean linear reflectance of a treated area seen from far enough that its dots are not resolved.

    Parameters
    ----------
    skin_rgb_linear : array_like of shape (3,)
        The bare skin's linear-sRGB reflectance, 0-1. [-]
    dot_ratio_rgb : array_like of shape (3,)
        Linear reflectance of a laterally infinite deposit over the bare skin's (appearance table). [-]
    spot_fwhm_mm : float
        The apparent spot's FWHM (:func:`spot_fwhm_mm`). [mm]
    dots_per_cm2 : float
        Healed dots per square centimetre, 0-1000. [cm⁻²]
    deposit_diameter_mm : float, default 0.12
        The design's healed dot diameter. [mm]
    model : HealedDotModel
        The calibrated numbers.

    Returns
    -------
    tuple of float
        ``R_skin (1 - n ∫D dA)`` per channel, the integral of the spot the preview draws. [-]

    Examples
    --------
    >>> r = treated_area_reflectance_rgb((0.4, 0.3, 0.2), (0.35, 0.4, 0.5), 0.4, 100.0)
    >>> [round(x, 3) for x in r]
    [0.359, 0.271, 0.184]
    """
    check_range("spot_fwhm_mm", spot_fwhm_mm, 0.0, 10.0, unit="mm")
    check_range("dots_per_cm2", dots_per_cm2, 0.0, 1000.0, unit="dots/cm²")
    check_range("deposit_diameter_mm", deposit_diameter_mm, 0.0, 2.0, unit="mm")
    skin = np.asarray(skin_rgb_linear, dtype=np.float64).reshape(3)
    ratio = np.asarray(dot_ratio_rgb, dtype=np.float64).reshape(3)
    w = float(spot_fwhm_mm)
    peak = spot_peak_darkening(ratio, deposit_diameter_mm, w, model=model)
    integral = peak * GAUSSIAN_AREA_PER_FWHM2 * w * w
    mean = skin * np.clip(1.0 - dots_per_cm2 / 100.0 * integral, 0.0, 1.0)
    return (float(mean[0]), float(mean[1]), float(mean[2]))
