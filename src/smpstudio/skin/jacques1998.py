"""Baseline absorption of bloodless, melanin-free skin (Jacques 1998, "Skin optics" summary).

Jacques SL, *Skin optics*, Oregon Medical Laser Center News, January 1998
(https://omlc.org/news/jan98/skinoptics.html), from rat-skin measurements of Huang & Jacques:
``mua_baseline(λ) = 0.244 + 85.3 exp(-(λ - 154) / 66.2) cm⁻¹`` ([jacques1998]): 1.22, 0.46 and
0.29 cm⁻¹ at 450, 550 and 650 nm. Valid 400-1000 nm. Returned in mm⁻¹.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["baseline_mua_per_mm"]


def baseline_mua_per_mm(wavelength_nm: ArrayLike) -> NDArray[np.float64]:
    """Baseline absorption coefficient of skin tissue without blood or melanin.

    Parameters
    ----------
    wavelength_nm : array-like
        Wavelength, within 400-1000 nm. [nm]

    Returns
    -------
    mua : ndarray
        Baseline absorption coefficient, the shape of ``wavelength_nm``. [mm⁻¹]

    Raises
    ------
    ValueError
        If a wavelength lies outside 400-1000 nm.

    Notes
    -----
    .. math:: \\mu_{a,\\mathrm{baseline}}(\\lambda) = 0.244 + 85.3\\,
       e^{-(\\lambda - 154)/66.2}\\ \\mathrm{cm^{-1}}

    divided by 10 for mm⁻¹: 1.22, 0.46 and 0.29 cm⁻¹ at 450, 550 and 650 nm.

    References
    ----------
    .. [1] S. L. Jacques, "Skin optics," Oregon Medical Laser Center News, January 1998.
       https://omlc.org/news/jan98/skinoptics.html

    Examples
    --------
    >>> baseline_mua_per_mm([450, 550, 650]).round(3)
    array([0.122, 0.046, 0.029])
    """
    lam = np.asarray(wavelength_nm, dtype=np.float64)
    if np.any((lam < 400.0) | (lam > 1000.0)):
        raise ValueError("wavelength_nm must be within 400-1000 nm")
    return (0.244 + 85.3 * np.exp(-(lam - 154.0) / 66.2)) / 10.0
