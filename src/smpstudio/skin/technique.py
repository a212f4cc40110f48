"""The technique simulator: one impression's look from day 0 to years later, and when to touch up.

Colours come from the appearance table (:mod:`smpstudio.skin.appearance_table`): on each day the dot's
ink is the impression's ink load (:attr:`~smpstudio.skin.impression.Impression.ink_load`) times the
pigment still in the skin (:mod:`smpstudio.skin.kinetics`), looked up at the deposit's depth for the
client's skin type; below the table's lowest ink fraction the dot's colour is blended linearly towards
the bare skin (no ink, no dot). While scabs sit on the dots the
visible mark is the scab: wider (1.4×) and dark brown-black (a dried-blood and pigment crust, sRGB
0.20/0.13/0.11, [M]).

Sizes: a fresh puncture shows the cluster's footprint; the healed dot is 0.55 of it (practitioners
report holes shrinking by about half, 250 µm fresh to 100-150 µm healed [clinic-dot-size] [C]: 0.25 mm
× 0.55 = 0.1375 mm), widened by blow-out, and it spreads slowly over the years.

Blue: ``blue_red_ratio`` is the dot's own linear-sRGB blue over red. A faint deep dot keeps much of the
skin's orange, so its own ratio can stay below a dark shallow dot's even though it reads bluer on the
skin; :func:`blue_shift` measures that reading (the share of the dot's difference from the skin that is a
shift to blue rather than darkening) and is what rises with depth and, for deep ink, with the years.

Contrast is the CIEDE2000 difference between dot and skin ([sharma2005]). The touch-up is due when it has
fallen by the threshold (default 30 %) below its value on day 30, after the colour has settled: the
lightening of days 5-10, when the scabs shed, is healing, not fading, and does not count. Clinics advise
a touch-up every 3-6 years ([clinic-touchup] [C]); the threshold and the kinetics' slow clearance are
calibrated so the default SMP technique falls inside that span (:mod:`smpstudio.skin.kinetics`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from smpstudio.errors import check_range
from smpstudio.skin.appearance_table import DOT_FIELDS, SKIN_FIELDS, AppearanceTable, packaged_table
from smpstudio.skin.impression import BLOWOUT_FROM_MM, Impression
from smpstudio.skin.kinetics import Kinetics, pigment_fraction, scab_state
from smpstudio.skin.scalp import ScalpSkin

__all__ = [
    "DEFAULT_DAYS",
    "HEALED_SHRINK",
    "SETTLED_DAY",
    "DotTimeline",
    "DotsLook",
    "blue_shift",
    "healed_diameter_mm",
    "lab",
    "looks_on_day",
    "risks",
    "settled_look",
    "simulate_impression",
]

FloatArray = NDArray[np.float64]

#: Where the scalp model's papillary dermis ends [mm] ([meglinski2002]; ``ScalpSkin.papillary_bottom_mm``).
PAPILLARY_BOTTOM_MM = ScalpSkin().papillary_bottom_mm
#: Days reported in the timeline (day 0 to 5 years).
DEFAULT_DAYS = (0, 1, 2, 3, 5, 7, 10, 14, 21, 30, 90, 180, 365, 730, 1095, 1461, 1826)
#: Healed dot diameter over the fresh puncture's [-] ([clinic-dot-size]: 250 µm fresh, 100-150 µm healed).
HEALED_SHRINK = 0.55
SCAB_SRGB = (0.20, 0.13, 0.11)
#: Day by which the colour has settled, the reference for the touch-up threshold. [days]
SETTLED_DAY = 30
YEAR_DAYS = 365.25


@dataclass(frozen=True)
class TimelinePoint:
    day: float
    diameter_mm: float
    contrast: float
    dot_srgb: tuple[float, float, float]
    blue_red_ratio: float


@dataclass(frozen=True)
class DotTimeline:
    """The ``smp simulate`` result.

    Parameters
    ----------
    day0_apparent_diameter_mm : float
        Diameter of the fresh puncture. [mm]
    healed_diameter_mm : float
        Diameter of the healed dot on day 30. [mm]
    healed_contrast : float
        CIEDE2000 difference between the dot and the skin on day 30. [-]
    touch_up_due_years : float or None
        When the contrast has fallen by the threshold below its day-30 value, or ``None`` if not within
        15 years. [years]
    blue_red_ratio_healed, blue_red_ratio_5y : float
        The dot's linear-sRGB blue/red ratio on day 30 and after 5 years. [-]
    blue_shift_healed, blue_shift_5y : float
        :func:`blue_shift` on day 30 and after 5 years. [-]
    timeline : list of TimelinePoint
        Day [days], diameter [mm], contrast [-], shown sRGB [-] and blue/red ratio [-] per reported day.
    risks : list of dict
        :func:`risks` of the impression.
    """

    day0_apparent_diameter_mm: float
    healed_diameter_mm: float
    healed_contrast: float
    touch_up_due_years: float | None
    blue_red_ratio_healed: float
    blue_red_ratio_5y: float
    blue_shift_healed: float
    blue_shift_5y: float
    timeline: list[TimelinePoint] = field(default_factory=list)
    risks: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """The result as a JSON-ready dict, rounded (diameters to 4 decimals, contrasts to 3)."""
        return {
            "day0_apparent_diameter_mm": round(self.day0_apparent_diameter_mm, 4),
            "healed_diameter_mm": round(self.healed_diameter_mm, 4),
            "healed_contrast": round(self.healed_contrast, 3),
            "touch_up_due_years": None
            if self.touch_up_due_years is None
            else round(self.touch_up_due_years, 2),
            "blue_red_ratio_healed": round(self.blue_red_ratio_healed, 4),
            "blue_red_ratio_5y": round(self.blue_red_ratio_5y, 4),
            "blue_shift_healed": round(self.blue_shift_healed, 3),
            "blue_shift_5y": round(self.blue_shift_5y, 3),
            "timeline": [
                {
                    "day": p.day,
                    "diameter_mm": round(p.diameter_mm, 4),
                    "contrast": round(p.contrast, 3),
                    "dot_srgb": [round(c, 4) for c in p.dot_srgb],
                }
                for p in self.timeline
            ],
            "risks": self.risks,
        }


def lab(srgb: FloatArray) -> FloatArray:
    """CIELAB (D65) of sRGB colours in 0-1 ([iec61966-2-1], [cie15]); L* in 0-100."""
    from smpstudio.skin.cielab import srgb_to_lab

    return srgb_to_lab(srgb)


@dataclass(frozen=True, eq=False)
class DotsLook:
    """What a set of dots shows on one day.

    Parameters
    ----------
    srgb : ndarray of shape (N, 3)
        Colour shown, sRGB 0-1 (the scab's where it is on). [-]
    diameter_mm : ndarray of shape (N,)
        Visible diameter. [mm]
    blue_red_ratio : ndarray of shape (N,)
        The settled dot's linear-sRGB blue/red ratio. [-]
    scab : ndarray of shape (N,)
        Share of the scab still on, 0-1. [-]
    """

    srgb: FloatArray
    diameter_mm: FloatArray
    blue_red_ratio: FloatArray
    scab: FloatArray


def settled_look(
    table: AppearanceTable,
    skin_type: str,
    impression: Impression,
    kin: Kinetics,
    day: float,
    ink_scale: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Dot colours and blue/red ratios on ``day`` without the scab.

    Parameters
    ----------
    table : AppearanceTable
        The appearance table.
    skin_type : str
        Fitzpatrick type.
    impression : Impression
        The needle entry.
    kin : Kinetics
        Healing and ageing parameters.
    day : float
        Days since the session. [days]
    ink_scale : ndarray of shape (N,) or None, default None
        Multiplies the impression's ink per dot (a design's ink fractions); ``None`` is one dot of 1. [-]

    Returns
    -------
    srgb : ndarray of shape (N, 3)
        sRGB 0-1 of each dot, blended linearly into the bare skin below the table's lowest ink fraction.
        [-]
    blue_red_ratio : ndarray of shape (N,)
        Linear-sRGB blue over red. [-]

    Notes
    -----
    The ink looked up is the impression's ink load times the pigment kept
    (:func:`~smpstudio.skin.kinetics.pigment_fraction`) times the thinning of the slow spread, at the
    deposit's depth (deep deposits drifting deeper with the years).
    """
    years = day / YEAR_DAYS
    depth = impression.depth_mm
    if depth > BLOWOUT_FROM_MM:
        depth += kin.deep_drift_mm_per_year * years
    scale = np.ones(1) if ink_scale is None else np.asarray(ink_scale, dtype=np.float64)
    # Slow spread: the same pigment over a wider dot is thinner.
    thinning = (healed_diameter_mm(impression, kin, 0.0) / healed_diameter_mm(impression, kin, day)) ** 2
    ink = impression.ink_load * pigment_fraction(kin, day, impression.depth_mm) * scale * thinning
    lowest = float(table.ink_fractions[0])
    fields = table.lookup_many(
        skin_type, np.full(ink.size, depth), np.maximum(ink, lowest), impression.pigment
    )
    dot = fields[:, :3]
    ratio = fields[:, DOT_FIELDS.index("blue_red_ratio")]
    # Below the table's lowest ink fraction the dot fades linearly into the bare skin (no ink, no dot).
    w = np.clip(ink / lowest, 0.0, 1.0)
    skin = table.skin(skin_type)
    dot = w[:, None] * dot + (1 - w[:, None]) * skin[:3]
    ratio = w * ratio + (1 - w) * float(skin[SKIN_FIELDS.index("blue_red_ratio")])
    return dot, ratio


def healed_diameter_mm(impression: Impression, kin: Kinetics, day: float) -> float:
    """Diameter of the healed dot on ``day`` (after the scab), spreading slowly over the years.

    Parameters
    ----------
    impression : Impression
        The needle entry.
    kin : Kinetics
        Healing and ageing parameters (its ``spread_mm2_per_year``).
    day : float
        Days since the session; negative days count as 0. [days]

    Returns
    -------
    diameter : float
        ``sqrt(d₀² + s t)`` with ``d₀`` the fresh diameter × :data:`HEALED_SHRINK` × the blow-out factor,
        ``s`` the spread rate [mm²/year] and ``t`` the years. [mm]

    Notes
    -----
    Practitioners report a dot of about 250 µm when fresh and 100-150 µm healed [1]_; the 0.25 mm
    single needle of the SMP preset heals to 0.25 × 0.55 = 0.1375 mm.

    References
    ----------
    .. [1] Practitioners' dot sizes ([clinic-dot-size] in docs/references.md), e.g.
       http://jonathangerow.com/smp-results-arent-necessarily-better-smaller-needles/

    Examples
    --------
    >>> from smpstudio.skin.impression import TECHNIQUES
    >>> round(healed_diameter_mm(TECHNIQUES["smp"], Kinetics(), 0.0), 4)
    0.1375
    """
    base = impression.fresh_diameter_mm * HEALED_SHRINK * impression.blowout_factor
    return math.sqrt(base**2 + kin.spread_mm2_per_year * max(day, 0.0) / YEAR_DAYS)


def looks_on_day(
    table: AppearanceTable,
    skin_type: str,
    impression: Impression,
    kin: Kinetics,
    day: float,
    *,
    ink_scale: FloatArray | None = None,
    scab: FloatArray | None = None,
) -> DotsLook:
    """The dots' look on ``day``: the fresh puncture, the scab while it is on, else the settled dot.

    Parameters
    ----------
    table, skin_type, impression, kin, day, ink_scale
        As for :func:`settled_look`.
    scab : ndarray of shape (N,) or None, default None
        Share of each dot's scab still on, 0-1; ``None`` is the share of dots still scabbed on ``day``
        (:func:`~smpstudio.skin.kinetics.scab_state`). [-]

    Returns
    -------
    look : DotsLook
        Colour, diameter [mm], blue/red ratio and scab per dot. Before day 1 the diameter is the fresh
        one; a scab is ``kin.scab_width`` (1.4) times the fresh diameter and dark brown-black.
    """
    dot, ratio = settled_look(table, skin_type, impression, kin, day, ink_scale)
    on = np.full(len(dot), scab_state(kin, day)) if scab is None else np.asarray(scab, dtype=np.float64)
    if day < 1.0:  # the fresh puncture, until the scab forms
        diameter = np.full(len(dot), impression.fresh_diameter_mm)
    else:
        healed = healed_diameter_mm(impression, kin, day)
        diameter = on * kin.scab_width * impression.fresh_diameter_mm + (1 - on) * healed
    shown = on[:, None] * np.asarray(SCAB_SRGB) + (1 - on[:, None]) * dot
    return DotsLook(shown, diameter, ratio, on)


def blue_shift(dot_srgb: FloatArray, skin_srgb: FloatArray) -> float:
    """How much of a dot's difference from the skin is a shift to blue rather than a darkening.

    Parameters
    ----------
    dot_srgb : ndarray of shape (3,)
        The dot's sRGB, 0-1. [-]
    skin_srgb : ndarray of shape (3,)
        The skin's sRGB, 0-1. [-]

    Returns
    -------
    shift : float
        ``-Δb* / |ΔL*|`` in CIELAB (D65 white) [1]_, with ``|ΔL*|`` at least 10⁻⁶. Near-neutral shallow
        dots sit below 1; deep ink, seen through the dermis that scatters blue back before it reaches the
        pigment, above it. [-]

    References
    ----------
    .. [1] CIE 15:2004, Colorimetry, 3rd ed., Commission Internationale de l'Éclairage, 2004.
       https://cie.co.at/publications/colorimetry-3rd-edition

    Examples
    --------
    A grey on a grey is pure darkening:

    >>> abs(blue_shift(np.array([0.2, 0.2, 0.2]), np.array([0.6, 0.6, 0.6]))) < 1e-3
    True
    """
    d = lab(dot_srgb) - lab(skin_srgb)
    return float(-d[2] / max(abs(d[0]), 1e-6))


def _point(
    table: AppearanceTable, skin_type: str, impression: Impression, kin: Kinetics, day: float
) -> TimelinePoint:
    from smpstudio.skin.cielab import delta_e2000

    skin_srgb = table.skin(skin_type)[:3]
    look = looks_on_day(table, skin_type, impression, kin, day)
    shown = look.srgb[0]
    contrast = float(delta_e2000(lab(shown), lab(skin_srgb)))
    return TimelinePoint(
        float(day),
        float(look.diameter_mm[0]),
        contrast,
        (float(shown[0]), float(shown[1]), float(shown[2])),
        float(look.blue_red_ratio[0]),
    )


def risks(impression: Impression) -> list[dict[str, str]]:
    """Risk flags with reasons for one needle entry.

    Parameters
    ----------
    impression : Impression
        The needle entry.

    Returns
    -------
    flags : list of dict
        ``{"code", "message"}`` per risk: ``too-deep`` (below 0.35 mm, the bottom of the upper blood net
        under the papillary dermis, which ends at 0.25 mm [3]_), ``undiluted`` (SMP carbon at an
        ink fraction of 0.9 or more), ``tattoo-ink``, ``needle-too-large-for-hairline`` (over 0.30 mm or
        more than 3 needles; 1RL needles of 0.18-0.25 mm keep hairline dots fine [1]_) and
        ``iron-oxide-laser-darkening`` (iron oxides can darken under laser removal [2]_).

    References
    ----------
    .. [1] Practitioners' needle, depth and dilution figures ([clinic-technique] in docs/references.md),
       e.g. https://robjamessmp.com/what-is-the-best-size-needle-for-scalp-micropigmentation/
    .. [2] K. Sardana, R. Ranjan, S. Ghunawat, "Optimising laser tattoo removal," J. Cutan. Aesthet.
       Surg. 8(1), 16-24, 2015. :doi:`10.4103/0974-2077.155068`
    .. [3] Meglinski & Matcher's layered skin ([meglinski2002] in docs/references.md), as in
       :mod:`smpstudio.skin.impression` and :class:`smpstudio.skin.scalp.ScalpSkin`.

    Examples
    --------
    >>> from smpstudio.skin.impression import TECHNIQUES
    >>> [flag["code"] for flag in risks(TECHNIQUES["tattoo"])]
    ['too-deep', 'tattoo-ink', 'needle-too-large-for-hairline']
    """
    out = []
    if impression.depth_mm > BLOWOUT_FROM_MM:
        out.append(
            {
                "code": "too-deep",
                "message": f"deposit at {impression.depth_mm:g} mm is below the upper blood net "
                f"({BLOWOUT_FROM_MM:g} mm), under the papillary dermis (which ends at "
                f"{PAPILLARY_BOTTOM_MM:g} mm): dots blur, spread (blow-out) and heal blue-grey",
            }
        )
    if impression.ink == "smp-carbon" and impression.ink_fraction >= 0.9:
        out.append(
            {
                "code": "undiluted",
                "message": "undiluted ink heals too dark and makes dots merge on "
                "repeated touch-ups (the 'helmet' look); dilute for SMP",
            }
        )
    if impression.ink == "tattoo-black":
        out.append(
            {
                "code": "tattoo-ink",
                "message": "concentrated tattoo ink gives larger, bluer dots that "
                "are hard to correct; use diluted SMP pigment",
            }
        )
    if impression.needle.diameter_mm > 0.30 or impression.needle.count > 3:
        out.append(
            {
                "code": "needle-too-large-for-hairline",
                "message": f"{impression.needle.name} is too large "
                "for hairline work, where 1RL needles of 0.18-0.25 mm keep dots fine",
            }
        )
    if impression.ink == "iron-oxide-black":
        out.append(
            {
                "code": "iron-oxide-laser-darkening",
                "message": "iron oxides can darken under laser removal "
                "(paradoxical darkening): any later removal needs a test spot first",
            }
        )
    return out


def simulate_impression(
    impression: Impression,
    skin_type: str = "III",
    kinetics: Kinetics | None = None,
    *,
    days: tuple[float, ...] = DEFAULT_DAYS,
    touch_up_threshold: float = 0.3,
    table: AppearanceTable | None = None,
) -> DotTimeline:
    """Simulate one impression's healing and ageing on ``skin_type`` (see the module docstring).

    Parameters
    ----------
    impression : Impression
        The needle entry.
    skin_type : str, default 'III'
        Fitzpatrick type.
    kinetics : Kinetics or None, default None
        Healing and ageing parameters; ``None`` is :class:`~smpstudio.skin.kinetics.Kinetics`'s defaults.
    days : tuple of float, default :data:`DEFAULT_DAYS`
        Days reported in the timeline (day 0 to 5 years). [days]
    touch_up_threshold : float, default 0.3
        Loss of the day-30 contrast at which the touch-up is due, 0.05-0.9. [-]
    table : AppearanceTable or None, default None
        The appearance table; ``None`` is the packaged one.

    Returns
    -------
    timeline : DotTimeline
        Sizes [mm], contrast, blue/red ratios and blue shift healed and after 5 years, the timeline,
        the risk flags, and when the touch-up is due [years], searched every 30 days up to 15 years.

    Raises
    ------
    InputError
        If ``touch_up_threshold`` is out of range or ``skin_type`` is not in the table.

    Notes
    -----
    Clinics advise a touch-up every 3-6 years [1]_; the default SMP technique's, about 4.1 years on type
    III skin, comes from the calibration of :class:`~smpstudio.skin.kinetics.Kinetics` (project choice).

    References
    ----------
    .. [1] Fading and touch-up intervals ([clinic-touchup] in docs/references.md), e.g.
       https://scalpmicrousa.com/how-often-to-expect-hairline-tattoo-touch-ups/
    """
    check_range("touch_up_threshold", touch_up_threshold, 0.05, 0.9)
    kin = kinetics or Kinetics()
    table = table or packaged_table()
    timeline = [_point(table, skin_type, impression, kin, d) for d in days]
    settled = _point(table, skin_type, impression, kin, SETTLED_DAY)
    target = (1.0 - touch_up_threshold) * settled.contrast
    due: float | None = None
    previous_day, previous = float(SETTLED_DAY), settled.contrast
    for day in np.arange(SETTLED_DAY + 30.0, 15 * YEAR_DAYS, 30.0):
        contrast = _point(table, skin_type, impression, kin, float(day)).contrast
        if contrast <= target:
            t = (previous - target) / (previous - contrast) if previous > contrast else 1.0
            due = (previous_day + t * (float(day) - previous_day)) / YEAR_DAYS
            break
        previous_day, previous = float(day), contrast
    skin = table.skin(skin_type)[:3]
    healed_dot = settled_look(table, skin_type, impression, kin, SETTLED_DAY)[0][0]
    five_dot, five_ratio = settled_look(table, skin_type, impression, kin, 5 * YEAR_DAYS)
    return DotTimeline(
        day0_apparent_diameter_mm=impression.fresh_diameter_mm,
        healed_diameter_mm=healed_diameter_mm(impression, kin, SETTLED_DAY),
        healed_contrast=settled.contrast,
        touch_up_due_years=due,
        blue_red_ratio_healed=settled.blue_red_ratio,
        blue_red_ratio_5y=float(five_ratio[0]),
        blue_shift_healed=blue_shift(healed_dot, skin),
        blue_shift_5y=blue_shift(five_dot[0], skin),
        timeline=timeline,
        risks=risks(impression),
    )
