"""Haemoglobin absorption from Prahl's molar extinction table.

Prahl SA, *Tabulated molar extinction coefficient for hemoglobin in water*, Oregon Medical Laser Center,
1999 (https://omlc.org/spectra/hemoglobin/summary.html), compiled from Gratzer and Kollias: ε of
oxy- and deoxy-haemoglobin, 250-1000 nm every 2 nm, in cm⁻¹/M ([prahl1999] in docs/references.md).

The table ships with the package as ``smpstudio/data/prahl1999-hemoglobin.csv`` (its header gives the
source, units and sampling); it was copied once, unchanged, from the copy MNE-Python distributes.

Whole blood ([jacques2013] and [omlc1998] in docs/references.md): 150 g/L haemoglobin, 64 500 g/mol, so
``mua = ln(10) ε c`` with ``c = 150 / 64 500`` M; at 550 nm 230 (HbO₂) and 286 (Hb) cm⁻¹. With oxygen
saturation S: ``mua = S mua_oxy + (1 - S) mua_deoxy``. Returned in mm⁻¹.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["HAEMOGLOBIN_G_PER_L", "HAEMOGLOBIN_G_PER_MOL", "blood_mua_per_mm", "extinction_table"]

HAEMOGLOBIN_G_PER_L = 150.0
HAEMOGLOBIN_G_PER_MOL = 64_500.0


#: The packaged table: a CSV with ``#`` comment lines, one header row, then 376 rows.
TABLE_RESOURCE = "prahl1999-hemoglobin.csv"


@cache
def extinction_table() -> NDArray[np.float64]:
    """Prahl's molar extinction table of haemoglobin, as packaged.

    Returns
    -------
    table : ndarray of shape (376, 3)
        Rows of (wavelength [nm], ε of HbO₂ [cm⁻¹/M], ε of Hb [cm⁻¹/M]), 250-1000 nm every 2 nm,
        read-only.

    References
    ----------
    .. [1] S. A. Prahl, "Tabulated molar extinction coefficient for hemoglobin in water," Oregon Medical
       Laser Center, 1999. https://omlc.org/spectra/hemoglobin/summary.html

    Examples
    --------
    >>> extinction_table()[150]  # 550 nm
    array([  550., 43016., 53412.])
    """
    text = files("smpstudio.data").joinpath(TABLE_RESOURCE).read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    table = np.array([[float(v) for v in row.split(",")] for row in rows[1:]], dtype=np.float64)
    table.setflags(write=False)
    return table


def blood_mua_per_mm(wavelength_nm: ArrayLike, saturation: float = 0.67) -> NDArray[np.float64]:
    """Absorption coefficient of whole blood from Prahl's haemoglobin table.

    Parameters
    ----------
    wavelength_nm : array-like
        Wavelength, within 250-1000 nm; linear interpolation between the table's 2 nm steps. [nm]
    saturation : float, default 0.67
        Oxygen saturation S of the haemoglobin, 0-1 (0.67: a mixed dermal value). [-]

    Returns
    -------
    mua : ndarray
        Absorption coefficient of whole blood, the shape of ``wavelength_nm``. [mm⁻¹]

    Raises
    ------
    ValueError
        If ``saturation`` is outside 0-1 or a wavelength outside the table.

    Notes
    -----
    .. math:: \\mu_a = \\ln(10)\\, c\\, [S\\, \\varepsilon_{HbO_2} + (1 - S)\\, \\varepsilon_{Hb}] / 10,
       \\quad c = 150 / 64\\,500\\ \\mathrm{M}

    (the factor 1/10 turns cm⁻¹ into mm⁻¹). At 550 nm this gives 23.0 (S = 1) and 28.6 (S = 0) mm⁻¹.

    References
    ----------
    .. [1] S. A. Prahl, "Tabulated molar extinction coefficient for hemoglobin in water," Oregon Medical
       Laser Center, 1999. https://omlc.org/spectra/hemoglobin/summary.html
    .. [2] S. L. Jacques, "Optical properties of biological tissues: a review," Phys. Med. Biol. 58(11),
       R37-R61, 2013. :doi:`10.1088/0031-9155/58/11/R37`
    """
    if not 0.0 <= saturation <= 1.0:
        raise ValueError("saturation must be within 0-1")
    lam = np.asarray(wavelength_nm, dtype=np.float64)
    t = extinction_table()
    if np.any((lam < t[0, 0]) | (lam > t[-1, 0])):
        raise ValueError(f"wavelength_nm must be within {t[0, 0]:g}-{t[-1, 0]:g} nm")
    molar = HAEMOGLOBIN_G_PER_L / HAEMOGLOBIN_G_PER_MOL
    oxy = np.interp(lam, t[:, 0], t[:, 1])
    deoxy = np.interp(lam, t[:, 0], t[:, 2])
    mua: NDArray[np.float64] = np.log(10.0) * molar * (saturation * oxy + (1.0 - saturation) * deoxy) / 10.0
    return mua
