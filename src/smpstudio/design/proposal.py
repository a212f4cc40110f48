"""The tone-match proposal: density, dot size, ink fraction and sessions to make a healed area match stubble.

A shaved client's treated scalp should read, from a metre away, as the same shade as the stubble of the
hair around it. Both tones are mean linear reflectances of the scalp, as the eye sees them at 1 m where
neither single dots nor single shafts are resolved:

* the client's stubble on the bare skin (:func:`smpstudio.skin.stubble.stubble_reflectance_rgb`);
* the healed treated area (:func:`smpstudio.skin.healed_dot.treated_area_reflectance_rgb`): the skin
  with ``n`` apparent spots per unit area, each from the appearance table's dot ratio and blur at the
  deposit's depth and healed ink fraction (:mod:`smpstudio.skin.appearance_table`): the ink fraction
  deposited times the share of pigment the healing keeps a month after the session
  (:func:`smpstudio.skin.kinetics.pigment_fraction`, as the healed preview does).

``tone_match_delta_e00`` is their CIEDE2000 difference ([sharma2005], colour-science [colour-science];
CIELAB under D65 from linear sRGB, [iec61966-2-1]). The goal, ``ΔE00 <= 2``, is a configurable default
([M]): differences of that order are hard to see between neighbouring areas of a textured surface.

The solver searches the body's values within what practitioners use, each a clinic-consensus range
([clinic-technique], [clinic-dot-size], [rassman2015]):

* density 50-120 dots/cm² after the last session (native follicular units 60-100/cm², dots about 1 mm
  apart; the design warns outside 50-120);
* healed dot diameter 0.08-0.15 mm (healed dots 100-150 µm; finer single-needle dots to 0.07 mm);
* ink fraction 0.1-1 (the appearance table's grid; carbon black diluted to greys);

and picks, among the values that reach :data:`GOAL_DELTA_E00` with a margin (``ΔE00 <= 1``), the one
nearest the usual practice (100 dots/cm², 0.12 mm, ink fraction 0.65), moving the ink fraction first
(practitioners match a client's shade by diluting black ink to greys, [rassman-ishrs]); where none reaches the
goal it keeps the closest match and says why not. SMP is not indicated for the tone where the stubble is
not darker than the bare skin (white or grey hair on fair skin, light hair on dark skin): pigment can
only darken the scalp. Sessions follow the density: 2-4 sessions ([clinic-technique]), a lighter first one,
each adding at most about :data:`DOTS_PER_SESSION_PER_CM2` dots/cm² ([M]). The hairline stays softer than
the body by the style's rules: its edge density and transition (:mod:`smpstudio.design.hairline`) and the
lighter ink and finer dots of its zone (:mod:`smpstudio.design.maps`) scale from the body's values.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from smpstudio.design.maps import INK_FRACTION_PER_SESSION
from smpstudio.errors import InputError, check_choice, check_range
from smpstudio.skin.healed_dot import (
    GAUSSIAN_AREA_PER_FWHM2,
    spot_fwhm_mm,
    spot_peak_darkening,
    srgb_to_linear,
)
from smpstudio.skin.stubble import Hair, linear_rgb_luminance, stubble_reflectance_rgb

__all__ = [
    "DENSITY_BOUNDS_PER_CM2",
    "DIAMETER_BOUNDS_MM",
    "GOAL_DELTA_E00",
    "INK_BOUNDS",
    "Fixed",
    "Proposal",
    "delta_e00",
    "healed_ink_fraction",
    "propose",
    "sessions_for",
    "skin_rgb_linear",
    "stubble_rgb",
    "treated_rgb",
]

if TYPE_CHECKING:
    from smpstudio.skin.appearance_table import AppearanceTable

FloatArray = NDArray[np.float64]
RGB = tuple[float, float, float]

#: The match goal: CIEDE2000 at or below this reads as the same shade side by side. [-]
GOAL_DELTA_E00 = 2.0
#: The solver prefers values reaching this, so the goal holds with a margin. [-]
COMFORT_DELTA_E00 = 1.0
DENSITY_BOUNDS_PER_CM2 = (50.0, 120.0)
DIAMETER_BOUNDS_MM = (0.08, 0.15)
INK_BOUNDS = (0.1, 1.0)
#: Usual practice the solver stays near: dots about 1 mm apart [rassman2015], 0.12 mm healed dots.
USUAL_DENSITY_PER_CM2 = 100.0
USUAL_DIAMETER_MM = 0.12
USUAL_INK_FRACTION = 0.65
#: How far from usual practice counts as one unit of distance, per value.
NEAR_SCALE = {"density_per_cm2": 25.0, "dot_diameter_mm": 0.025, "ink_fraction": 1.0}
#: Most dots one session adds per cm² ([M]: 2-4 sessions reach 90-130/cm² [clinic-technique]).
DOTS_PER_SESSION_PER_CM2 = 40.0
#: Cumulative session fractions by session count: a lighter first session, density built later.
SESSION_PLANS: dict[int, tuple[float, ...]] = {
    2: (0.6, 1.0),
    3: (0.45, 0.8, 1.0),
    4: (0.35, 0.65, 0.88, 1.0),
}
#: Default healed deposit depth and pigment of the proposal (the preview's defaults). [mm]
DEFAULT_DEPTH_MM = 0.2
DEFAULT_PIGMENT = "carbon-black"

_DENSITY_STEP = 5.0
_DIAMETER_STEP_MM = 0.01
_INK_STEP = 0.01


def skin_rgb_linear(skin_type: str) -> FloatArray:
    """Bare skin of a Fitzpatrick type, linear sRGB, from the packaged appearance table. [-]"""
    return np.asarray(srgb_to_linear(_table().skin(skin_type)[:3]), dtype=np.float64)


@cache
def _table() -> AppearanceTable:
    from smpstudio.skin.appearance_table import packaged_table

    return packaged_table()


def _lab(rgb_linear: FloatArray) -> FloatArray:
    from smpstudio.skin.cielab import linear_srgb_to_xyz, xyz_to_lab

    return xyz_to_lab(linear_srgb_to_xyz(np.asarray(rgb_linear, dtype=np.float64)))


def delta_e00(rgb_a: FloatArray | RGB, rgb_b: FloatArray | RGB) -> FloatArray:
    """CIEDE2000 between linear-sRGB colours (D65 CIELAB), over the last axis ([sharma2005]). [-]

    Examples
    --------
    >>> float(delta_e00((0.2, 0.2, 0.2), (0.2, 0.2, 0.2)))
    0.0
    """
    from smpstudio.skin.cielab import delta_e2000

    a = _lab(np.asarray(rgb_a, dtype=np.float64))
    b = _lab(np.asarray(rgb_b, dtype=np.float64))
    return np.asarray(delta_e2000(a, b), dtype=np.float64)


def stubble_rgb(hair: Hair, skin_type: str) -> RGB:
    """The client's stubble on the bare skin of ``skin_type``, linear sRGB. [-]"""
    return stubble_reflectance_rgb(hair, skin_rgb_linear(skin_type), skin_type=skin_type)


def treated_rgb(
    skin_type: str,
    density_per_cm2: FloatArray | float,
    dot_diameter_mm: FloatArray | float,
    ink_fraction: FloatArray | float,
    *,
    depth_mm: float = DEFAULT_DEPTH_MM,
    pigment: str = DEFAULT_PIGMENT,
) -> FloatArray:
    """Mean linear reflectance of a healed treated area, broadcast over the value arrays. [-]

    The same mean as :func:`smpstudio.skin.healed_dot.treated_area_reflectance_rgb`, vectorised.

    Returns
    -------
    ndarray of shape (..., 3)
    """
    table = _table()
    check_choice("pigment", pigment, table.pigments)
    n, d, u = np.broadcast_arrays(
        np.asarray(density_per_cm2, dtype=np.float64),
        np.asarray(dot_diameter_mm, dtype=np.float64),
        np.asarray(ink_fraction, dtype=np.float64),
    )
    skin = skin_rgb_linear(skin_type)
    flat_u = u.reshape(-1)
    fields = table.lookup_many(skin_type, np.full(flat_u.size, float(depth_mm)), flat_u, pigment)
    ratio = srgb_to_linear(fields[:, :3]) / np.maximum(skin, 1e-9)
    blur = fields[:, 8]
    flat_d = d.reshape(-1)
    w = spot_fwhm_mm(flat_d, blur)
    peak = spot_peak_darkening(ratio, flat_d, w)
    integral = peak * (GAUSSIAN_AREA_PER_FWHM2 * w * w)[:, None]
    mean = skin * np.clip(1.0 - n.reshape(-1)[:, None] / 100.0 * integral, 0.0, 1.0)
    return np.asarray(mean.reshape((*n.shape, 3)), dtype=np.float64)


def healed_ink_fraction(ink_fraction: FloatArray | float, depth_mm: float) -> FloatArray:
    """Ink fraction of the healed deposit: what the healing keeps a month after the session. [-]"""
    from smpstudio.skin.kinetics import Kinetics, pigment_fraction
    from smpstudio.skin.technique import SETTLED_DAY

    kept = pigment_fraction(Kinetics(), SETTLED_DAY, depth_mm)
    return np.asarray(np.asarray(ink_fraction, dtype=np.float64) * kept, dtype=np.float64)


def sessions_for(density_per_cm2: float) -> tuple[float, ...]:
    """Cumulative session fractions for a final density: 2-4 sessions (see the module docstring)."""
    count = int(np.clip(np.ceil(density_per_cm2 / DOTS_PER_SESSION_PER_CM2), 2, 4))
    return SESSION_PLANS[count]


def _mean_ink_offset(sessions: tuple[float, ...]) -> float:
    """Mean of the per-session ink increase over all dots, ``0.05 (session - 1)`` weighted by share."""
    shares = np.diff(np.concatenate([[0.0], np.asarray(sessions, dtype=np.float64)]))
    return float(INK_FRACTION_PER_SESSION * np.sum(shares * np.arange(len(shares))))


@dataclass(frozen=True, slots=True)
class Fixed:
    """Values the practitioner gave; ``None`` leaves a value to the solver."""

    density_per_cm2: float | None = None
    dot_diameter_mm: float | None = None
    ink_fraction: float | None = None
    sessions: tuple[float, ...] | None = None


@dataclass(frozen=True, slots=True)
class Proposal:
    """The body values for a design and how well they match the client's stubble.

    Parameters
    ----------
    density_per_cm2 : float
        Dots per cm² after the last session. [cm⁻²]
    dot_diameter_mm : float
        Body healed dot diameter. [mm]
    ink_fraction : float
        Body ink fraction of the first session's dots (later sessions add 0.05 each). [-]
    sessions : tuple of float
        Cumulative dot fractions after each session. [-]
    proposed : tuple of str
        Which of the four the solver chose (the others were given).
    tone_match_delta_e00 : float
        CIEDE2000 between the healed body and the stubble at 1 m. [-]
    reachable : bool
        Whether SMP is indicated for the tone and ``tone_match_delta_e00 <= GOAL_DELTA_E00``.
    indicated : bool
        Whether the stubble is darker than the bare skin (pigment can only darken).
    note : str
        Why not, where not; empty otherwise.
    """

    density_per_cm2: float
    dot_diameter_mm: float
    ink_fraction: float
    sessions: tuple[float, ...]
    proposed: tuple[str, ...]
    tone_match_delta_e00: float
    reachable: bool
    indicated: bool
    note: str


def _axis(fixed: float | None, bounds: tuple[float, float], step: float) -> FloatArray:
    if fixed is not None:
        return np.array([float(fixed)])
    count = round((bounds[1] - bounds[0]) / step) + 1
    return np.round(np.linspace(bounds[0], bounds[1], count), 6)


def propose(
    hair: Hair,
    skin_type: str,
    *,
    fixed: Fixed | None = None,
    depth_mm: float = DEFAULT_DEPTH_MM,
    pigment: str = DEFAULT_PIGMENT,
    target_rgb_linear: RGB | None = None,
) -> Proposal:
    """Body density, dot diameter, ink fraction and sessions that match ``hair``'s stubble on the skin.

    Parameters
    ----------
    hair : Hair
        The client's hair.
    skin_type : str
        Fitzpatrick type I-VI.
    fixed : Fixed, optional
        Values the practitioner gave: they win, the solver fills the rest.
    depth_mm : float, default 0.2
        Depth of the healed deposit's top. [mm]
    pigment : str, default 'carbon-black'
        Pigment of the appearance table.
    target_rgb_linear : tuple of float, optional
        A measured stubble to match instead of ``hair``'s modelled one (a photo of the client's remaining
        hair on the skin type's bare skin), linear sRGB. [-]

    Returns
    -------
    proposal : Proposal

    Examples
    --------
    >>> from smpstudio.skin.stubble import DEFAULT_HAIR
    >>> p = propose(DEFAULT_HAIR, "III")
    >>> p.reachable, p.tone_match_delta_e00 <= 2.0
    (True, True)
    """
    fixed = fixed or Fixed()
    check_range("depth_mm", depth_mm, 0.0, 3.0, unit="mm")
    model = stubble_rgb(hair, skin_type) if target_rgb_linear is None else target_rgb_linear
    target = np.asarray(model, dtype=np.float64)
    dens = _axis(fixed.density_per_cm2, DENSITY_BOUNDS_PER_CM2, _DENSITY_STEP)
    dias = _axis(fixed.dot_diameter_mm, DIAMETER_BOUNDS_MM, _DIAMETER_STEP_MM)
    inks = _axis(fixed.ink_fraction, INK_BOUNDS, _INK_STEP)
    n, d, u = np.meshgrid(dens, dias, inks, indexing="ij")
    plans = [fixed.sessions if fixed.sessions is not None else sessions_for(float(rho)) for rho in dens]
    offset = np.array([_mean_ink_offset(plan) for plan in plans])[:, None, None]
    mean_ink = healed_ink_fraction(np.clip(u + offset, 0.0, 1.0), depth_mm)
    rgb = treated_rgb(skin_type, n, d, mean_ink, depth_mm=depth_mm, pigment=pigment)
    de = delta_e00(rgb, np.broadcast_to(target, rgb.shape))
    near = (
        np.abs(n - USUAL_DENSITY_PER_CM2) / NEAR_SCALE["density_per_cm2"]
        + np.abs(d - USUAL_DIAMETER_MM) / NEAR_SCALE["dot_diameter_mm"]
        + np.abs(u - USUAL_INK_FRACTION) / NEAR_SCALE["ink_fraction"]
    )
    k = _pick(de, near, n == _usual(dens, USUAL_DENSITY_PER_CM2), d == _usual(dias, USUAL_DIAMETER_MM))
    best = float(de[k])
    chosen = tuple(
        name
        for name, value in (
            ("density_per_cm2", fixed.density_per_cm2),
            ("dot_diameter_mm", fixed.dot_diameter_mm),
            ("ink_fraction", fixed.ink_fraction),
            ("sessions", fixed.sessions),
        )
        if value is None
    )
    skin = skin_rgb_linear(skin_type)
    indicated = linear_rgb_luminance(target) < linear_rgb_luminance(skin)
    reachable = indicated and best <= GOAL_DELTA_E00
    note = "" if reachable else _why_not(hair, skin_type, target, rgb, de, fixed)
    return Proposal(
        density_per_cm2=float(n[k]),
        dot_diameter_mm=float(d[k]),
        ink_fraction=float(u[k]),
        sessions=tuple(plans[int(k[0])]),
        proposed=chosen,
        tone_match_delta_e00=round(best, 2),
        reachable=reachable,
        indicated=indicated,
        note=note,
    )


def _usual(axis: FloatArray, usual: float) -> float:
    """The axis value nearest the usual one (the given value when the axis holds only that)."""
    return float(axis[int(np.argmin(np.abs(axis - usual)))])


def _pick(
    de: FloatArray, near: FloatArray, usual_density: NDArray[np.bool_], usual_diameter: NDArray[np.bool_]
) -> tuple[int, ...]:
    """Index of the proposal: the ink fraction moves first, then the density, then the dot size.

    Each stage keeps the usual values of the later levers; the first stage that reaches
    :data:`COMFORT_DELTA_E00` wins, and within it, of the values within 0.1 of its best match (a plateau
    where dense ink saturates), the one nearest usual practice. Where none does, the closest match.
    """
    for stage in (usual_density & usual_diameter, usual_diameter, np.ones(de.shape, dtype=bool)):
        if not stage.any():
            continue
        best = float(de[stage].min())
        if best <= COMFORT_DELTA_E00:
            cost = np.where(stage & (de <= best + 0.1), near, np.inf)
            return tuple(int(i) for i in np.unravel_index(int(np.argmin(cost)), de.shape))
    return tuple(int(i) for i in np.unravel_index(int(np.argmin(de)), de.shape))


def _why_not(
    hair: Hair, skin_type: str, target: FloatArray, rgb: FloatArray, de: FloatArray, fixed: Fixed
) -> str:
    skin = skin_rgb_linear(skin_type)
    y_skin = linear_rgb_luminance(skin)
    y_target = linear_rgb_luminance(target)
    ys = np.tensordot(rgb, np.array([0.2126, 0.7152, 0.0722]), axes=([-1], [0]))
    lightest, darkest = float(ys.max()), float(ys.min())
    stubble_pct = 100.0 * (1.0 - y_target / y_skin)
    given = any(v is not None for v in (fixed.density_per_cm2, fixed.dot_diameter_mm, fixed.ink_fraction))
    limits = "the given values and the practice ranges" if given else "the practice ranges"
    if y_target >= y_skin:
        bare = float(delta_e00(skin, target))
        return (
            f"not indicated for the tone: {hair.colour} stubble on type {skin_type} skin is "
            f"{-stubble_pct:.1f} % lighter than the bare skin and pigment can only darken the scalp "
            f"(the bare scalp is ΔE00 {bare:.1f} from the stubble)"
        )
    if y_target > lightest:
        return (
            f"{hair.colour} stubble darkens type {skin_type} skin by only {stubble_pct:.1f} %; the lightest "
            f"treatment within {limits} darkens it by {100.0 * (1.0 - lightest / y_skin):.1f} %"
        )
    if y_target < darkest:
        return (
            f"{hair.colour} stubble darkens type {skin_type} skin by {stubble_pct:.1f} %; the darkest "
            f"treatment within {limits} reaches {100.0 * (1.0 - darkest / y_skin):.1f} %"
        )
    return (
        f"the shade can be matched but not the hue: {hair.colour} stubble against a grey-black pigment "
        f"leaves ΔE00 {float(de.min()):.1f} at equal lightness"
    )


def check_fixed(fixed: Fixed) -> None:
    """Refuse given values outside what a design accepts (the fields name the options)."""
    if fixed.ink_fraction is not None:
        check_range("ink_fraction", fixed.ink_fraction, 0.05, 1.0)
    if fixed.dot_diameter_mm is not None:
        check_range("dot_diameter_mm", fixed.dot_diameter_mm, 0.07, 0.25, unit="mm")
    if fixed.density_per_cm2 is not None and not np.isfinite(fixed.density_per_cm2):
        raise InputError("not a number", field="density_per_cm2")
