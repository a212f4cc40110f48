"""How well a built design's healed tone matches the client's stubble, over the scalp and per zone.

Each chart cell of the design is skin under two independent absorbing covers, seen at 1 m:

* the client's remaining hair, a fraction ``h`` of the native stubble (the design's hair map): it
  removes ``h D_s`` of the skin's reflectance, ``D_s = 1 - S / R_skin`` per channel with ``S`` the
  full stubble's reflectance (:func:`smpstudio.skin.stubble.stubble_reflectance_rgb`);
* the healed dots at the cell's density (the design's density map, times the dots per site of
  follicular-unit designs): they remove ``D_t(n)``, linear in the density ``n``
  (:func:`smpstudio.skin.healed_dot.treated_area_reflectance_rgb`), with each zone's mean dot diameter and
  healed ink fraction after all sessions (:func:`smpstudio.design.proposal.healed_ink_fraction`);

so the cell's mean reflectance is ``R_skin (1 - h D_s)(1 - D_t)``. A zone's tone is the area-weighted
mean over its cells that carry dots, and ``delta_e00`` compares it with the full stubble ``S``
(CIEDE2000, :func:`smpstudio.design.proposal.delta_e00`). The design's headline number covers every
treated cell but the hairline zone, which the style keeps softer on purpose; the hairline has its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from smpstudio.design.document import DesignDocument
from smpstudio.design.maps import ZONES
from smpstudio.design.proposal import (
    DEFAULT_DEPTH_MM,
    DEFAULT_PIGMENT,
    delta_e00,
    healed_ink_fraction,
    skin_rgb_linear,
    treated_rgb,
)
from smpstudio.skin.stubble import Hair, stubble_reflectance_rgb

__all__ = ["DesignTone", "design_tone"]

FloatArray = NDArray[np.float64]
#: Zones whose lighter tone is a design choice, left out of the headline number.
SOFT_ZONES = ("hairline",)


@dataclass(frozen=True, slots=True)
class DesignTone:
    """The tone match of a design on one skin.

    Parameters
    ----------
    delta_e00 : float
        CIEDE2000 between the treated area (but the hairline) and the stubble at 1 m. [-]
    zones : dict of str to float
        The same per zone, for the zones that carry dots. [-]
    treated_rgb_linear : tuple of float
        Mean linear-sRGB reflectance of the treated area (but the hairline). [-]
    stubble_rgb_linear : tuple of float
        Mean linear-sRGB reflectance of the client's stubble on the bare skin. [-]
    """

    delta_e00: float
    zones: dict[str, float]
    treated_rgb_linear: tuple[float, float, float]
    stubble_rgb_linear: tuple[float, float, float]


def _rgb(a: FloatArray) -> tuple[float, float, float]:
    return float(a[0]), float(a[1]), float(a[2])


def design_tone(
    doc: DesignDocument,
    *,
    skin_type: str,
    hair: Hair | None = None,
    depth_mm: float = DEFAULT_DEPTH_MM,
    pigment: str = DEFAULT_PIGMENT,
    stubble_rgb_linear: tuple[float, float, float] | None = None,
) -> DesignTone:
    """The tone match of ``doc`` healed on ``skin_type`` (see the module docstring).

    Parameters
    ----------
    doc : DesignDocument
        A built or loaded design (its maps are computed once and cached).
    skin_type : str
        Fitzpatrick type I-VI.
    hair : Hair, optional
        The client's hair; the design's own by default.
    depth_mm : float, default 0.2
        Depth of the healed deposit's top. [mm]
    pigment : str, default 'carbon-black'
        Pigment of the appearance table.
    stubble_rgb_linear : tuple of float, optional
        A measured stubble (a photo's, on the skin type's bare skin) to match instead of the hair's
        modelled one; the remaining hair darkens the cells by its share of it. Linear sRGB. [-]

    Returns
    -------
    tone : DesignTone
    """
    hair = hair if hair is not None else doc.header.hair.hair()
    skin = skin_rgb_linear(skin_type)
    model = stubble_reflectance_rgb(hair, skin, skin_type=skin_type)
    stubble = np.asarray(model if stubble_rgb_linear is None else stubble_rgb_linear, dtype=np.float64)
    maps = doc.context.maps
    area = maps.grid.area_mm2
    dots = doc.dots
    sites = max(doc.header.summary.site_count, 1)
    per_site = len(dots) / sites if len(dots) else 1.0
    dens_cm2 = maps.density_per_mm2 * 100.0 * per_site
    shade = 1.0 - np.clip(maps.hair, 0.0, 1.0)[..., None] * (1.0 - stubble / np.maximum(skin, 1e-9))
    treated = dens_cm2 > 0.0
    zone_rgb: dict[str, FloatArray] = {}
    zone_area: dict[str, float] = {}
    for code, name in enumerate(ZONES):
        cells = treated & (maps.zone == code)
        mine = dots.zone == code
        if not cells.any() or not mine.any():
            continue
        d = float(np.mean(dots.diameter_mm[mine]))
        u = float(healed_ink_fraction(np.mean(dots.ink_fraction[mine]), depth_mm))
        per_100 = 1.0 - treated_rgb(skin_type, 100.0, d, u, depth_mm=depth_mm, pigment=pigment) / skin
        dark = np.clip(dens_cm2[cells][:, None] / 100.0 * per_100, 0.0, 1.0)
        w = area[cells]
        rgb = skin * np.sum(w[:, None] * shade[cells] * (1.0 - dark), axis=0) / np.sum(w)
        zone_rgb[name] = rgb
        zone_area[name] = float(np.sum(w))
    zones = {name: round(float(delta_e00(rgb, stubble)), 2) for name, rgb in zone_rgb.items()}
    body = [z for z in zone_rgb if z not in SOFT_ZONES] or list(zone_rgb)
    mean: FloatArray = skin
    if body:
        total = sum(zone_area[z] for z in body)
        mean = np.sum([zone_rgb[z] * zone_area[z] for z in body], axis=0) / total
    return DesignTone(
        delta_e00=round(float(delta_e00(mean, stubble)), 2),
        zones=zones,
        treated_rgb_linear=_rgb(np.asarray(mean)),
        stubble_rgb_linear=_rgb(stubble),
    )
