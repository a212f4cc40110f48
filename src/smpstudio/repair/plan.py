"""The repair plan: laser sessions for the dots that go, then re-SMP sessions for the dots to add.

The laser plan is the care rules' removal estimate (:func:`smpstudio.care.removal.estimate_removal`: the
Kirby-Desai score [kirby2009], the SMP evidence of 1-3 picosecond 1064 nm sessions [wu2020], the interval,
and a test spot when the ink may hold iron oxide or titanium dioxide [ho2015], [sardana2015]), its inputs
taken from the photo where it can show them:

* **colour**: carbon black placed deep reads blue through the skin above it (the Tyndall effect,
  [kienle1996]); the pigment is still black, so the Kirby-Desai colour is ``black`` either way and the
  photo's reading (``black`` or ``blue-black``, when at least :data:`BLUE_BLACK_SHARE` of the dots to
  remove are ``blue``) is reported beside it;
* **amount of ink**: the share of light the dots to remove take from the area the laser treats (each
  spot's darkening integral, contrast x ``π w² / (4 ln 2)`` for a Gaussian spot of FWHM ``w``, summed over
  the area within :data:`LASER_MARGIN_MM` of those dots). A healed SMP darkens the scalp by 8-15 % in
  real before/after photos (the healed-look calibration, docs/healed-dots.md, [D]): under
  :data:`INK_BOUNDS` 0.08 is ``minimal``, up to 0.2 ``moderate``, above ``significant``. ``amateur`` is who
  did the work, which a photo cannot show;
* **layering**: ``cover-up`` when at least :data:`LAYERING_MERGED_SHARE` of the photo's dots are merged
  deposits (ink laid over earlier ink), else ``none`` ([D]);
* **scarring**: not measured: the practitioner's (default ``none``); **location**: ``head-neck``.

The re-SMP follows once the skin has healed from the last laser session: the care rules' wait after laser
in the area (their screening question, 90 days, [clinic-contraindications]); without laser it starts at
once. Its sessions are the design's (cumulative fractions of the dots, 45/80/100 % by default
[clinic-technique]): as many as it takes for the design's cumulative share to reach the share of the
final dots that are new, at least the care rules' minimum interval apart; the new dots are shared among
those sessions in the design's proportions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from smpstudio.care.removal import estimate_removal
from smpstudio.care.rules import RuleSet
from smpstudio.errors import check_choice

__all__ = [
    "BLUE_BLACK_SHARE",
    "INKS",
    "INK_BOUNDS",
    "LASER_MARGIN_MM",
    "LAYERING_MERGED_SHARE",
    "TEST_SPOT_READ_DAYS",
    "LaserPlan",
    "RemovalInputs",
    "ResmpPlan",
    "laser_plan",
    "removal_inputs",
    "resmp_plan",
]

FloatArray = NDArray[np.float64]
#: What the ink may be; ``unknown`` counts as "may hold iron oxide or titanium dioxide".
INKS = ("carbon", "iron-oxide", "titanium-dioxide", "unknown")
_CONTAINS = {
    "carbon": (),
    "iron-oxide": ("iron-oxide",),
    "titanium-dioxide": ("titanium-dioxide",),
    "unknown": ("iron-oxide", "titanium-dioxide"),
}
#: Share of the dots to remove that read ``blue`` from which the photo reads blue-black. [-] ([D])
BLUE_BLACK_SHARE = 0.5
#: Share of light taken under which the amount of ink is minimal, and up to which it is moderate. [-]
INK_BOUNDS = (0.08, 0.2)
#: The laser treats the skin within this of each dot it takes ([D]: Q-switched and picosecond spots are
#: 2-4 mm wide [ho2015], so a lone dot's treated area is at least that). [mm]
LASER_MARGIN_MM = 1.0
#: Share of merged deposits from which the work reads as layered. [-] ([D])
LAYERING_MERGED_SHARE = 0.1
#: Days after which a test spot is read (the care rules' darkening warning: 14, range 7-14). [days]
TEST_SPOT_READ_DAYS = 14
_GAUSSIAN_AREA = math.pi / (4.0 * math.log(2.0))


@dataclass(frozen=True, slots=True)
class RemovalInputs:
    """The Kirby-Desai inputs and the measures behind them."""

    colour: str
    colour_seen: str
    blue_share: float
    ink_amount: str
    ink_light_share: float
    layering: str
    merged_share: float
    scarring: str
    location: str
    pigment_contains: tuple[str, ...]
    laser_area_cm2: float


def _laser_area_cm2(x_px: FloatArray, y_px: FloatArray, mm_per_px: float) -> float:
    """Area within :data:`LASER_MARGIN_MM` of the dots, on a 0.25 mm grid. [cm²]"""
    if x_px.size == 0:
        return 0.0
    cell = 0.25
    xs, ys = x_px * mm_per_px / cell, y_px * mm_per_px / cell
    reach = LASER_MARGIN_MM / cell
    x0, y0 = math.floor(xs.min() - reach) - 1, math.floor(ys.min() - reach) - 1
    nx, ny = math.ceil(xs.max() + reach) - x0 + 2, math.ceil(ys.max() + reach) - y0 + 2
    gy, gx = np.mgrid[0:ny, 0:nx].astype(np.float64) + 0.5
    hit = np.zeros((ny, nx), dtype=bool)
    for cx, cy in zip(xs - x0, ys - y0, strict=True):
        hit |= (gx - cx) ** 2 + (gy - cy) ** 2 <= reach * reach
    return float(hit.sum()) * cell * cell / 100.0


def removal_inputs(
    *,
    x_px: FloatArray,
    y_px: FloatArray,
    diameter_mm: FloatArray,
    contrast: FloatArray,
    flags: Sequence[Sequence[str]],
    classes: Sequence[str],
    mm_per_px: float,
    ink: str,
    scarring: str,
) -> RemovalInputs:
    """The Kirby-Desai inputs from the photo's dots, their classes and what the practitioner says (see
    the module docstring)."""
    check_choice("ink", ink, INKS)
    check_choice("scarring", scarring, ("none", "minimal", "moderate", "significant"))
    go = np.array([c == "remove" for c in classes], dtype=bool)
    n_go = int(go.sum())
    blue = sum(1 for f, g in zip(flags, go, strict=True) if g and "blue" in f)
    merged = sum(1 for f in flags if "merged" in f)
    area = _laser_area_cm2(x_px[go], y_px[go], mm_per_px)
    taken_mm2 = float(np.sum(contrast[go] * _GAUSSIAN_AREA * diameter_mm[go] ** 2))
    share = taken_mm2 / (100.0 * area) if area > 0 else 0.0
    amount = "minimal" if share < INK_BOUNDS[0] else ("moderate" if share <= INK_BOUNDS[1] else "significant")
    blue_share = blue / n_go if n_go else 0.0
    merged_share = merged / len(flags) if len(flags) else 0.0
    return RemovalInputs(
        colour="black",
        colour_seen="blue-black" if n_go and blue_share >= BLUE_BLACK_SHARE else "black",
        blue_share=round(blue_share, 3),
        ink_amount=amount,
        ink_light_share=round(share, 4),
        layering="cover-up" if merged_share >= LAYERING_MERGED_SHARE else "none",
        merged_share=round(merged_share, 3),
        scarring=scarring,
        location="head-neck",
        pigment_contains=_CONTAINS[ink],
        laser_area_cm2=round(area, 4),
    )


@dataclass(frozen=True)
class LaserPlan:
    """The laser part of the plan; ``needed`` False (and no estimate) when no dot is to be removed."""

    needed: bool
    dots: int
    inputs: RemovalInputs
    estimate: dict[str, Any] | None
    test_spot: bool
    schedule_days: list[int] = field(default_factory=list)
    last_day: int = 0


def laser_plan(rules: RuleSet, *, skin_type: str, inputs: RemovalInputs, dots: int) -> LaserPlan:
    """Laser sessions for ``dots`` dots to remove (see the module docstring); the schedule counts days
    from the first visit: the test spot, read after :data:`TEST_SPOT_READ_DAYS`, then the sessions."""
    if dots == 0:
        return LaserPlan(needed=False, dots=0, inputs=inputs, estimate=None, test_spot=False)
    est = estimate_removal(
        rules,
        skin_type=skin_type,
        location=inputs.location,
        colour=inputs.colour,
        ink_amount=inputs.ink_amount,
        scarring=inputs.scarring,
        layering=inputs.layering,
        pigment_contains=inputs.pigment_contains,
    )
    test = bool(inputs.pigment_contains)
    start = TEST_SPOT_READ_DAYS if test else 0
    days = [start + 7 * est.interval_weeks * k for k in range(est.sessions_expected_smp)]
    return LaserPlan(
        needed=True,
        dots=dots,
        inputs=inputs,
        estimate=est.to_dict(),
        test_spot=test,
        schedule_days=days,
        last_day=days[-1] if days else 0,
    )


@dataclass(frozen=True)
class ResmpPlan:
    """The re-SMP part: how many dots and sessions, when, and why."""

    needed: bool
    dots: int
    new_share: float
    sessions: int
    dots_per_session: list[int]
    interval_days: int
    wait_after_laser_days: int
    wait_source: str
    interval_source: str
    schedule_days: list[int]


def resmp_plan(
    rules: RuleSet,
    *,
    added: int,
    after: int,
    sessions: Sequence[float],
    laser: LaserPlan,
) -> ResmpPlan:
    """Re-SMP sessions for ``added`` new dots of ``after`` dots in the end, with the design's cumulative
    session fractions ``sessions`` (see the module docstring)."""
    wait_rule = rules.data["screening"]["questions"]["laser_in_area_last_90_days"]
    records = rules.data["records"]
    wait = int(wait_rule["defer_days"]) if laser.needed else 0
    interval = int(records["minimum_interval_days"])
    share = added / after if after else 0.0
    fractions = [float(f) for f in sessions] or [1.0]
    count = 0 if added == 0 else next((k + 1 for k, f in enumerate(fractions) if f >= share), len(fractions))
    first = laser.last_day + wait
    steps = np.diff(np.r_[0.0, fractions[:count]])
    per = np.floor(added * np.cumsum(steps) / steps.sum() + 0.5).astype(int) if count else np.zeros(0, int)
    return ResmpPlan(
        needed=added > 0,
        dots=added,
        new_share=round(share, 3),
        sessions=count,
        dots_per_session=np.diff(np.r_[0, per]).tolist(),
        interval_days=interval,
        wait_after_laser_days=wait,
        wait_source=f"{wait_rule['defer_until']}: {wait_rule['source']}",
        interval_source=str(records["source"]),
        schedule_days=[first + interval * k for k in range(count)],
    )
