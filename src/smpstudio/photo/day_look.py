"""What each dot of a design does to the skin's colour on a given day of the healing and ageing timeline.

Every dot becomes a Gaussian spot that multiplies the photo's linear light by ``1 - D_k g(r)`` (``g`` of unit
peak, FWHM ``w``), so the dot sits in the photo's own light and colour:

* a settled dot (no scab on): the apparent healed spot of :mod:`smpstudio.skin.healed_dot`, its
  deposit-to-skin ratio from the appearance table for the day's pigment
  (:func:`smpstudio.skin.technique.looks_on_day`: the pigment kept, the slow spread over the years) and
  the skin's light-transport blur at the deposit's depth;
* a dot under its scab (days 1-10, :func:`smpstudio.skin.kinetics.scabbed`): an opaque surface disc of the
  scab's size and colour, drawn as the Gaussian of the same peak and area;
* redness (days 0-2, :func:`smpstudio.skin.kinetics.redness_state`): a halo of the packaged erythema colour
  (:mod:`smpstudio.skin.erythema`) around each dot, as the timeline draws it.

Sizes follow the timeline: the SMP technique's settled dot has the design's diameter on day 30
(:data:`smpstudio.skin.technique.SETTLED_DAY`) and every other size scales with it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from smpstudio.design.document import DotTable
from smpstudio.errors import check_range
from smpstudio.skin.appearance_table import packaged_table
from smpstudio.skin.erythema import erythema_srgb
from smpstudio.skin.healed_dot import DISC_TO_GAUSSIAN_FWHM, spot_fwhm_mm, spot_peak_darkening, srgb_to_linear
from smpstudio.skin.impression import TECHNIQUES, Impression
from smpstudio.skin.kinetics import Kinetics, redness_state, scabbed, shed_days
from smpstudio.skin.technique import SETTLED_DAY, healed_diameter_mm, looks_on_day

__all__ = ["DAY_RANGE", "DaySpots", "day_spots"]

FloatArray = NDArray[np.float64]

#: Days of the timeline a photo can show: the session day to ten years. [days]
DAY_RANGE = (0.0, 3653.0)
#: Opacity of the redness halo at full redness, as the timeline draws it. [-]
REDNESS_OPACITY = 0.8


#: Decimals of the ink fractions a design file stores (as :mod:`smpstudio.skin.touch_ups` rounds them).
INK_FRACTION_DECIMALS = 3


def design_impression(ink_fractions: NDArray[np.float64]) -> Impression:
    """The SMP preset with the design's median ink fraction: the entry
    :func:`smpstudio.skin.touch_ups.design_impression` gives (a test holds them equal), without loading the
    colour-science stack that module imports."""
    ink = np.round(np.asarray(ink_fractions, dtype=np.float64), INK_FRACTION_DECIMALS)
    median = round(float(np.median(ink)), INK_FRACTION_DECIMALS) if ink.size else 0.5
    return replace(TECHNIQUES["smp"], ink_fraction=min(max(median, 0.02), 1.0))


@dataclass(frozen=True, eq=False)
class DaySpots:
    """Per dot: the spot's FWHM [mm] and per-channel peak darkening ``D_k`` [-]; the redness halo's FWHM
    [mm] and darkening (negative where it lightens a channel) when the skin is still red, else ``None``."""

    fwhm_mm: FloatArray
    peak: FloatArray
    scab_share: float
    halo_fwhm_mm: FloatArray | None = None
    halo_peak: FloatArray | None = None


def day_spots(
    dots: DotTable,
    *,
    seed: int,
    skin_type: str,
    day: float = SETTLED_DAY,
    depth_mm: float = 0.2,
    pigment: str = "carbon-black",
    kinetics: Kinetics | None = None,
) -> DaySpots:
    """The dots' spots on ``day`` (see the module docstring).

    Parameters
    ----------
    dots : DotTable
        The design's dots.
    seed : int
        The design's seed (each dot's scab sheds on its own day, as in the timeline).
    skin_type : str
        Fitzpatrick type I-VI.
    day : float, default 30
        Days since the session. [days]
    depth_mm : float, default 0.2
        Depth of the deposit, for the skin's blur. [mm]
    pigment : str
        Pigment of the appearance table.
    """
    check_range("day", day, *DAY_RANGE, unit="days")
    kin = kinetics or Kinetics()
    table = packaged_table()
    skin = table.skin(skin_type)[:3]
    skin_lin = np.maximum(srgb_to_linear(skin), 1e-9)
    n = len(dots)
    impression = design_impression(dots.ink_fraction)
    ink_scale = dots.ink_fraction / impression.ink_fraction
    scab = scabbed(kin, day, shed_days(kin, n, seed)).astype(np.float64)
    look = looks_on_day(table, skin_type, impression, kin, day, ink_scale=ink_scale, scab=scab)
    size_scale = dots.diameter_mm / healed_diameter_mm(impression, kin, SETTLED_DAY)
    diameter = size_scale * look.diameter_mm
    ratio = np.clip(srgb_to_linear(look.srgb) / skin_lin, 0.0, 1.0)
    blur = float(table.lookup(skin_type, depth_mm, 1.0, pigment)[8])
    buried_w = spot_fwhm_mm(diameter, blur)
    buried_peak = spot_peak_darkening(ratio, diameter, buried_w)
    on = scab > 0.0
    fwhm = np.where(on, DISC_TO_GAUSSIAN_FWHM * diameter, buried_w)
    peak = np.where(on[:, None], 1.0 - ratio, buried_peak)
    red = redness_state(kin, day)
    if red <= 0.0 or not n:
        return DaySpots(fwhm, peak, float(scab.mean()) if n else 0.0)
    red_ratio = np.clip(srgb_to_linear(erythema_srgb(skin_type)) / skin_lin, 0.0, 1.5)
    halo = DISC_TO_GAUSSIAN_FWHM * size_scale * impression.fresh_diameter_mm * kin.redness_halo
    halo_peak = np.tile(REDNESS_OPACITY * red * (1.0 - red_ratio), (n, 1))
    return DaySpots(fwhm, peak, float(scab.mean()), halo, halo_peak)
