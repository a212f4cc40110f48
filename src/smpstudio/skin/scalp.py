"""Layered scalp skin per Fitzpatrick type, with an optional pigment dot, as a stack for light transport.

Layers (keys in brackets are entries of docs/references.md):

* epidermis, 0.066 mm on the scalp (65.9 ± 14.4 µm, Selçuk Med J [selcuk-skin-thickness]; range
  0.05-0.12 mm), melanosome volume fraction M by Fitzpatrick type (below), absorption
  ``M mua_mel + (1 - M) mua_baseline``,
  epidermal scattering (Jacques 2013 [jacques2013]);
* papillary dermis to 0.25 mm depth and reticular dermis below (semi-infinite), blood volume fraction
  0.2 % at 67 % saturation (Jacques' mcxyz dermis [omlc1998]; range 0.2-5 %), dermal scattering;
* g = 0.9 and n = 1.4 throughout, under air ([jacques2013], [meglinski2002]: specular 2.78 %).

Fitzpatrick type -> M (derived here [D] from [jacques2013]'s ranges, the midpoint of each range; no
authoritative table exists): I 2 %, II 4 %, III 7.5 %, IV 13 %, V 20 %, VI 34 %.

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

FITZPATRICK_MELANOSOME = {"I": 0.02, "II": 0.04, "III": 0.075, "IV": 0.13, "V": 0.20, "VI": 0.34}
SKIN_INDEX = 1.4
ANISOTROPY = 0.9


@dataclass(frozen=True, slots=True)
class ScalpSkin:
    """A client's scalp skin (see the module docstring for defaults and sources)."""

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
        return FITZPATRICK_MELANOSOME[self.fitzpatrick]


@dataclass(frozen=True, slots=True)
class Dot:
    """A pigment deposit: top at ``depth_mm`` below the surface; ``ink_fraction`` of undiluted ink."""

    depth_mm: float
    ink_fraction: float = 1.0
    pigment: str = "carbon-black"

    def __post_init__(self) -> None:
        check_range("depth_mm", self.depth_mm, 0.0, 3.0, unit="mm")
        check_range("ink_fraction", self.ink_fraction, 0.0, 1.0)
        check_choice("pigment", self.pigment, PIGMENTS)


def scalp_stack(skin: ScalpSkin, wavelength_nm: float, dot: Dot | None = None) -> LayerStack:
    """The layer stack of ``skin`` at one wavelength, with ``dot`` if given. [mm, mm⁻¹]"""
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
