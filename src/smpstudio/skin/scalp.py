"""Layered scalp skin per Fitzpatrick type, with an optional pigment dot, as a stack for light transport.

Layers (keys in brackets are entries of docs/references.md):

* epidermis, 0.066 mm on the scalp (65.9 ± 14.4 µm, Selçuk Med J [selcuk-skin-thickness]; range
  0.05-0.12 mm), melanosome volume fraction M by Fitzpatrick type (below), absorption
  ``M mua_mel + (1 - M) mua_baseline``,
  epidermal scattering (Jacques 2013 [jacques2013]);
* papillary dermis to 0.25 mm depth and reticular dermis below (semi-infinite), blood volume fraction
  0.2 % ([omlc1998]; range 0.2-5 %) at 67 % saturation (the dermis of Jacques' mcxyz [mcxyz]), dermal
  scattering;
* g = 0.9 and n = 1.4 throughout, under air ([jacques2013], [meglinski2002]); the Fresnel reflectance
  at normal incidence, ``((1.4 - 1) / (1.4 + 1))² = 2.78 %``, is the specular part MCML reports
  ([wang1992]).

Fitzpatrick type -> M (derived here [D]; no authoritative table exists): I 2 %, II 4 %, III 7.5 %,
IV 13 %, V 20 %, VI 34 %, the rounded midpoints of the bands I 1.5-3 %, II 3-5 %, III 5-10 %, IV 10-16 %,
V 16-25 %, VI 25-43 %, which interpolate the melanosome volume fractions Jacques gives for light
(1.3-6.3 %), moderately (11-16 %) and darkly (18-43 %) pigmented adults ([jacques1998]; melanin
absorption from [jacques2013]).

A dot adds the pigment's absorption over a deposit layer whose top lies ``depth_mm`` below the surface
(MCML's "pigment layer top" convention [wang1992]); a dot shallower than the epidermis is placed at
its base, where healed pigment sits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smpstudio.errors import check_choice, check_range
from smpstudio.skin.jacques1998 import baseline_mua_per_mm
from smpstudio.skin.jacques2013 import melanin_mua_per_mm, reduced_scattering_per_mm
from smpstudio.skin.layers import Layer, LayerStack
from smpstudio.skin.pigments import PIGMENTS, ink_mua_per_mm
from smpstudio.skin.prahl1999 import blood_mua_per_mm

__all__ = ["FITZPATRICK_MELANOSOME", "Dot", "ScalpSkin", "scalp_stack"]

#: Fitzpatrick type -> melanosome volume fraction M of the epidermis [-] (derived here [D]).
FITZPATRICK_MELANOSOME = {"I": 0.02, "II": 0.04, "III": 0.075, "IV": 0.13, "V": 0.20, "VI": 0.34}
#: Refractive index of every skin layer [-] ([jacques2013], [meglinski2002]).
SKIN_INDEX = 1.4
#: Henyey-Greenstein anisotropy of every skin layer [-] ([jacques2013]).
ANISOTROPY = 0.9


@dataclass(frozen=True, slots=True)
class ScalpSkin:
    """A client's scalp skin (see the module docstring for defaults and sources).

    Parameters
    ----------
    fitzpatrick : {'I', 'II', 'III', 'IV', 'V', 'VI'}, default 'III'
        Fitzpatrick skin type; sets the melanosome volume fraction (:data:`FITZPATRICK_MELANOSOME`).
    epidermis_mm : float, default 0.066
        Epidermal thickness, 0.03-0.2; 65.9 ± 14.4 µm on the scalp [1]_ (modelled range 0.05-0.12). [mm]
    papillary_bottom_mm : float, default 0.25
        Depth of the bottom of the papillary dermis (a layer boundary of the stack; the papillary and
        reticular dermis share their optical properties) [2]_. [mm]
    blood_fraction : float, default 0.002
        Dermal blood volume fraction, 0-0.1 (0.2 % [3]_; modelled range 0.2-5 %). [-]
    saturation : float, default 0.67
        Haemoglobin oxygen saturation of the dermal blood, 0-1 (67 %, the dermis of Jacques' mcxyz
        tissue list [4]_). [-]

    Raises
    ------
    InputError
        If a value is outside its range; the error's ``field`` names it (``skin_type`` for
        ``fitzpatrick``).

    References
    ----------
    .. [1] "Measurement of epidermis, dermis and total skin thicknesses from six different face regions,"
       Selçuk Medical Journal. https://selcukmedj.org/
    .. [2] I. V. Meglinski, S. J. Matcher, "Quantitative assessment of skin layers absorption and skin
       reflectance spectra simulation in the visible and near-infrared spectral regions," Physiol. Meas.
       23(4), 741-753, 2002. :doi:`10.1088/0967-3334/23/4/312`
    .. [3] S. L. Jacques, "Skin optics," Oregon Medical Laser Center News, January 1998.
       https://omlc.org/news/jan98/skinoptics.html
    .. [4] S. L. Jacques, mcxyz, Oregon Medical Laser Center, 2013.
       https://omlc.org/software/mc/mcxyz/index.html

    Examples
    --------
    >>> ScalpSkin("V").melanosome_fraction
    0.2
    """

    fitzpatrick: str = "III"
    epidermis_mm: float = 0.066
    papillary_bottom_mm: float = 0.25
    blood_fraction: float = 0.002
    saturation: float = 0.67

    def __post_init__(self) -> None:
        check_choice("skin_type", self.fitzpatrick, FITZPATRICK_MELANOSOME)
        check_range("epidermis_mm", self.epidermis_mm, 0.03, 0.2, unit="mm")
        check_range("blood_fraction", self.blood_fraction, 0.0, 0.1)
        check_range("saturation", self.saturation, 0.0, 1.0)

    @property
    def melanosome_fraction(self) -> float:
        """Melanosome volume fraction M of the epidermis for the Fitzpatrick type. [-]"""
        return FITZPATRICK_MELANOSOME[self.fitzpatrick]


@dataclass(frozen=True, slots=True)
class Dot:
    """A pigment deposit under the skin surface.

    Parameters
    ----------
    depth_mm : float
        Depth of the deposit's top below the surface, 0-3 (MCML's "pigment layer top" [1]_); a deposit
        shallower than the epidermis is placed at its base. [mm]
    ink_fraction : float, default 1.0
        Share of undiluted ink, 0-1 (0.5 = "diluted 50 %"). [-]
    pigment : {'carbon-black', 'tattoo-black', 'iron-oxide-black'}, default 'carbon-black'
        Pigment model (:data:`~smpstudio.skin.pigments.PIGMENTS`), which sets the deposit's thickness and
        absorption.

    Raises
    ------
    InputError
        If a value is outside its range or the pigment is unknown.

    References
    ----------
    .. [1] L. Wang, S. L. Jacques, "Monte Carlo Modeling of Light Transport in Multi-layered Tissues in
       Standard C," University of Texas M. D. Anderson Cancer Center, 1992. https://omlc.org/software/mc/
    """

    depth_mm: float
    ink_fraction: float = 1.0
    pigment: str = "carbon-black"

    def __post_init__(self) -> None:
        check_range("depth_mm", self.depth_mm, 0.0, 3.0, unit="mm")
        check_range("ink_fraction", self.ink_fraction, 0.0, 1.0)
        check_choice("pigment", self.pigment, PIGMENTS)


def scalp_stack(skin: ScalpSkin, wavelength_nm: float, dot: Dot | None = None) -> LayerStack:
    """The layer stack of ``skin`` at one wavelength, with ``dot`` if given.

    Parameters
    ----------
    skin : ScalpSkin
        The client's skin.
    wavelength_nm : float
        Wavelength, within 400-1000 nm (the baseline absorption's range). [nm]
    dot : Dot or None, default None
        A pigment deposit to add over its layer, or ``None`` for bare skin.

    Returns
    -------
    stack : LayerStack
        Layers from the surface down (epidermis, dermis split at the papillary bottom and the deposit's
        edges, semi-infinite dermis), thicknesses in mm and coefficients in mm⁻¹, n = 1.4 and g = 0.9,
        under air (``n_above`` 1) and over ``n_below`` 1.

    Raises
    ------
    ValueError
        If ``wavelength_nm`` lies outside 400-1000 nm.

    Notes
    -----
    Epidermis: ``μa = M μa,mel + (1 - M) μa,baseline`` with melanin absorption and epidermal scattering
    from [1]_ and the baseline from [2]_; dermis: ``μa = B μa,blood(S) + (1 - B) μa,baseline`` with whole
    blood from [3]_ and dermal scattering from [1]_; ``μs = μs' / (1 - g)``. The deposit adds
    :func:`~smpstudio.skin.pigments.ink_mua_per_mm` to the dermis between its top and bottom. Layers
    with equal coefficients are merged. At normal incidence the specular reflectance of the surface is
    the Fresnel ``((n - 1) / (n + 1))² = 0.0278`` for n = 1.4 [4]_.

    References
    ----------
    .. [1] S. L. Jacques, "Optical properties of biological tissues: a review," Phys. Med. Biol. 58(11),
       R37-R61, 2013. :doi:`10.1088/0031-9155/58/11/R37`
    .. [2] S. L. Jacques, "Skin optics," Oregon Medical Laser Center News, January 1998.
       https://omlc.org/news/jan98/skinoptics.html
    .. [3] S. A. Prahl, "Tabulated molar extinction coefficient for hemoglobin in water," Oregon Medical
       Laser Center, 1999. https://omlc.org/spectra/hemoglobin/summary.html
    .. [4] L. Wang, S. L. Jacques, L. Zheng, "MCML—Monte Carlo modeling of light transport in
       multi-layered tissues," Comput. Methods Programs Biomed. 47(2), 131-146, 1995.
       :doi:`10.1016/0169-2607(95)01640-F`

    Examples
    --------
    >>> stack = scalp_stack(ScalpSkin("III"), 550.0, Dot(0.2, 0.5))
    >>> [None if layer.thickness_mm is None else round(layer.thickness_mm, 3) for layer in stack.layers]
    [0.066, 0.134, 0.1, None]
    >>> round(((stack.layers[0].n - stack.n_above) / (stack.layers[0].n + stack.n_above)) ** 2, 5)
    0.02778
    """
    lam = float(wavelength_nm)
    base = float(baseline_mua_per_mm(lam))
    m = skin.melanosome_fraction
    epi_mua = m * float(melanin_mua_per_mm(lam)) + (1 - m) * base
    epi_mus = float(reduced_scattering_per_mm(lam, "epidermis")) / (1 - ANISOTROPY)
    blood = float(blood_mua_per_mm(lam, skin.saturation))
    derm_mua = skin.blood_fraction * blood + (1 - skin.blood_fraction) * base
    derm_mus = float(reduced_scattering_per_mm(lam, "dermis")) / (1 - ANISOTROPY)
    # Boundaries from the surface down; the dot's deposit adds ink absorption between its two.
    cuts = {skin.epidermis_mm, skin.papillary_bottom_mm}
    ink = 0.0
    top = bottom = -1.0
    if dot is not None and dot.ink_fraction > 0:
        spec = PIGMENTS[dot.pigment]
        top = max(dot.depth_mm, skin.epidermis_mm)
        bottom = top + spec.deposit_mm
        cuts |= {top, bottom}
        ink = float(ink_mua_per_mm(lam, dot.pigment, dot.ink_fraction))
    edges = sorted(c for c in cuts if c > 0)
    layers: list[Layer] = []
    z = 0.0
    for edge in [*edges, np.inf]:
        mid = 0.5 * (z + edge) if np.isfinite(edge) else z + 1.0
        if mid < skin.epidermis_mm:
            mua, mus = epi_mua, epi_mus
        else:
            mua, mus = derm_mua, derm_mus
            if top <= mid < bottom:
                mua += ink
        thickness = None if not np.isfinite(edge) else edge - z
        if layers and layers[-1].mua_per_mm == mua and layers[-1].mus_per_mm == mus and thickness is not None:
            prev = layers.pop()
            thickness += prev.thickness_mm or 0.0
        elif layers and layers[-1].mua_per_mm == mua and layers[-1].mus_per_mm == mus:
            layers.pop()
        layers.append(Layer(SKIN_INDEX, mua, mus, ANISOTROPY, thickness))
        z = edge
    return LayerStack(tuple(layers), n_above=1.0, n_below=1.0)
