"""Haemoglobin absorption from Prahl's molar extinction table.

Prahl SA, *Tabulated molar extinction coefficient for hemoglobin in water*, Oregon Medical Laser Center,
1999 (https://omlc.org/spectra/hemoglobin/summary.html), compiled from Gratzer and Kollias: ε of
oxy- and deoxy-haemoglobin, 250-1000 nm every 2 nm, in cm⁻¹/M.

The table is read from the copy that MNE-Python ships (``mne/data/extinction_coef.mat``, the same
OMLC summary, used there for NIRS Beer-Lambert conversion); it is not duplicated in this project.

Whole blood (shared/optics.md §1.4): 150 g/L haemoglobin, 64 500 g/mol, so
``mua = ln(10) ε c`` with ``c = 150 / 64 500`` M; at 550 nm 230 (HbO₂) and 286 (Hb) cm⁻¹. With oxygen
saturation S: ``mua = S mua_oxy + (1 - S) mua_deoxy``. Returned in mm⁻¹.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.io import loadmat

__all__ = ["HAEMOGLOBIN_G_PER_L", "HAEMOGLOBIN_G_PER_MOL", "blood_mua_per_mm", "extinction_table"]

HAEMOGLOBIN_G_PER_L = 150.0
HAEMOGLOBIN_G_PER_MOL = 64_500.0


@cache
def extinction_table() -> NDArray[np.float64]:
    """Rows of (wavelength [nm], ε HbO₂ [cm⁻¹/M], ε Hb [cm⁻¹/M]), 250-1000 nm every 2 nm."""
    spec = importlib.util.find_spec("mne")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the haemoglobin table comes with the mne package, which is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "extinction_coef.mat"
    table = np.asarray(loadmat(path)["extinct_coef"], dtype=np.float64)
    table.setflags(write=False)
    return table


def blood_mua_per_mm(wavelength_nm: ArrayLike, saturation: float = 0.67) -> NDArray[np.float64]:
    """Absorption coefficient of whole blood at oxygen ``saturation`` (0-1). [mm⁻¹]"""
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
