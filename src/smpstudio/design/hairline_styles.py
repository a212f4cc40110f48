"""Hairline styles and the mid-frontal height rules: what a practitioner chooses for the scalp's edge.

Styles (practitioner taxonomy [clinic-hairline-styles] [C]; SMP feathering depths from
[smp-micro-hairline] [C]; keys are entries of docs/references.md):

============  ==========  =====  =======  ==========  ==========  ========================================
style         transition  edge   scatter  macro       micro       notes
              [mm]        [-]    [mm]     [mm @ mm]   [mm @ mm]
============  ==========  =====  =======  ==========  ==========  ========================================
natural       5           0.30   3        2.5 @ 25    1.0 @ 5     broken edge, both irregularities
soft          6           0.25   5        2.0 @ 25    1.5 @ 5     the softest, widest transition
defined       3           0.90   0        0           0           "edge-up"; straight lines are the most
                                                                  detectable (warned)
mature        5           0.30   3        2.5 @ 25    1.0 @ 5     +15 mm at the midline, +25 mm at the
                                                                  corners (Rassman, juvenile vs mature [B/C])
widows-peak   5           0.30   3        2.5 @ 25    1.0 @ 5     a V of 12 mm depth, 20 mm half-width
============  ==========  =====  =======  ==========  ==========  ========================================

``transition`` is the depth of the zone over which density rises from ``edge`` (relative density at
the leading edge) to full. An SMP hairline feathers over "the first few millimetres" [smp-micro-hairline]:
a soft one over about 6 mm (range 3-10 mm), a natural one over 5 mm. The 2-3 cm hairline zone of
transplanted hair [shapiro-hairline] [B] is not the SMP zone: a pattern of dots that fades over 2-3 cm reads
from a metre away as no hairline at all, and leaves the front of the treated area lighter than the
stubble it must match (the healed-look calibration, docs/healed-dots.md). ``scatter`` is the e-folding
distance of the sparse dots ahead of the edge (micro-irregularity); ``macro``/``micro`` are the
amplitudes (the peak of a single sinusoid of the same power) and wavelengths of the edge's
displacement. All are clinic-consensus defaults [C].

The curve a style draws is :func:`smpstudio.design.hairline.design_edge`; its named control points are
:mod:`smpstudio.design.hairline_points`.
"""

from __future__ import annotations

from dataclasses import dataclass

from smpstudio.errors import InputError, check_choice, check_range

__all__ = [
    "DEFAULT_HAIRLINE_HEIGHT_MM",
    "HAIRLINE_HEIGHT_RANGE_MM",
    "MIN_HAIRLINE_HEIGHT_MM",
    "STYLES",
    "HairlineStyle",
    "resolve_hairline_height",
]

#: Mid-frontal point height above the glabella (Wolf [B]; Garg [A/B]). [mm]
DEFAULT_HAIRLINE_HEIGHT_MM = 80.0
#: Below this a hairline is refused unless forced: natural hairlines exist at 5-6 cm (Wolf), and too
#: low is the cardinal sin, hard to correct (Wolf; Shapiro & Shapiro [B]). [mm]
MIN_HAIRLINE_HEIGHT_MM = 60.0
#: Range accepted at all (forced or not). [mm]
HAIRLINE_HEIGHT_RANGE_MM = (40.0, 130.0)


@dataclass(frozen=True, slots=True)
class HairlineStyle:
    """Parameters of a hairline style (see the module table). Lengths in mm, ratios in [0, 1]."""

    name: str
    transition_mm: float
    edge_density: float
    scatter_mm: float
    macro_amplitude_mm: float
    macro_wavelength_mm: float
    micro_amplitude_mm: float
    micro_wavelength_mm: float
    midline_offset_mm: float = 0.0
    corner_offset_mm: float = 0.0
    peak_depth_mm: float = 0.0
    peak_half_width_mm: float = 0.0


_NATURAL = dict(
    transition_mm=5.0,
    edge_density=0.3,
    scatter_mm=3.0,
    macro_amplitude_mm=2.5,
    macro_wavelength_mm=25.0,
    micro_amplitude_mm=1.0,
    micro_wavelength_mm=5.0,
)

STYLES: dict[str, HairlineStyle] = {
    "natural": HairlineStyle("natural", **_NATURAL),
    "soft": HairlineStyle(
        "soft",
        transition_mm=6.0,
        edge_density=0.25,
        scatter_mm=5.0,
        macro_amplitude_mm=2.0,
        macro_wavelength_mm=25.0,
        micro_amplitude_mm=1.5,
        micro_wavelength_mm=5.0,
    ),
    "defined": HairlineStyle(
        "defined",
        transition_mm=3.0,
        edge_density=0.9,
        scatter_mm=0.0,
        macro_amplitude_mm=0.0,
        macro_wavelength_mm=25.0,
        micro_amplitude_mm=0.0,
        micro_wavelength_mm=5.0,
    ),
    "mature": HairlineStyle("mature", **_NATURAL, midline_offset_mm=15.0, corner_offset_mm=25.0),
    "widows-peak": HairlineStyle("widows-peak", **_NATURAL, peak_depth_mm=12.0, peak_half_width_mm=20.0),
}


def resolve_hairline_height(
    style: str, height_mm: float | None, *, force: bool = False, mfp_shift_mm: float = 0.0
) -> tuple[float, list[str]]:
    """The MFP height [mm] of ``style``'s curve (default 80 mm plus the style's midline offset) and warnings.

    ``mfp_shift_mm`` is the mid-frontal point's shift (:func:`smpstudio.design.hairline.design_edge`,
    positive = lower): the checks apply to where the MFP ends, ``height - mfp_shift_mm`` above the
    glabella. Raises :class:`InputError` for a hairline below :data:`MIN_HAIRLINE_HEIGHT_MM` unless
    ``force``.
    """
    spec = STYLES[check_choice("style", style, STYLES)]
    height = DEFAULT_HAIRLINE_HEIGHT_MM + spec.midline_offset_mm if height_mm is None else float(height_mm)
    check_range("hairline_height_mm", height, *HAIRLINE_HEIGHT_RANGE_MM, unit="mm")
    shown = height - float(mfp_shift_mm)
    shifted = f" (the mid-frontal point moved {mfp_shift_mm:+g} mm)" if mfp_shift_mm else ""
    low, high = HAIRLINE_HEIGHT_RANGE_MM
    if not low <= shown <= high:
        raise InputError(
            f"the mid-frontal point moved {mfp_shift_mm:+g} mm ends {shown:g} mm above the glabella",
            field="hairline_shift_mm.mid_frontal_point",
            allowed=f"a shift leaving it {low:g} to {high:g} mm above the glabella",
        )
    warnings: list[str] = []
    if shown < MIN_HAIRLINE_HEIGHT_MM:
        if not force:
            raise InputError(
                f"{shown:g} mm above the glabella{shifted} is too low: a hairline that is too low is the "
                "hardest mistake to correct and looks unnatural as the client ages; design it lower only "
                "when forced",
                field="hairline_shift_mm.mid_frontal_point" if mfp_shift_mm else "hairline_height_mm",
                allowed=f"{MIN_HAIRLINE_HEIGHT_MM:g} to {HAIRLINE_HEIGHT_RANGE_MM[1]:g} mm "
                "(lower only when forced)",
                code="hairline_too_low",
            )
        warnings.append(f"hairline forced to {shown:g} mm, below the {MIN_HAIRLINE_HEIGHT_MM:g} mm floor")
    elif shown < 70.0:
        warnings.append(f"hairline at {shown:g} mm is low; 80 mm is the usual mid-frontal height")
    if style == "defined":
        warnings.append(
            "a defined (straight) hairline is the most detectable style; consider natural or soft"
        )
    return height, warnings
