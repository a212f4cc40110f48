"""What a pigment dot looks like: reflectance spectra by light transport, then colour.

For a skin and a dot, the diffuse reflectance ``Rd(λ)`` over 400-700 nm comes from the Monte Carlo
engine (:mod:`smpstudio.skin.wang1995`) on the layer stacks of :mod:`smpstudio.skin.scalp`, once over
the dot (a laterally infinite deposit: the dot's centre) and once over bare skin. The specular part is
left out, as in a 45°/0° or diffuse-excluded measurement.

Colour (colour-science [colour-science]): ``XYZ = Σ Rd S x̄ / Σ S ȳ`` with the CIE 1931 2° observer and
illuminant D65 ([cie15]), then sRGB (IEC 61966-2-1 [iec61966-2-1]) and CIELAB (D65 white), and the
CIEDE2000 difference between dot and skin ([sharma2005]).

* ``blue_red_ratio``: linear-sRGB blue over red of the remitted light; a dot reads bluer than the
  skin when its ratio is above the skin's ([jacques1998], [jacques2013]).
* ``blue_shift``: how much of the dot's difference from the skin is a move towards blue rather than a
  darkening, ``-Δb* / |ΔL*|`` in CIELAB ([cie15]); see :func:`blue_shift`. It is what "deep ink turns
  blue" means: it rises with depth, while the blue/red ratio of the remitted light falls (over a shallow
  opaque deposit only the epidermis's own backscatter comes back, the bluest light there is). The dot
  takes away red light more than blue, more so the deeper it lies, as over a vein ([kienle1996]):
  :func:`removed_fraction`.
* ``blur_fwhm_mm``: full width at half maximum of the areal density of light that reaches the
  deposit's mid-depth and comes back out, around the point where it got there
  (:meth:`TransportResult.spread_fwhm_mm`), averaged over wavelength with weights ``S ȳ`` (luminance).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

from smpstudio.skin.colour_shift import blue_shift, grey_blue_shift, removed_fraction
from smpstudio.skin.pigments import PIGMENTS
from smpstudio.skin.scalp import Dot, ScalpSkin, scalp_stack

__all__ = [
    "WAVELENGTHS_NM",
    "DotAppearance",
    "Spectrum",
    "bare_spectrum",
    "blue_shift",
    "dot_appearance",
    "grey_blue_shift",
    "reflectance_spectrum",
    "removed_fraction",
    "spectrum_colour",
]

FloatArray = NDArray[np.float64]

#: Default spectral sampling. [nm]
WAVELENGTHS_NM: tuple[float, ...] = tuple(float(x) for x in range(400, 701, 20))
DEFAULT_PHOTONS = 20_000


@dataclass(frozen=True, eq=False)
class Spectrum:
    """Diffuse reflectance per wavelength with standard errors, and the spread of light at a probe depth.

    Parameters
    ----------
    wavelengths_nm : ndarray
        Wavelengths. [nm]
    reflectance : ndarray
        Diffuse reflectance ``Rd`` (specular excluded), per wavelength. [-]
    stderr : ndarray
        Standard error of ``reflectance``. [-]
    spread_fwhm_mm : ndarray
        FWHM of the light that reaches the probe depth and comes back out, or NaN without a probe. [mm]
    photons : int
        Photon packets per wavelength. [-]
    """

    wavelengths_nm: FloatArray
    reflectance: FloatArray
    stderr: FloatArray
    spread_fwhm_mm: FloatArray
    photons: int


@cache
def _observer() -> tuple[FloatArray, FloatArray, FloatArray]:
    """Wavelengths [nm], CIE 1931 2° colour matching functions and D65, 380-780 nm every 5 nm."""
    import colour  # here, as below: reading the appearance table needs no colour science

    shape = colour.SpectralShape(380, 780, 5)
    cmfs = colour.MSDS_CMFS["CIE 1931 2 Degree Standard Observer"].copy().align(shape)
    d65 = colour.SDS_ILLUMINANTS["D65"].copy().align(shape)
    return np.asarray(shape.wavelengths, dtype=np.float64), np.asarray(cmfs.values), np.asarray(d65.values)


def _xyz(wavelengths_nm: FloatArray, reflectance: FloatArray) -> FloatArray:
    lam, cmfs, d65 = _observer()
    r = np.interp(lam, wavelengths_nm, reflectance)
    k = 1.0 / np.sum(d65 * cmfs[:, 1])
    return np.asarray(k * np.sum((r * d65)[:, None] * cmfs, axis=0), dtype=np.float64)


def spectrum_colour(
    wavelengths_nm: Sequence[float] | FloatArray, reflectance: FloatArray
) -> dict[str, FloatArray]:
    """Colour of a reflectance spectrum under D65, seen by the CIE 1931 2° observer.

    Parameters
    ----------
    wavelengths_nm : sequence of float or ndarray
        Wavelengths of ``reflectance``, increasing; interpolated linearly onto 380-780 nm every 5 nm (held
        constant beyond the ends). [nm]
    reflectance : ndarray
        Reflectance at each wavelength. [-]

    Returns
    -------
    colours : dict
        ``xyz`` (CIE XYZ, Y of a perfect white = 1) [-], ``srgb`` (IEC 61966-2-1, 0-1, clipped) [-],
        ``linear_srgb`` (before the sRGB transfer function, not clipped) [-] and ``lab`` (CIELAB, D65
        white) [-], each an ndarray of shape (3,).

    Notes
    -----
    ``XYZ = Σ R S x̄ / Σ S ȳ`` [1]_ with ``S`` the D65 spectral power distribution; the white point of
    sRGB and CIELAB is D65, chromaticity (0.3127, 0.3290) [1]_ [2]_. A perfect white thus has Y = 1 and
    L* = 100, an 18 % grey L* = 116 × 0.18^(1/3) - 16 = 49.5 [1]_ and sRGB 1.055 × 0.18^(1/2.4) - 0.055
    = 0.461 [2]_.

    References
    ----------
    .. [1] CIE 15:2004, Colorimetry, 3rd ed., Commission Internationale de l'Éclairage, 2004.
       https://cie.co.at/publications/colorimetry-3rd-edition
    .. [2] IEC 61966-2-1:1999, Multimedia systems and equipment—Colour measurement and management—Part
       2-1: Default RGB colour space—sRGB. https://webstore.iec.ch/publication/6169
    .. [3] G. Sharma, W. Wu, E. N. Dalal, "The CIEDE2000 color-difference formula: implementation notes,
       supplementary test data, and mathematical observations," Color Res. Appl. 30(1), 21-30, 2005.
       :doi:`10.1002/col.20070`

    Examples
    --------
    >>> grey = spectrum_colour(WAVELENGTHS_NM, np.full(len(WAVELENGTHS_NM), 0.18))
    >>> grey["xyz"].round(3).tolist(), round(float(grey["lab"][0]), 2), grey["srgb"].round(3).tolist()
    ([0.171, 0.18, 0.196], 49.5, [0.461, 0.461, 0.461])
    """
    import colour

    xyz = _xyz(np.asarray(wavelengths_nm, dtype=np.float64), np.asarray(reflectance, dtype=np.float64))
    white = colour.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"]["D65"]
    linear = np.asarray(colour.XYZ_to_RGB(xyz, "sRGB", white, apply_cctf_encoding=False), dtype=np.float64)
    srgb = np.clip(np.asarray(colour.XYZ_to_sRGB(xyz), dtype=np.float64), 0.0, 1.0)
    lab = np.asarray(colour.XYZ_to_Lab(xyz, white), dtype=np.float64)
    return {"xyz": xyz, "srgb": srgb, "linear_srgb": linear, "lab": lab}


def reflectance_spectrum(
    skin: ScalpSkin,
    dot: Dot | None = None,
    *,
    wavelengths_nm: Sequence[float] = WAVELENGTHS_NM,
    photons: int = DEFAULT_PHOTONS,
    seed: int = 0,
    probe_depth_mm: float | None = None,
    progress: Callable[[int], None] | None = None,
) -> Spectrum:
    """Diffuse reflectance of ``skin`` (with ``dot``) at each wavelength, by Monte Carlo light transport.

    Parameters
    ----------
    skin : ScalpSkin
        The client's skin.
    dot : Dot or None, default None
        A laterally infinite pigment deposit (the dot's centre), or ``None`` for bare skin.
    wavelengths_nm : sequence of float, default :data:`WAVELENGTHS_NM`
        Wavelengths, within 400-1000 nm; 400-700 nm every 20 nm by default. [nm]
    photons : int, default 20000
        Photon packets per wavelength. [-]
    seed : int, default 0
        Seed of the first wavelength's random streams (wavelength ``i`` uses ``seed + 7919 i``).
    probe_depth_mm : float or None, default None
        Depth at which to tally the lateral spread of the light that comes back out. [mm]
    progress : callable or None, default None
        Called with the number of wavelengths done.

    Returns
    -------
    spectrum : Spectrum
        Diffuse reflectance (the specular part left out, as in a 45°/0° measurement) with its standard
        errors, and the spread FWHM at ``probe_depth_mm`` (NaN without a probe).

    Notes
    -----
    Each wavelength is one :func:`~smpstudio.skin.wang1995.simulate` run (MCML semantics [1]_) on
    :func:`~smpstudio.skin.scalp.scalp_stack`.

    References
    ----------
    .. [1] L. Wang, S. L. Jacques, L. Zheng, "MCML—Monte Carlo modeling of light transport in
       multi-layered tissues," Comput. Methods Programs Biomed. 47(2), 131-146, 1995.
       :doi:`10.1016/0169-2607(95)01640-F`
    """
    from smpstudio.skin.wang1995 import simulate  # here: reading the appearance table runs no transport

    lam = np.asarray(wavelengths_nm, dtype=np.float64)
    rd, se, fwhm = (np.empty(lam.size) for _ in range(3))
    probes = () if probe_depth_mm is None else (probe_depth_mm,)
    for i, wavelength in enumerate(lam):
        result = simulate(
            scalp_stack(skin, wavelength, dot),
            photons,
            seed=seed + 7919 * i,
            spread_depths_mm=probes,
            spread_bins=(0.005, 600),
        )
        rd[i] = result.diffuse_reflectance
        se[i] = result.stderr["diffuse_reflectance"]
        fwhm[i] = result.spread_fwhm_mm()[0] if probes else np.nan
        if progress is not None:
            progress(i + 1)
    return Spectrum(lam, rd, se, fwhm, photons)


@dataclass(frozen=True)
class DotAppearance:
    """The ``smp optics dot`` result: a dot's colour against the bare skin.

    Parameters
    ----------
    dot_srgb, skin_srgb : tuple of float
        sRGB (IEC 61966-2-1) of the dot's centre and of the bare skin, 0-1. [-]
    dot_lab, skin_lab : tuple of float
        CIELAB (D65 white) of the dot and of the skin. [-]
    delta_e2000 : float
        CIEDE2000 difference between dot and skin. [-]
    blue_red_ratio_dot, blue_red_ratio_skin : float
        Linear-sRGB blue over red of the remitted light; a dot reads bluer than the skin when its ratio
        is the higher. [-]
    blur_fwhm_mm : float
        Luminance-weighted FWHM of the spread of light at the deposit's mid-depth. [mm]
    blue_shift : float
        :func:`blue_shift` of the dot against the skin, ``-Δb* / |ΔL*|``. [-]
    """

    dot_srgb: tuple[float, float, float]
    skin_srgb: tuple[float, float, float]
    dot_lab: tuple[float, float, float]
    skin_lab: tuple[float, float, float]
    delta_e2000: float
    blue_red_ratio_dot: float
    blue_red_ratio_skin: float
    blur_fwhm_mm: float
    blue_shift: float

    def to_dict(self) -> dict[str, object]:
        """The fields as a JSON-ready dict (tuples as lists)."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


def _tuple3(a: FloatArray) -> tuple[float, float, float]:
    return (round(float(a[0]), 5), round(float(a[1]), 5), round(float(a[2]), 5))


def bare_spectrum(
    skin: ScalpSkin,
    dot: Dot,
    *,
    wavelengths_nm: Sequence[float] = WAVELENGTHS_NM,
    photons: int = DEFAULT_PHOTONS,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> Spectrum:
    """The bare skin's spectrum, probing the spread of light at the mid-depth of ``dot``'s deposit.

    Parameters
    ----------
    skin : ScalpSkin
        The client's skin.
    dot : Dot
        The deposit whose mid-depth is probed (its top, at least the epidermis's base, plus half the
        pigment's deposit thickness); the dot itself is left out.
    wavelengths_nm, photons, seed, progress
        As for :func:`reflectance_spectrum`.

    Returns
    -------
    spectrum : Spectrum
        The bare skin's diffuse reflectance and the spread FWHM at the probe depth [mm].
    """
    top = max(dot.depth_mm, skin.epidermis_mm)
    mid_depth = top + 0.5 * PIGMENTS[dot.pigment].deposit_mm
    return reflectance_spectrum(
        skin,
        None,
        wavelengths_nm=wavelengths_nm,
        photons=photons,
        seed=seed,
        probe_depth_mm=mid_depth,
        progress=progress,
    )


def dot_appearance(
    skin: ScalpSkin,
    dot: Dot,
    *,
    wavelengths_nm: Sequence[float] = WAVELENGTHS_NM,
    photons: int = DEFAULT_PHOTONS,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    bare: Spectrum | None = None,
) -> DotAppearance:
    """Colour of ``dot`` in ``skin`` against the bare skin, their difference and the dot's blur.

    Parameters
    ----------
    skin : ScalpSkin
        The client's skin.
    dot : Dot
        The pigment deposit.
    wavelengths_nm : sequence of float, default :data:`WAVELENGTHS_NM`
        Wavelengths, within 400-1000 nm. [nm]
    photons : int, default 20000
        Photon packets per wavelength and spectrum. [-]
    seed : int, default 0
        Seed of the bare skin's spectrum; the dot's uses ``seed + 1``.
    progress : callable or None, default None
        Called with (wavelengths done, total) over both spectra.
    bare : Spectrum or None, default None
        The bare skin's spectrum from :func:`bare_spectrum` for the same skin, wavelengths and deposit, to
        share it between dots that differ only in ink fraction or pigment; computed when ``None``.

    Returns
    -------
    appearance : DotAppearance
        sRGB and CIELAB of dot and skin (rounded to 5 decimals), their CIEDE2000 difference [3]_ (4
        decimals), blue/red ratios, the blur FWHM [mm] and the :func:`blue_shift`.

    Notes
    -----
    Colours as :func:`spectrum_colour` ([1]_, [2]_); the blur is the spread FWHM of the bare skin at the
    deposit's mid-depth averaged over wavelength with the luminance weights ``S ȳ``.

    References
    ----------
    .. [1] CIE 15:2004, Colorimetry, 3rd ed., Commission Internationale de l'Éclairage, 2004.
       https://cie.co.at/publications/colorimetry-3rd-edition
    .. [2] IEC 61966-2-1:1999, Multimedia systems and equipment—Colour measurement and management—Part
       2-1: Default RGB colour space—sRGB. https://webstore.iec.ch/publication/6169
    .. [3] G. Sharma, W. Wu, E. N. Dalal, "The CIEDE2000 color-difference formula: implementation notes,
       supplementary test data, and mathematical observations," Color Res. Appl. 30(1), 21-30, 2005.
       :doi:`10.1002/col.20070`
    """
    import colour

    n = len(wavelengths_nm)
    if bare is None:
        bare = bare_spectrum(
            skin,
            dot,
            wavelengths_nm=wavelengths_nm,
            photons=photons,
            seed=seed,
            progress=None if progress is None else (lambda i: progress(i, 2 * n)),
        )
    over = reflectance_spectrum(
        skin,
        dot,
        wavelengths_nm=wavelengths_nm,
        photons=photons,
        seed=seed + 1,
        progress=None if progress is None else (lambda i: progress(n + i, 2 * n)),
    )
    c_dot = spectrum_colour(over.wavelengths_nm, over.reflectance)
    c_skin = spectrum_colour(bare.wavelengths_nm, bare.reflectance)
    lam, cmfs, d65 = _observer()
    weight = np.interp(bare.wavelengths_nm, lam, cmfs[:, 1] * d65)
    ok = np.isfinite(bare.spread_fwhm_mm)
    blur = (
        float(np.sum(weight[ok] * bare.spread_fwhm_mm[ok]) / np.sum(weight[ok])) if ok.any() else float("nan")
    )
    return DotAppearance(
        dot_srgb=_tuple3(c_dot["srgb"]),
        skin_srgb=_tuple3(c_skin["srgb"]),
        dot_lab=_tuple3(c_dot["lab"]),
        skin_lab=_tuple3(c_skin["lab"]),
        delta_e2000=round(float(colour.delta_E(c_dot["lab"], c_skin["lab"], method="CIE 2000")), 4),
        blue_red_ratio_dot=round(float(c_dot["linear_srgb"][2] / c_dot["linear_srgb"][0]), 5),
        blue_red_ratio_skin=round(float(c_skin["linear_srgb"][2] / c_skin["linear_srgb"][0]), 5),
        blur_fwhm_mm=round(blur, 4),
        blue_shift=round(blue_shift(c_dot["lab"], c_skin["lab"]), 4),
    )
