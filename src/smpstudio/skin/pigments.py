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

Bond & Bergstrom's mass absorption cross-section of carbon black, 7.5 m²/g at 550 nm [bond2006], is
75 cm²/mg; over the 2.5 mg/cm² of a tattoo (0.60-9.42 mg/cm², mean 2.53 mg/cm², Engel et al. 2008
[engel2008]) it gives 75 × 2.5 ≈ 190 [D], the figure above.

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
    """An absorbing pigment deposit, a pure absorber over a layer of the dermis.

    Parameters
    ----------
    name : str
        Pigment name, a key of :data:`PIGMENTS`.
    optical_depth_550 : float
        Absorption optical depth ``τ = μa d`` of the undiluted deposit at 550 nm (calibration default,
        see the module docstring). [-]
    angstrom_exponent : float
        Absorption Ångström exponent (AAE): ``τ(λ) = τ₅₅₀ (λ / 550 nm)^-AAE``; about 1.0 for carbon black,
        range 0.8-1.4 [1]_. [-]
    deposit_mm : float
        Thickness of the deposit layer. [mm]

    References
    ----------
    .. [1] C. Liu, C. E. Chung, Y. Yin, M. Schnaiter, "The absorption Ångström exponent of black carbon:
       from numerical aspects," Atmos. Chem. Phys. 18, 6259-6273, 2018. :doi:`10.5194/acp-18-6259-2018`

    Examples
    --------
    >>> PIGMENTS["carbon-black"]
    Pigment(name='carbon-black', optical_depth_550=3.0, angstrom_exponent=1.0, deposit_mm=0.1)
    """

    name: str
    optical_depth_550: float
    angstrom_exponent: float
    deposit_mm: float


#: Pigment models by name (see the module docstring's table for sources and ranges).
PIGMENTS: dict[str, Pigment] = {
    "carbon-black": Pigment("carbon-black", 3.0, 1.0, 0.10),
    "tattoo-black": Pigment("tattoo-black", 10.0, 1.0, 0.15),
    "iron-oxide-black": Pigment("iron-oxide-black", 6.0, 0.5, 0.12),
}


def ink_mua_per_mm(
    wavelength_nm: ArrayLike, pigment: str = "carbon-black", ink_fraction: float = 1.0
) -> NDArray[np.float64]:
    """Absorption coefficient of the ink within its deposit layer.

    Parameters
    ----------
    wavelength_nm : array-like
        Wavelength. [nm]
    pigment : {'carbon-black', 'tattoo-black', 'iron-oxide-black'}, default 'carbon-black'
        Pigment model, a key of :data:`PIGMENTS`.
    ink_fraction : float, default 1.0
        Share of undiluted ink in the dot's ink, 0-1 (0.2 = one part ink to four of diluent). [-]

    Returns
    -------
    mua : ndarray
        Absorption coefficient of the ink alone, to add to the dermis's over the deposit layer; the shape
        of ``wavelength_nm``. [mm⁻¹]

    Raises
    ------
    InputError
        If ``pigment`` is unknown or ``ink_fraction`` is outside 0-1.

    Notes
    -----
    .. math:: \\mu_{a,\\mathrm{ink}}(\\lambda) = \\frac{u\\,\\tau_{550}}{d}
       \\left(\\frac{\\lambda}{550\\ \\mathrm{nm}}\\right)^{-\\mathrm{AAE}}

    with ``u`` the ink fraction, ``τ₅₅₀`` the undiluted optical depth at 550 nm and ``d`` the deposit
    thickness (:class:`Pigment`). The power law with AAE ≈ 1 for carbon black (range 0.8-1.4) is that of
    [1]_: nearly neutral (grey) absorption, slightly stronger in the blue, 550/450 = 1.22 times at 450 nm.
    The mass absorption cross-section of carbon black, 7.5 m²/g at 550 nm [2]_, would put 2.5 mg/cm² of
    dispersed pigment [3]_ at an optical depth near 190; ``τ₅₅₀`` is instead a calibration default (3.0 for
    carbon black, range 0.5-5; project choice [M]), since deposits are packed into macrophages and SMP
    ink is diluted.

    References
    ----------
    .. [1] C. Liu, C. E. Chung, Y. Yin, M. Schnaiter, "The absorption Ångström exponent of black carbon:
       from numerical aspects," Atmos. Chem. Phys. 18, 6259-6273, 2018. :doi:`10.5194/acp-18-6259-2018`
    .. [2] T. C. Bond, R. W. Bergstrom, "Light absorption by carbonaceous particles: an investigative
       review," Aerosol Sci. Technol. 40(1), 27-67, 2006. :doi:`10.1080/02786820500421521`
    .. [3] E. Engel, F. Santarelli, R. Vasold, et al., "Modern tattoos cause high concentrations of
       hazardous pigments in skin," Contact Dermatitis 58(4), 228-233, 2008.

    Examples
    --------
    Undiluted carbon black: optical depth 3 over its 0.1 mm deposit at 550 nm, 1.22 times more at 450 nm:

    >>> ink_mua_per_mm([450, 550, 650]).round(2).tolist()
    [36.67, 30.0, 25.38]
    >>> float(ink_mua_per_mm(550, ink_fraction=0.5))
    15.0
    """
    spec = PIGMENTS[check_choice("pigment", pigment, PIGMENTS)]
    check_range("ink_fraction", ink_fraction, 0.0, 1.0)
    lam = np.asarray(wavelength_nm, dtype=np.float64)
    tau = ink_fraction * spec.optical_depth_550 * (lam / 550.0) ** -spec.angstrom_exponent
    return tau / spec.deposit_mm
