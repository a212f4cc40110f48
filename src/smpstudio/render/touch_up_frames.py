"""The touch-up course as the timeline draws it: each session's dots, their calibrated apparent spots and
which have merged into a neighbour's (the "helmet"), and the light-transport blur at a deposit's depth.

The apparent spot is the healed preview's (:mod:`smpstudio.skin.healed_dot`), so a frame, its merge count
and the healed preview agree; the course itself is :mod:`smpstudio.skin.touch_ups`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from smpstudio.design.document import DesignDocument
from smpstudio.skin.appearance_table import DOT_FIELDS, AppearanceTable, packaged_table
from smpstudio.skin.healed_dot import (
    DEFAULT_MODEL,
    DISC_TO_GAUSSIAN_FWHM,
    HealedDotModel,
    luminance,
    spot_fwhm_mm,
    spot_peak_darkening,
    srgb_to_linear,
)
from smpstudio.skin.impression import BLOWOUT_FROM_MM, Impression
from smpstudio.skin.kinetics import Kinetics
from smpstudio.skin.technique import SETTLED_DAY, YEAR_DAYS, healed_diameter_mm, settled_look
from smpstudio.skin.touch_ups import (
    HELMET_DARKER,
    HELMET_MERGED_SHARE,
    TouchUpStep,
    area_darkening,
    design_impression,
    merged_dots,
    touch_up_course,
)

__all__ = ["TouchUpState", "deposit_blur_fwhm_mm", "touch_up_caption", "touch_up_states"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class TouchUpState:
    """A design's dots 30 days after one session of a touch-up course, as the frame draws them.

    ``diameter_mm`` is each dot's drawn diameter, ``apparent_diameter_mm`` the FWHM of the calibrated
    spot the frame draws for it (the spot the eye sees, :mod:`smpstudio.skin.healed_dot`), ``ratio`` each
    dot's colour over the bare skin's (sRGB, 0-1),
    ``merged`` whether its apparent spot touches a neighbour's, ``darkening`` the treated area's
    (:func:`~smpstudio.skin.touch_ups.area_darkening`) and ``darker`` that over the first session's.

    ``helmet``: the treated area reads as one solid shade, either because the apparent spots of
    :data:`~smpstudio.skin.touch_ups.HELMET_MERGED_SHARE` of the dots touch a neighbour's (no stubble
    texture left), or because the dots hold more ink than one undiluted session leaves and the area is
    :data:`~smpstudio.skin.touch_ups.HELMET_DARKER` times darker than after the first session (a painted
    shade) ([clinic-helmet] in docs/references.md).
    """

    step: TouchUpStep
    diameter_mm: FloatArray
    apparent_diameter_mm: FloatArray
    ratio: FloatArray
    merged: NDArray[np.bool_]
    darkening: float
    darker: float
    #: The light-transport blur at the deposits' depth the spots are drawn with. [mm]
    blur_fwhm_mm: float = 0.0

    @property
    def merged_fraction(self) -> float:
        """Share of the dots merged with a neighbour. [-]"""
        return float(self.merged.mean()) if self.merged.size else 0.0

    @property
    def over_dark(self) -> bool:
        """More ink in the dots than one undiluted session leaves."""
        return self.step.ink_fraction > 1.0

    @property
    def helmet(self) -> bool:
        """Whether the treated area reads as one solid shade (see the class docstring)."""
        merged = self.merged_fraction >= HELMET_MERGED_SHARE
        return bool(merged or (self.over_dark and self.darker >= HELMET_DARKER))


def deposit_blur_fwhm_mm(
    table: AppearanceTable, skin_type: str, impression: Impression, kin: Kinetics, day: float
) -> float:
    """The skin's light-transport blur FWHM at the impression's deposit on ``day`` (deep deposits drift
    deeper over the years, as :func:`~smpstudio.skin.technique.settled_look` has them), from the
    appearance table (undiluted ink). [mm]"""
    depth = impression.depth_mm
    if depth > BLOWOUT_FROM_MM:
        depth += kin.deep_drift_mm_per_year * max(day, 0.0) / YEAR_DAYS
    fields = table.lookup_many(skin_type, np.array([depth]), np.ones(1), impression.pigment)
    return float(fields[0, DOT_FIELDS.index("blur_fwhm_mm")])


def touch_up_states(
    doc: DesignDocument,
    impression: Impression,
    skin_type: str,
    kinetics: Kinetics,
    *,
    touch_ups: int,
    interval_years: float,
    ink_scale: FloatArray | None = None,
    size_scale: FloatArray | None = None,
    apparent_spread: float | None = None,
    blur_fwhm_mm: float | None = None,
    dot_model: HealedDotModel = DEFAULT_MODEL,
    table: AppearanceTable | None = None,
) -> list[TouchUpState]:
    """The design's dots after each session of a touch-up course (:func:`~smpstudio.skin.touch_ups.
    touch_up_course`): ink piled up per dot, dots widened by the re-entries, and which have merged.

    ``ink_scale`` multiplies the impression's ink per dot (default: the design's ink fractions over the
    impression's), ``size_scale`` maps the course's dot diameter to each dot's drawn diameter (default:
    the design's diameter over the SMP preset's healed one). The apparent spot of each dot is the one the
    frames draw, the healed preview's calibrated spot (:func:`~smpstudio.skin.healed_dot.spot_fwhm_mm`
    of the drawn diameter and ``blur_fwhm_mm``, by default the table's at the impression's depth); a
    plain-disc ``apparent_spread`` (times the drawn diameter) replaces it when given.
    """
    table = table or packaged_table()
    n = len(doc.dots)
    if ink_scale is None:
        ink_scale = doc.dots.ink_fraction / impression.ink_fraction
    if size_scale is None:
        size_scale = doc.dots.diameter_mm / healed_diameter_mm(design_impression([]), kinetics, SETTLED_DAY)
    skin = table.skin(skin_type)[:3]
    steps = touch_up_course(
        impression, skin_type, kinetics, touch_ups=touch_ups, interval_years=interval_years, table=table
    )
    per_fraction = impression.ink_load / impression.ink_fraction
    states: list[TouchUpState] = []
    for step in steps:
        single = replace(impression, ink_fraction=min(max(step.ink_fraction / per_fraction, 0.02), 1.0))
        dot, _ = settled_look(table, skin_type, single, kinetics, 0.0, ink_scale=ink_scale)
        diameter = np.asarray(size_scale * step.diameter_mm * np.ones(n), dtype=np.float64)
        ratio = np.clip(dot / np.maximum(skin, 1e-6), 0.0, 1.0)
        ratio_linear = np.clip(srgb_to_linear(dot) / np.maximum(srgb_to_linear(skin), 1e-9), 0.0, 1.0)
        blur = blur_fwhm_mm
        if blur is None:
            blur = deposit_blur_fwhm_mm(table, skin_type, impression, kinetics, step.year * YEAR_DAYS)
        if apparent_spread is None:
            apparent = spot_fwhm_mm(diameter, blur, model=dot_model)
            peak = luminance(spot_peak_darkening(ratio_linear, diameter, apparent, model=dot_model))
            # The disc of the Gaussian spot's area (π w² / (4 ln 2)) at its peak holds its integral.
            dark = area_darkening(doc.dots.position_mm, apparent / DISC_TO_GAUSSIAN_FWHM, peak)
        else:
            apparent = diameter * apparent_spread
            dark = area_darkening(doc.dots.position_mm, apparent, 1.0 - luminance(ratio_linear))
        first = states[0].darkening if states else dark
        states.append(
            TouchUpState(
                step,
                diameter,
                apparent,
                ratio,
                merged_dots(doc.dots.position_mm, apparent),
                dark,
                dark / first if first > 0 else 1.0,
                blur,
            )
        )
    return states


def touch_up_caption(state: TouchUpState, first_ink: float) -> str:
    step = state.step
    what = "first session" if step.sessions == 1 else f"touch-up {step.sessions - 1}"
    text = (
        f"Year {step.year:.1f}: {what}, settled\n"
        f"ink x{step.ink_fraction / max(first_ink, 1e-9):.2f}, dots {step.diameter_mm:.2f} mm, "
        f"{state.merged_fraction:.0%} merged, area x{state.darker:.1f} darker"
    )
    if state.helmet:
        text += "; HELMET: one solid shade"
    return text
