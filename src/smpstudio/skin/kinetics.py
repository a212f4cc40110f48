"""Healing and ageing of a pigment dot: pigment retained, scabs, redness and spread over time.

Pigment mass (derived here [D]; keys in brackets are entries of docs/references.md):

    m(t) = m0 [f + (1 - f) exp(-t / tau_heal)] exp(-k t)

* ``f``: fraction kept through healing; a per-clinic calibration default of 0.7 (range 0.5-0.9). About a
  third of tattoo pigment leaves the skin within weeks (Bäumler 2015 [baumler2015], summarising Engel
  et al. 2010 [engel2010]); no loss percentage is established ([clinic-healing]), so it stays a labelled
  default;
* ``tau_heal`` 5 days (3-7): deposits reach a steady state by day 7 in pigs (PubMed 38402858
  [pubmed38402858]);
* pigment deeper than 0.35 mm loses a further share by about day 21, when histology shows only
  superficial-dermal pigment left (Kim 2008 [kim2008] [A]): a deep fraction
  ``0.3 × min((depth - 0.35)/0.5, 1)`` is cleared with a 7-day time constant [M];
* ``k``: slow clearance, 0.2 per year (calibration default, range 0.05-0.6) chosen so the default SMP
  technique on type III skin reaches the touch-up threshold (30 % loss of healed contrast) at about
  4 years (4.1; 3.5-4.1 over skin types I-VI), inside the 3-6 years clinics advise ([clinic-touchup] [C]; no
  controlled data exist), together with the slow spread below: contrast
  saturates with ink, so the ink itself must fall by about two thirds for a 30 % contrast loss. It is
  multiplied by UV exposure (low 0.7, moderate 1.0, high 1.6: UV is the most-cited factor [C]) and scalp
  type (normal 1.0, oily 1.2, dry/flaky 1.15 [C]).

Healing overlay ([clinic-healing] [C]): redness around each dot for the first 2 days (fading linearly
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
    """Healing and ageing parameters (calibration defaults; see the module docstring).

    Parameters
    ----------
    kept_through_healing : float, default 0.7
        Fraction ``f`` of the pigment kept through healing, range 0.5-0.9 (about a third leaves within
        weeks [1]_). [-]
    heal_tau_days : float, default 5.0
        Time constant ``tau_heal`` of the healing loss, range 3-7 (steady state by day 7 in pig skin
        [2]_). [days]
    clearance_per_year : float, default 0.2
        Slow clearance rate ``k`` at moderate UV on a normal scalp, range 0.05-0.6, set so the default
        SMP technique needs a touch-up after about 4 years (3-6 years in clinics [5]_). [year⁻¹]
    uv : {'low', 'moderate', 'high'}, default 'moderate'
        UV exposure; multiplies ``k`` by 0.7, 1.0 or 1.6 (:data:`UV_FACTORS`).
    scalp : {'normal', 'oily', 'dry'}, default 'normal'
        Scalp type; multiplies ``k`` by 1.0, 1.2 or 1.15 (:data:`SCALP_FACTORS`).
    deep_clear_tau_days : float, default 7.0
        Time constant of the extra clearance of pigment deeper than 0.35 mm (mostly gone by day 21
        [3]_). [days]
    spread_mm2_per_year : float, default 0.001
        Growth of the squared diameter of a healed dot, range 0-0.003. [mm²/year]
    deep_drift_mm_per_year : float, default 0.02
        Downward drift of deep deposits. [mm/year]
    scab_width : float, default 1.4
        Scab diameter over the fresh dot's. [-]
    scab_shed_days : tuple of (float, float), default (5.0, 10.0)
        First and last day on which scabs shed [4]_. [days]
    redness_days : float, default 2.0
        Day by which the redness around the dots is gone (one to two days [4]_). [days]
    redness_halo : float, default 3.0
        Diameter of the red halo over the fresh dot's. [-]

    Raises
    ------
    InputError
        If ``uv`` or ``scalp`` is not one of its choices.

    References
    ----------
    .. [1] W. Bäumler, "Absorption, distribution, metabolism and excretion of tattoo colorants and
       ingredients in mouse and man: the known and the unknown," Curr. Probl. Dermatol. 48, 176-184,
       2015, summarising E. Engel et al., Exp. Dermatol. 19(1), 54-60, 2010.
    .. [2] Pig-skin study of tattoo pigment deposits reaching a steady state by day 7, PubMed 38402858.
       https://pubmed.ncbi.nlm.nih.gov/38402858/
    .. [3] S. M. Kim et al., "Micropigmentation on scalp and eyebrow scars is worth practicing," Korean
       J. Dermatol. 46(3), 305-309, 2008. https://kiss.kstudy.com/Detail/Ar?key=2673289
    .. [4] Practitioners' healing timelines, [clinic-healing] in docs/references.md, for example
       https://www.urbancyclist.org/side-effects-of-scalp-micropigmentation/
    .. [5] Practitioners' touch-up intervals, [clinic-touchup] in docs/references.md, for example
       https://scalpmicrousa.com/how-often-to-expect-hairline-tattoo-touch-ups/
    """

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
        """Slow clearance rate ``k`` times the UV and scalp factors, per day (365.25 days a year). [day⁻¹]"""
        return self.clearance_per_year * UV_FACTORS[self.uv] * SCALP_FACTORS[self.scalp] / 365.25


def pigment_fraction(kin: Kinetics, day: float, depth_mm: float) -> float:
    """Fraction of the deposited pigment still in the skin on ``day``.

    Parameters
    ----------
    kin : Kinetics
        Healing and ageing parameters.
    day : float
        Days since the session; negative days count as day 0. [days]
    depth_mm : float
        Depth of the deposit's top below the surface. [mm]

    Returns
    -------
    fraction : float
        Pigment mass left over the mass deposited, 0-1. [-]

    Notes
    -----
    .. math:: \\frac{m(t)}{m_0} = \\left[f + (1 - f)\\, e^{-t/\\tau_{heal}}\\right]
       \\left[1 - D\\,(1 - e^{-t/\\tau_{deep}})\\right] e^{-k' t},
       \\quad D = 0.3 \\min\\left(\\frac{\\max(z - 0.35, 0)}{0.5}, 1\\right)

    with ``z`` the depth [mm] and ``k'`` :attr:`Kinetics.slow_rate_per_day`. At the defaults: a deposit
    at 0.2 mm keeps 0.69 on day 30, so about a third leaves within weeks [1]_; three quarters of the
    healing loss has happened by day 7 and 94 % by day 14 (steady state by day 7 in pig skin [2]_); and
    95 % of the extra loss of deep pigment by day 21, when only superficial-dermal pigment is left
    [3]_.

    References
    ----------
    .. [1] W. Bäumler, "Absorption, distribution, metabolism and excretion of tattoo colorants and
       ingredients in mouse and man: the known and the unknown," Curr. Probl. Dermatol. 48, 176-184,
       2015, summarising E. Engel et al., Exp. Dermatol. 19(1), 54-60, 2010.
    .. [2] Pig-skin study of tattoo pigment deposits reaching a steady state by day 7, PubMed 38402858.
       https://pubmed.ncbi.nlm.nih.gov/38402858/
    .. [3] S. M. Kim et al., "Micropigmentation on scalp and eyebrow scars is worth practicing," Korean
       J. Dermatol. 46(3), 305-309, 2008. https://kiss.kstudy.com/Detail/Ar?key=2673289

    Examples
    --------
    >>> round(pigment_fraction(Kinetics(), 30, 0.2), 2)
    0.69
    """
    t = max(day, 0.0)
    healing = kin.kept_through_healing + (1 - kin.kept_through_healing) * math.exp(-t / kin.heal_tau_days)
    deep = 0.3 * min(max(depth_mm - DEEP_FROM_MM, 0.0) / 0.5, 1.0)
    deep_kept = 1.0 - deep * (1.0 - math.exp(-t / kin.deep_clear_tau_days))
    return healing * deep_kept * math.exp(-kin.slow_rate_per_day * t)


def scab_state(kin: Kinetics, day: float) -> float:
    """Fraction of dots still under a scab on ``day``, shedding spread evenly over the window.

    Parameters
    ----------
    kin : Kinetics
        Healing parameters (:attr:`Kinetics.scab_shed_days`).
    day : float
        Days since the session. [days]

    Returns
    -------
    fraction : float
        0 before day 1, 1 until the window opens, then falling linearly to 0 when it closes (days 5-10 by
        default [1]_). [-]

    References
    ----------
    .. [1] Practitioners' healing timelines, [clinic-healing] in docs/references.md, for example
       https://www.urbancyclist.org/side-effects-of-scalp-micropigmentation/
    """
    first, last = kin.scab_shed_days
    if day < 1.0:
        return 0.0
    if day <= first:
        return 1.0
    return max(0.0, (last - day) / (last - first))


def scabbed(kin: Kinetics, day: float, shed_day: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Per dot, whether its scab is still on: scabs form on day 1 and each sheds on its own ``shed_day``.

    Parameters
    ----------
    kin : Kinetics
        Healing parameters (unused; kept for a uniform signature).
    day : float
        Days since the session. [days]
    shed_day : ndarray of shape (N,)
        Each dot's shedding day, from :func:`shed_days`. [days]

    Returns
    -------
    on : ndarray of bool, shape (N,)
        True where ``1 <= day < shed_day``.
    """
    return np.asarray((day >= 1.0) & (day < shed_day), dtype=np.bool_)


def shed_days(kin: Kinetics, count: int, seed: int) -> NDArray[np.float64]:
    """A shedding day for each of ``count`` dots, uniform over the window (per dot, not all at once).

    Parameters
    ----------
    kin : Kinetics
        Healing parameters (:attr:`Kinetics.scab_shed_days`, days 5-10 by default [1]_).
    count : int
        Number of dots. [-]
    seed : int
        Seed of NumPy's default generator.

    Returns
    -------
    days : ndarray of shape (count,)
        Shedding days, uniform within the window. [days]

    References
    ----------
    .. [1] Practitioners' healing timelines, [clinic-healing] in docs/references.md, for example
       https://www.urbancyclist.org/side-effects-of-scalp-micropigmentation/
    """
    first, last = kin.scab_shed_days
    return np.random.default_rng(seed).uniform(first, last, count)


def redness_state(kin: Kinetics, day: float) -> float:
    """Strength of the redness around the dots on ``day``.

    Parameters
    ----------
    kin : Kinetics
        Healing parameters (:attr:`Kinetics.redness_days`, 2 by default: redness goes in one or two days
        [1]_).
    day : float
        Days since the session; negative days count as day 0. [days]

    Returns
    -------
    strength : float
        1 at the session, falling linearly to 0 at ``redness_days``. [-]

    References
    ----------
    .. [1] Practitioners' healing timelines, [clinic-healing] in docs/references.md, for example
       https://www.urbancyclist.org/side-effects-of-scalp-micropigmentation/

    Examples
    --------
    >>> [redness_state(Kinetics(), d) for d in (0, 1, 2)]
    [1.0, 0.5, 0.0]
    """
    return max(0.0, 1.0 - max(day, 0.0) / kin.redness_days)
