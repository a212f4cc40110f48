"""Reduced scattering of skin and melanin absorption (Jacques 2013).

Jacques SL, *Optical properties of biological tissues: a review*, Phys Med Biol 2013;58:R37-R61,
doi:10.1088/0031-9155/58/11/R37 ([jacques2013] in docs/references.md).

Scattering, Eq. 2: ``mus'(λ) = a' [f_Ray (λ/500)^-4 + (1 - f_Ray)(λ/500)^-b_Mie]``, with ``a'`` the
reduced scattering at 500 nm; ``mus = mus' / (1 - g)``. Parameter sets ([jacques2013], transcribed from
Jacques 2013 Tables 1-2 by open codes; to verify against the PDF):

=========  ==========  =====  ======  ================================================
tissue     a' [cm⁻¹]   f_Ray  b_Mie   source
=========  ==========  =====  ======  ================================================
dermis     43.6        0.41   0.562   Table 2, skin average
epidermis  66.7        0.29   0.689   Table 1 (Salomatina et al. 2006, in vitro)
=========  ==========  =====  ======  ================================================

Melanin: ``mua_mel(λ) = 519 (λ/500)^-3.5 cm⁻¹``, the absorption inside melanosomes; the epidermis
absorbs ``M mua_mel + (1 - M) mua_baseline`` for a melanosome volume fraction ``M``.

Valid range: 400-1000 nm for these fits. Units returned: mm⁻¹ (the cm⁻¹ fits divided by 10).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["SCATTERING", "melanin_mua_per_mm", "reduced_scattering_per_mm"]

FloatArray = NDArray[np.float64]

#: (a' at 500 nm [cm⁻¹], Rayleigh fraction at 500 nm, Mie power) per tissue.
SCATTERING: dict[str, tuple[float, float, float]] = {
    "dermis": (43.6, 0.41, 0.562),
    "epidermis": (66.7, 0.29, 0.689),
}
MELANIN_MUA_500_PER_CM = 519.0
MELANIN_POWER = 3.5
VALID_NM = (400.0, 1000.0)


def _wavelength(wavelength_nm: ArrayLike) -> FloatArray:
    lam = np.asarray(wavelength_nm, dtype=np.float64)
    if np.any((lam < VALID_NM[0]) | (lam > VALID_NM[1])):
        raise ValueError(f"wavelength_nm must be within {VALID_NM[0]:g}-{VALID_NM[1]:g} nm")
    return lam


def reduced_scattering_per_mm(
    wavelength_nm: ArrayLike, tissue: Literal["dermis", "epidermis"] = "dermis"
) -> FloatArray:
    """Reduced scattering coefficient ``mus'`` of dermis or epidermis (Jacques 2013, Eq. 2).

    Parameters
    ----------
    wavelength_nm : array-like
        Wavelength, within 400-1000 nm. [nm]
    tissue : {'dermis', 'epidermis'}, default 'dermis'
        Which parameter set of :data:`SCATTERING` to use.

    Returns
    -------
    mus_prime : ndarray
        Reduced scattering coefficient, the shape of ``wavelength_nm``. [mm⁻¹]

    Raises
    ------
    ValueError
        If a wavelength lies outside 400-1000 nm.

    Notes
    -----
    .. math:: \\mu_s'(\\lambda) = a' [f_{Ray} (\\lambda/500)^{-4} + (1 - f_{Ray})
       (\\lambda/500)^{-b_{Mie}}]

    At 500 nm this is ``a'`` itself: 4.36 mm⁻¹ for the dermis, 6.67 mm⁻¹ for the epidermis.

    References
    ----------
    .. [1] S. L. Jacques, "Optical properties of biological tissues: a review," Phys. Med. Biol. 58(11),
       R37-R61, 2013. :doi:`10.1088/0031-9155/58/11/R37`
    .. [2] E. Salomatina et al., "Optical properties of normal and cancerous human skin in the visible and
       near-infrared spectral range," J. Biomed. Opt. 11(6), 064026, 2006. :doi:`10.1117/1.2398928`
    """
    a, f_ray, b_mie = SCATTERING[tissue]
    x = _wavelength(wavelength_nm) / 500.0
    return a * (f_ray * x**-4.0 + (1.0 - f_ray) * x**-b_mie) / 10.0


def melanin_mua_per_mm(wavelength_nm: ArrayLike) -> FloatArray:
    """Absorption coefficient inside melanosomes (volume fraction 1).

    Parameters
    ----------
    wavelength_nm : array-like
        Wavelength, within 400-1000 nm. [nm]

    Returns
    -------
    mua_mel : ndarray
        Absorption coefficient of melanosome interiors, the shape of ``wavelength_nm``. [mm⁻¹]

    Raises
    ------
    ValueError
        If a wavelength lies outside 400-1000 nm.

    Notes
    -----
    .. math:: \\mu_{a,mel}(\\lambda) = 519\\, (\\lambda/500)^{-3.5}\\ \\mathrm{cm^{-1}}

    so 51.9 mm⁻¹ at 500 nm; an epidermis with melanosome volume fraction M absorbs
    ``M mua_mel + (1 - M) mua_baseline``.

    References
    ----------
    .. [1] S. L. Jacques, "Optical properties of biological tissues: a review," Phys. Med. Biol. 58(11),
       R37-R61, 2013. :doi:`10.1088/0031-9155/58/11/R37`
    """
    return MELANIN_MUA_500_PER_CM * (_wavelength(wavelength_nm) / 500.0) ** -MELANIN_POWER / 10.0
