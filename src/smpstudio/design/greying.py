"""A touch-up plan that follows a greying client's hair: lighter ink as the stubble lightens.

Hair greys on: the share of unpigmented shafts rises year by year, the stubble lightens, and a treated
area matched to today's stubble reads darker and darker beside it. At each touch-up the plan re-runs the
tone-match solver (:func:`smpstudio.design.proposal.propose`) for the hair as it will then be, keeping the
design's density and dot size (a touch-up refreshes the dots there are) and proposing the ink fraction;
once the stubble is no darker than the bare skin, SMP no longer serves the tone and the plan says to let
the dots fade.

Defaults, configurable with their ranges:

* greying pace: the grey fraction rises by 0.03 a year (range 0.01-0.06, [M]); onset and pace vary
  widely between people and ancestries ([panhard2012]);
* touch-up interval: 4 years (range 3-6 years [clinic-touchup]); three touch-ups are planned.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from smpstudio.design.proposal import DEFAULT_DEPTH_MM, DEFAULT_PIGMENT, Fixed, propose
from smpstudio.errors import check_range
from smpstudio.skin.stubble import Hair

__all__ = ["GREYING_PER_YEAR", "TOUCH_UP_INTERVAL_YEARS", "GreyingStep", "greying_plan"]

#: Rise of the grey fraction per year. [1/year] ([M], range 0.01-0.06)
GREYING_PER_YEAR = 0.03
#: Years between touch-ups. [year] ([clinic-touchup], range 3-6)
TOUCH_UP_INTERVAL_YEARS = 4.0
TOUCH_UPS = 3


@dataclass(frozen=True, slots=True)
class GreyingStep:
    """One touch-up of the plan.

    Parameters
    ----------
    years : float
        Years after the design's last session. [year]
    grey_fraction : float
        The client's projected share of grey shafts then. [-]
    ink_fraction : float or None
        Proposed body ink fraction for that touch-up; None where SMP no longer serves the tone. [-]
    tone_match_delta_e00 : float
        CIEDE2000 the proposal reaches against the stubble then. [-]
    note : str
        What to do where the ink cannot follow; empty otherwise.
    """

    years: float
    grey_fraction: float
    ink_fraction: float | None
    tone_match_delta_e00: float
    note: str


def greying_plan(
    hair: Hair,
    skin_type: str,
    *,
    density_per_cm2: float,
    dot_diameter_mm: float,
    greying_per_year: float = GREYING_PER_YEAR,
    interval_years: float = TOUCH_UP_INTERVAL_YEARS,
    touch_ups: int = TOUCH_UPS,
    depth_mm: float = DEFAULT_DEPTH_MM,
    pigment: str = DEFAULT_PIGMENT,
) -> list[GreyingStep]:
    """The touch-ups of a greying client, each with the ink fraction that matches the stubble then.

    Parameters
    ----------
    hair : Hair
        The client's hair today (``grey_fraction`` above 0 for a plan that differs from today's).
    skin_type : str
        Fitzpatrick type I-VI.
    density_per_cm2, dot_diameter_mm : float
        The design's body density [cm⁻²] and healed dot diameter [mm], kept at touch-ups.
    greying_per_year : float, default 0.03
        Rise of the grey fraction per year, 0-0.2. [1/year]
    interval_years : float, default 4
        Years between touch-ups, 1-10. [year]
    touch_ups : int, default 3
        Touch-ups planned, 1-10.

    Returns
    -------
    steps : list of GreyingStep
    """
    check_range("greying_per_year", greying_per_year, 0.0, 0.2, unit="/year")
    check_range("interval_years", interval_years, 1.0, 10.0, unit="years")
    check_range("touch_ups", touch_ups, 1, 10)
    steps = []
    for k in range(1, touch_ups + 1):
        years = k * interval_years
        grey = min(1.0, hair.grey_fraction + greying_per_year * years)
        later = replace(hair, grey_fraction=round(grey, 3))
        p = propose(
            later,
            skin_type,
            fixed=Fixed(density_per_cm2=density_per_cm2, dot_diameter_mm=dot_diameter_mm),
            depth_mm=depth_mm,
            pigment=pigment,
        )
        serves = p.indicated
        steps.append(
            GreyingStep(
                years=years,
                grey_fraction=later.grey_fraction,
                ink_fraction=p.ink_fraction if serves else None,
                tone_match_delta_e00=p.tone_match_delta_e00,
                note=p.note if not p.reachable else "",
            )
        )
        if not serves:
            break
    return steps
