"""Repeated touch-ups: ink piling up in a dot and re-entries widening it, session after session.

Each touch-up adds the impression's ink to what is left of the earlier deposits (which keep clearing, as
:mod:`smpstudio.skin.kinetics` models) and re-enters the dot off its centre, widening it; the dot's
settled look after each session comes from :func:`smpstudio.skin.technique.settled_look`. Ink piling up
past a single session's is the road to the over-dark, merging "helmet" look ([clinic-touchup] in
docs/references.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from smpstudio.errors import check_range
from smpstudio.skin.appearance_table import AppearanceTable, packaged_table
from smpstudio.skin.impression import TECHNIQUES, Impression
from smpstudio.skin.kinetics import Kinetics, pigment_fraction
from smpstudio.skin.technique import (
    SETTLED_DAY,
    YEAR_DAYS,
    healed_diameter_mm,
    lab,
    settled_look,
    simulate_impression,
)

__all__ = [
    "HELMET_DARKER",
    "HELMET_MERGED_SHARE",
    "INK_FRACTION_DECIMALS",
    "MIGRATION_MM2_PER_EXCESS_INK",
    "REENTRY_SD_MM",
    "TouchUpStep",
    "area_darkening",
    "design_impression",
    "merged_dots",
    "touch_up_course",
    "touch_up_due_years",
]

#: Decimals of the ink fractions a design file stores (:mod:`smpstudio.design.document` writes them
#: rounded so): a design and the same design read back from its file must get one touch-up date.
INK_FRACTION_DECIMALS = 3


#: Where a touch-up's needle re-enters an existing dot: within this standard deviation of the first entry
#: (calibration default [M], range 0.02-0.1 mm). Each re-entry widens the dot's footprint. [mm]
REENTRY_SD_MM = 0.05
#: Spread of pigment piled past what one undiluted session leaves: over-saturated dots migrate and blur
#: ([clinic-helmet] [C]); the squared diameter grows by this much per unit of excess ink (calibration
#: default [M], range 0-0.3). [mm²]
MIGRATION_MM2_PER_EXCESS_INK = 0.15


#: Share of a design's dots whose apparent spots touch a neighbour's at which the treated area reads as one
#: solid shade, the "helmet" or "painted" look practitioners warn of after touch-ups too soon, too deep or
#: too dense ([clinic-helmet] in docs/references.md [C]); calibration default, range 0.3-0.8 [M].
HELMET_MERGED_SHARE = 0.5
#: An over-dark course (more ink in the dots than one undiluted session leaves) reads as a painted shade
#: once the treated area is this many times darker than the healed first session ([clinic-helmet]: "one
#: solid, over-densified colour ... darker than the person's hair" [C]); calibration default, range 1.5-3
#: [M]. [-]
HELMET_DARKER = 2.0


def area_darkening(
    position_mm: NDArray[np.float64],
    apparent_diameter_mm: NDArray[np.float64],
    darkening: NDArray[np.float64],
) -> float:
    """Mean darkening of a treated area by its dots' apparent spots, overlaps multiplying.

    Parameters
    ----------
    position_mm : ndarray of shape (N, 2) or (N, 3)
        Dot positions. [mm]
    apparent_diameter_mm : ndarray of shape (N,)
        Apparent diameter of each dot. [mm]
    darkening : ndarray of shape (N,)
        Share of the skin's light each dot's spot takes away, 0-1. [-]

    Returns
    -------
    darkening : float
        ``mean(1 - exp(-ρ a δ))`` over the dots, ``ρ`` the local density from the six nearest neighbours
        [mm⁻²], ``a`` the spot's area [mm²] and ``δ`` its darkening: the light a random (Boolean) scatter
        of spots takes from the area around each dot. [-]

    Examples
    --------
    >>> grid = np.array([[x, y] for x in range(10) for y in range(10)], dtype=float)
    >>> round(area_darkening(grid, np.full(100, 0.5), np.full(100, 0.5)), 2)
    0.07
    """
    from scipy.spatial import cKDTree

    pos = np.asarray(position_mm, dtype=np.float64)
    if len(pos) < 7:
        return 0.0
    dist, _ = cKDTree(pos).query(pos, k=7)
    density = 6.0 / (np.pi * np.maximum(dist[:, 6], 1e-9) ** 2)
    area = 0.25 * np.pi * np.asarray(apparent_diameter_mm, dtype=np.float64) ** 2
    return float(np.mean(1.0 - np.exp(-density * area * np.clip(darkening, 0.0, 1.0))))


def merged_dots(
    position_mm: NDArray[np.float64], apparent_diameter_mm: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Which dots have grown into a neighbour as the eye sees them: their apparent spots touch.

    Parameters
    ----------
    position_mm : ndarray of shape (N, 2) or (N, 3)
        Dot positions. [mm]
    apparent_diameter_mm : ndarray of shape (N,)
        Apparent diameter of each dot. [mm]

    Returns
    -------
    merged : ndarray of bool, shape (N,)
        True where the dot's centre lies closer to a neighbour's than the mean of their two apparent
        diameters.

    Examples
    --------
    >>> merged_dots(np.array([[0.0, 0.0], [0.5, 0.0], [3.0, 0.0]]), np.full(3, 0.6)).tolist()
    [True, True, False]
    """
    from scipy.spatial import cKDTree

    pos = np.asarray(position_mm, dtype=np.float64)
    apparent = np.asarray(apparent_diameter_mm, dtype=np.float64)
    merged = np.zeros(len(pos), dtype=np.bool_)
    if len(pos) < 2:
        return merged
    pairs = cKDTree(pos).query_pairs(float(apparent.max()), output_type="ndarray")
    if len(pairs):
        i, j = pairs[:, 0], pairs[:, 1]
        touching = np.linalg.norm(pos[i] - pos[j], axis=1) < 0.5 * (apparent[i] + apparent[j])
        merged[i[touching]] = True
        merged[j[touching]] = True
    return merged


def design_impression(ink_fractions: Sequence[float] | NDArray[np.float64]) -> Impression:
    """The SMP technique's needle entry for a design: the preset with the design's typical ink.

    Parameters
    ----------
    ink_fractions : sequence of float or ndarray
        The design's dots' ink fractions (share of undiluted ink). [-]

    Returns
    -------
    impression : Impression
        The SMP preset (1RL-0.25 at 0.2 mm) with the median ink fraction of the dots as the design file
        stores them (rounded to :data:`INK_FRACTION_DECIMALS`), within 0.02-1; 0.5 without dots.

    Examples
    --------
    A design and the same design read back from its file (ink fractions stored to 3 decimals):

    >>> a, b = design_impression([0.6946933, 0.7, 0.2]), design_impression([0.695, 0.7, 0.2])
    >>> a.ink_fraction, b.ink_fraction
    (0.695, 0.695)
    """
    ink = np.round(np.asarray(ink_fractions, dtype=np.float64), INK_FRACTION_DECIMALS)
    median = round(float(np.median(ink)), INK_FRACTION_DECIMALS) if ink.size else 0.5
    return replace(TECHNIQUES["smp"], ink_fraction=min(max(median, 0.02), 1.0))


def touch_up_due_years(
    impression: Impression,
    skin_type: str,
    kinetics: Kinetics | None = None,
    *,
    touch_up_threshold: float = 0.3,
    table: AppearanceTable | None = None,
) -> float | None:
    """When a touch-up falls due: the one date the demo, the timeline and a session's forecast give.

    Parameters
    ----------
    impression : Impression
        The needle entry (for a design: :func:`design_impression`).
    skin_type : str
        Fitzpatrick type.
    kinetics : Kinetics or None, default None
        Healing and ageing parameters; ``None`` is the defaults.
    touch_up_threshold : float, default 0.3
        Loss of the day-30 contrast at which the touch-up is due, 0.05-0.9. [-]
    table : AppearanceTable or None, default None
        The appearance table; ``None`` is the packaged one.

    Returns
    -------
    years : float or None
        Years after the session at which the contrast has fallen by the threshold
        (:func:`~smpstudio.skin.technique.simulate_impression`), or ``None`` if not within 15 years. [years]

    Examples
    --------
    >>> 3.0 <= touch_up_due_years(TECHNIQUES["smp"], "III") <= 6.0
    True
    """
    return simulate_impression(
        impression, skin_type, kinetics, days=(), touch_up_threshold=touch_up_threshold, table=table
    ).touch_up_due_years


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
    clearing), and re-enters the dot off its centre, widening it: ``sqrt(d² + k (2 sd)² + m e)`` after
    ``k`` re-entries with ``sd`` = 0.05 mm [M], plus the slow spread in ``d``, and ``e`` the ink past one
    undiluted session's, which migrates (``m`` = 0.15 mm² [M]; over-saturated dots blur [clinic-helmet]
    [C]). Ink piling up past a single session's is the road to the over-dark, merging "helmet" look.
    """
    from smpstudio.skin.cielab import delta_e2000

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
        excess = max(ink - 1.0, 0.0)
        diameter = math.sqrt(base**2 + k * (2 * REENTRY_SD_MM) ** 2 + MIGRATION_MM2_PER_EXCESS_INK * excess)
        single = replace(
            impression,
            ink_fraction=min(max(ink / (impression.ink_load / impression.ink_fraction), 0.02), 1.0),
        )
        dot, _ = settled_look(table, skin_type, single, kin, 0.0)
        contrast = float(delta_e2000(lab(dot[0]), lab(skin)))
        steps.append(TouchUpStep(start / YEAR_DAYS, k + 1, ink, diameter, contrast))
    return steps
