"""Pigments as absorbers in the dermis: carbon black (SMP), concentrated tattoo black, iron-oxide black.

Tattoo black pigments are nanoparticles that scatter little (Høgsberg et al., Br J Dermatol
2011;165:1210 [hogsberg2011]), so a dot is modelled as a pure absorber added to the dermis over a deposit
layer ([bond2006] in docs/references.md). Its absorption follows a power law in wavelength with the
absorption Ångström exponent (AAE): carbon black about 1.0 (Liu, Chung, Schnaiter, ACP 2018;18:6259
[liu2018], range 0.8-1.4).

The optical depth of a dot is not measurable from the literature (2.5 mg/cm² of dispersed carbon black
would have an optical depth near 190; real deposits are packed into macrophages and SMP ink is
diluted), so it is a **calibration default** with its range, as [bond2006] and [engel2008] imply:

================  ============  =====  ============  ===================================================
pigment           τ at 550 nm   AAE    deposit [mm]  evidence
                  (undiluted)
================  ============  =====  ============  ===================================================
carbon-black      3.0 (0.5-5)   1.0    0.10          SMP ink; τ calibration default [M]; AAE [A]
tattoo-black      10 (5-30)     1.0    0.15          concentrated carbon tattoo ink; τ default [M]
iron-oxide-black  6 (2-15)      0.5    0.12          Fe₃O₄ black, spectrally flatter; both defaults [M]
================  ============  =====  ============  ===================================================

The ink fraction is the share of undiluted ink in the dot's ink (1 = undiluted, 0.2 = one part ink to
four of diluent, "diluted 80 %"); the optical depth scales with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from smpstudio.errors import check_choice, check_range

__all__ = ["PIGMENTS", "Pigment", "ink_mua_per_mm"]


@dataclass(frozen=True, slots=True)
class Pigment:
    """An absorbing pigment deposit: optical depth at 550 nm when undiluted, AAE, deposit thickness [mm]."""

    name: str
    optical_depth_550: float
    angstrom_exponent: float
    deposit_mm: float


PIGMENTS: dict[str, Pigment] = {
    "carbon-black": Pigment("carbon-black", 3.0, 1.0, 0.10),
    "tattoo-black": Pigment("tattoo-black", 10.0, 1.0, 0.15),
    "iron-oxide-black": Pigment("iron-oxide-black", 6.0, 0.5, 0.12),
}


def ink_mua_per_mm(
    wavelength_nm: ArrayLike, pigment: str = "carbon-black", ink_fraction: float = 1.0
) -> NDArray[np.float64]:
    """Absorption coefficient of the ink within its deposit layer. [mm⁻¹]"""
    spec = PIGMENTS[check_choice("pigment", pigment, PIGMENTS)]
    check_range("ink_fraction", ink_fraction, 0.0, 1.0)
    lam = np.asarray(wavelength_nm, dtype=np.float64)
    tau = ink_fraction * spec.optical_depth_550 * (lam / 550.0) ** -spec.angstrom_exponent
    return tau / spec.deposit_mm
