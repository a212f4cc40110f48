"""Healing and ageing of a pigment dot: pigment retained, scabs, redness and spread over time.

Pigment mass (shared/optics.md §5.2 proposal [D]):

    m(t) = m0 [f + (1 - f) exp(-t / tau_heal)] exp(-k t)

* ``f``: fraction kept through healing; a per-clinic calibration default of 0.7 (range 0.5-0.9). About a
  third of tattoo pigment leaves the skin within weeks (Bäumler 2015, summarising Engel et al. 2010 [R]);
  domain.md §2.1 asks that no loss percentage be encoded as fact, so it stays a labelled default;
* ``tau_heal`` 5 days (3-7): deposits reach a steady state by day 7 in pigs (PubMed 38402858 [R]);
* pigment deeper than 0.35 mm loses a further share by about day 21, when histology shows only
  superficial-dermal pigment left (Kim 2008 [A]): a deep fraction ``0.3 × min((depth - 0.35)/0.5, 1)`` is
  cleared with a 7-day time constant [M];
* ``k``: slow clearance, 0.2 per year (calibration default, range 0.05-0.6) chosen so the default SMP
  technique on type III skin reaches the touch-up threshold (30 % loss of healed contrast) at about
  4 years (4.1; 3.5-4.1 over skin types I-VI), inside the 3-6 years clinics advise (domain.md §3 [C]; no
  controlled data exist), together with the slow spread below: contrast
  saturates with ink, so the ink itself must fall by about two thirds for a 30 % contrast loss. It is
  multiplied by UV exposure (low 0.7, moderate 1.0, high 1.6: UV is the most-cited factor [C]) and scalp
  type (normal 1.0, oily 1.2, dry/flaky 1.15 [C]).

Healing overlay (domain.md §2.1 [C]): redness around each dot for the first 2 days (fading linearly
from the session; a halo 3× the fresh dot's diameter [M], coloured by :mod:`smpstudio.skin.erythema`);
a scab over every dot from day 1, 1.4× wider and darker than the dot, shed on a day between 5 and 10
(per dot), taking pigment with it (that loss is part of ``1 - f``); colour settled by day 30.

Spread: the visible dot widens slowly, its diameter growing as ``sqrt(d² + 0.001 t_years)`` mm (about
0.04 mm a decade at 0.12 mm; calibration default [M], range 0-0.003 mm²/year), the same pigment over a
wider area, so thinner; deep deposits drift deeper by 0.02 mm a year (why old tattoo ink keeps
turning bluer) [M].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from smpstudio.errors import check_choice

__all__ = [
    "SCALP_FACTORS",
    "UV_FACTORS",
    "Kinetics",
    "pigment_fraction",
    "redness_state",
    "scab_state",
    "scabbed",
    "shed_days",
]

UV_FACTORS = {"low": 0.7, "moderate": 1.0, "high": 1.6}
SCALP_FACTORS = {"normal": 1.0, "oily": 1.2, "dry": 1.15}
DEEP_FROM_MM = 0.35


@dataclass(frozen=True, slots=True)
class Kinetics:
    """Healing and ageing parameters (calibration defaults; see the module docstring)."""

    kept_through_healing: float = 0.7
    heal_tau_days: float = 5.0
    clearance_per_year: float = 0.2
    uv: str = "moderate"
    scalp: str = "normal"
    deep_clear_tau_days: float = 7.0
    spread_mm2_per_year: float = 0.001
    deep_drift_mm_per_year: float = 0.02
    scab_width: float = 1.4
    scab_shed_days: tuple[float, float] = (5.0, 10.0)
    redness_days: float = 2.0
    redness_halo: float = 3.0

    def __post_init__(self) -> None:
        check_choice("uv", self.uv, UV_FACTORS)
        check_choice("scalp", self.scalp, SCALP_FACTORS)

    @property
    def slow_rate_per_day(self) -> float:
        return self.clearance_per_year * UV_FACTORS[self.uv] * SCALP_FACTORS[self.scalp] / 365.25


def pigment_fraction(kin: Kinetics, day: float, depth_mm: float) -> float:
    """Fraction of the deposited pigment still in the skin on ``day``. [-]"""
    t = max(day, 0.0)
    healing = kin.kept_through_healing + (1 - kin.kept_through_healing) * math.exp(-t / kin.heal_tau_days)
    deep = 0.3 * min(max(depth_mm - DEEP_FROM_MM, 0.0) / 0.5, 1.0)
    deep_kept = 1.0 - deep * (1.0 - math.exp(-t / kin.deep_clear_tau_days))
    return healing * deep_kept * math.exp(-kin.slow_rate_per_day * t)


def scab_state(kin: Kinetics, day: float) -> float:
    """Fraction of dots still under a scab on ``day`` (shedding spread evenly over the window). [-]"""
    first, last = kin.scab_shed_days
    if day < 1.0:
        return 0.0
    if day <= first:
        return 1.0
    return max(0.0, (last - day) / (last - first))


def scabbed(kin: Kinetics, day: float, shed_day: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Per dot, whether its scab is still on: scabs form on day 1 and each sheds on its own ``shed_day``."""
    return np.asarray((day >= 1.0) & (day < shed_day), dtype=np.bool_)


def shed_days(kin: Kinetics, count: int, seed: int) -> NDArray[np.float64]:
    """A shedding day for each of ``count`` dots, uniform over the window (per dot, not all at once)."""
    first, last = kin.scab_shed_days
    return np.random.default_rng(seed).uniform(first, last, count)


def redness_state(kin: Kinetics, day: float) -> float:
    """Strength of the redness around the dots on ``day`` (1 at the session, gone after ``redness_days``)."""
    return max(0.0, 1.0 - max(day, 0.0) / kin.redness_days)
