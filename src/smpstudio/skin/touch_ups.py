"""Repeated touch-ups: ink piling up in a dot and re-entries widening it, session after session.

Each touch-up adds the impression's ink to what is left of the earlier deposits (which keep clearing, as
:mod:`smpstudio.skin.kinetics` models) and re-enters the dot off its centre, widening it; the dot's
settled look after each session comes from :func:`smpstudio.skin.technique.settled_look`. Ink piling up
past a single session's is the road to the over-dark, merging "helmet" look ([clinic-touchup] in
docs/references.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import colour

from smpstudio.errors import check_range
from smpstudio.skin.appearance_table import AppearanceTable, packaged_table
from smpstudio.skin.impression import Impression
from smpstudio.skin.kinetics import Kinetics, pigment_fraction
from smpstudio.skin.technique import SETTLED_DAY, YEAR_DAYS, healed_diameter_mm, lab, settled_look

__all__ = ["REENTRY_SD_MM", "TouchUpStep", "touch_up_course"]


#: Where a touch-up's needle re-enters an existing dot: within this standard deviation of the first entry
#: (calibration default [M], range 0.02-0.1 mm). Each re-entry widens the dot's footprint. [mm]
REENTRY_SD_MM = 0.05


@dataclass(frozen=True)
class TouchUpStep:
    """A dot 30 days after a session, once its colour has settled.

    Parameters
    ----------
    year : float
        When the session took place. [years]
    sessions : int
        Sessions so far, the first included. [-]
    ink_fraction : float
        Ink in the dot relative to an undiluted single pass. [-]
    diameter_mm : float
        Diameter of the dot. [mm]
    contrast : float
        CIEDE2000 difference between the dot and the skin. [-]
    """

    year: float
    sessions: int
    ink_fraction: float
    diameter_mm: float
    contrast: float

    def to_dict(self) -> dict[str, float | int]:
        """The step as a JSON-ready dict, rounded."""
        return {
            "year": round(self.year, 2),
            "sessions": self.sessions,
            "ink_fraction": round(self.ink_fraction, 4),
            "diameter_mm": round(self.diameter_mm, 4),
            "contrast": round(self.contrast, 3),
        }


def touch_up_course(
    impression: Impression,
    skin_type: str,
    kinetics: Kinetics | None,
    *,
    touch_ups: int,
    interval_years: float,
    table: AppearanceTable | None = None,
) -> list[TouchUpStep]:
    """Repeated touch-ups every ``interval_years``, and how the dot darkens and widens.

    Parameters
    ----------
    impression : Impression
        The needle entry of every session.
    skin_type : str
        Fitzpatrick type.
    kinetics : Kinetics or None
        Healing and ageing parameters; ``None`` is the defaults.
    touch_ups : int
        Touch-ups after the first session, 0-10. [-]
    interval_years : float
        Time between sessions, 0.25-15. [years]
    table : AppearanceTable or None, default None
        The appearance table; ``None`` is the packaged one.

    Returns
    -------
    steps : list of TouchUpStep
        One per session, each the dot 30 days after it (settled): ink [-], diameter [mm], contrast [-].

    Raises
    ------
    InputError
        If ``touch_ups`` or ``interval_years`` is out of range.

    Notes
    -----
    Each session adds the impression's ink to what is left of the earlier deposits (which keep
    clearing), and re-enters the dot off its centre, widening it (``sqrt(d² + k (2 sd)²)`` after ``k``
    re-entries with ``sd`` = 0.05 mm [M], plus the slow spread). Ink piling up past a single session's is
    the road to the over-dark, merging "helmet" look.
    """
    check_range("touch_ups", touch_ups, 0, 10)
    check_range("interval_years", interval_years, 0.25, 15.0, unit="years")
    kin = kinetics or Kinetics()
    table = table or packaged_table()
    skin = table.skin(skin_type)[:3]
    starts = [k * interval_years * YEAR_DAYS for k in range(touch_ups + 1)]
    steps = []
    for k, start in enumerate(starts):
        day = start + SETTLED_DAY
        ink = sum(
            impression.ink_load * pigment_fraction(kin, day - s, impression.depth_mm) for s in starts[: k + 1]
        )
        base = healed_diameter_mm(impression, kin, day)
        diameter = math.sqrt(base**2 + k * (2 * REENTRY_SD_MM) ** 2)
        single = replace(
            impression,
            ink_fraction=min(max(ink / (impression.ink_load / impression.ink_fraction), 0.02), 1.0),
        )
        dot, _ = settled_look(table, skin_type, single, kin, 0.0)
        contrast = float(colour.delta_E(lab(dot[0]), lab(skin), method="CIE 2000"))
        steps.append(TouchUpStep(start / YEAR_DAYS, k + 1, ink, diameter, contrast))
    return steps
