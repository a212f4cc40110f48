"""Design use cases: create a design from a practitioner's choices, read one, list what can be chosen.

Every face (command line, web studio, JSON API) calls these and nothing below them. Services read and
write no files: a design comes in as the document's bytes and goes out as a typed result that carries
the document and its canonical bytes; the face stores them. The result and the tone match are
:mod:`smpstudio.services.design_summary`; the catalogue and the text forms of the choices are
:mod:`smpstudio.services.design_choices`; all are importable from here too.
"""

from __future__ import annotations

import secrets
import time
from typing import Annotated

from pydantic import Field

from smpstudio.design.document import DesignDocument, load_design
from smpstudio.design.hairline import STYLES, check_hairline_shifts
from smpstudio.design.head import HEAD_PRESETS, head_preset
from smpstudio.design.maps import MapSettings
from smpstudio.design.patterns import PATTERNS, Pattern
from smpstudio.design.spec import DesignSpec
from smpstudio.errors import InputError, check_choice, check_range
from smpstudio.services.design_choices import (
    Catalogue,
    Region,
    catalogue,
    parse_hairline_shifts,
    parse_regions,
    parse_sessions,
)
from smpstudio.services.design_summary import DesignResult, GreyingStepOut, design_result, design_tone_match
from smpstudio.services.models import Request
from smpstudio.skin.stubble import CLIPPER_GUARD_MM, DEFAULT_HAIR, Hair, shave_length_of_guard_mm

__all__ = [
    "Catalogue",
    "DesignRequest",
    "DesignResult",
    "GreyingStepOut",
    "catalogue",
    "create_design",
    "design_result",
    "design_tone_match",
    "parse_design",
    "parse_hairline_shifts",
    "parse_regions",
    "parse_sessions",
]

RgbShare = Annotated[float, Field(ge=0.0, le=1.0)]


class DesignRequest(Request):
    """A practitioner's choices (ranges and names are checked when the design is built).

    Density, dot diameter, ink fraction and sessions left out (None) are proposed so the healed area
    matches the client's stubble on their skin (the tone-match solver); given ones win. The client's
    hair defaults to the stated default hair (dark brown, shaved to 0.5 mm); a clipper guard, by its
    barber's name, sets the shave length instead of ``shave_length_mm``.

    ``hairline_shift_mm`` moves the hairline's named control points
    (:data:`~smpstudio.design.hairline.HAIRLINE_POINTS`) along the chart's radial direction, in mm over the
    scalp, positive forward and lower (empty: the style's curve). ``stubble_target_rgb_linear`` is a
    measured stubble to match (linear sRGB on the client's skin type, as
    :func:`smpstudio.services.photo_stubble.photo_stubble_target` gives it) instead of the modelled stubble
    of the request's hair.
    """

    pattern: str
    style: str = "soft"
    hairline_height_mm: float | None = None
    density_per_cm2: float | None = None
    dot_diameter_mm: float | None = None
    ink_fraction: float | None = None
    feather_mm: float = 10.0
    sessions: tuple[float, ...] | None = None
    skin_type: str = "III"
    depth_mm: float = 0.2
    pigment: str = "carbon-black"
    hair_colour: str = DEFAULT_HAIR.colour
    grey_fraction: float = DEFAULT_HAIR.grey_fraction
    hair_diameter_um: float = DEFAULT_HAIR.diameter_um
    hair_units_per_cm2: float = DEFAULT_HAIR.units_per_cm2
    hairs_per_unit: float = DEFAULT_HAIR.hairs_per_unit
    shave_length_mm: float | None = None
    clipper_guard: str | None = None
    hairline_shift_mm: dict[str, float] = Field(default_factory=dict)
    stubble_target_rgb_linear: tuple[RgbShare, RgbShare, RgbShare] | None = None
    head: str = "male"
    head_length_mm: float | None = None
    head_width_mm: float | None = None
    head_height_mm: float | None = None
    regions: tuple[Region, ...] = ()
    follicular_units: bool = False
    seed: int | None = None
    force: bool = False


def _hair(request: DesignRequest) -> Hair:
    if request.clipper_guard is not None and request.shave_length_mm is not None:
        raise InputError(
            "give a clipper guard or a shave length, not both",
            field="clipper_guard",
            allowed=", ".join(CLIPPER_GUARD_MM),
        )
    if request.clipper_guard is not None:
        length = shave_length_of_guard_mm(request.clipper_guard)
    elif request.shave_length_mm is not None:
        length = request.shave_length_mm
    else:
        length = DEFAULT_HAIR.shave_length_mm
    return Hair(
        colour=request.hair_colour,
        grey_fraction=request.grey_fraction,
        diameter_um=request.hair_diameter_um,
        units_per_cm2=request.hair_units_per_cm2,
        hairs_per_unit=request.hairs_per_unit,
        shave_length_mm=length,
    )


def _spec(request: DesignRequest, maps: MapSettings, hair: Hair) -> DesignSpec:
    check_choice("pattern", request.pattern, PATTERNS)
    check_choice("style", request.style, STYLES)
    check_choice("head", request.head, HEAD_PRESETS)
    head = head_preset(
        request.head,
        length_mm=request.head_length_mm,
        width_mm=request.head_width_mm,
        height_mm=request.head_height_mm,
    )
    return DesignSpec(
        head=head,
        pattern=Pattern(request.pattern, request.regions),
        style=request.style,
        hairline_height_mm=request.hairline_height_mm,
        force=request.force,
        maps=maps,
        follicular_units=request.follicular_units,
        seed=secrets.randbelow(2**31) if request.seed is None else request.seed,
        hair=hair,
        hairline_shift_mm=tuple(check_hairline_shifts(request.hairline_shift_mm).items()),
    )


def create_design(request: DesignRequest) -> DesignResult:
    """Build the design a request describes. A missing seed is drawn at random and stored.

    Values the request leaves out come from the tone-match proposal for the client's hair and skin, or
    for the stubble measured on their photo when the request carries it. The result's document keeps the
    design's maps (its context), so previews of it reuse them.
    """
    from smpstudio.design.build import build_design  # here: the sampler's kernels load with a design
    from smpstudio.design.document import ProposalSection
    from smpstudio.design.proposal import Fixed, check_fixed, propose

    t0 = time.perf_counter()
    hair = _hair(request)
    check_choice("skin_type", request.skin_type, ("I", "II", "III", "IV", "V", "VI"))
    check_range("depth_mm", request.depth_mm, 0.05, 1.5, unit="mm")
    check_choice("pigment", request.pigment, ("carbon-black", "tattoo-black", "iron-oxide-black"))
    fixed = Fixed(
        density_per_cm2=request.density_per_cm2,
        dot_diameter_mm=request.dot_diameter_mm,
        ink_fraction=request.ink_fraction,
        sessions=tuple(request.sessions) if request.sessions is not None else None,
    )
    check_fixed(fixed)
    if fixed.sessions is not None:
        MapSettings(sessions=fixed.sessions)  # checks the plan before the solver uses it
    if fixed.density_per_cm2 is not None:
        MapSettings(density_per_cm2=fixed.density_per_cm2)
    target = request.stubble_target_rgb_linear
    depth, pigment = request.depth_mm, request.pigment
    if target is None:  # the stubble model of the request's hair
        p = propose(hair, request.skin_type, fixed=fixed, depth_mm=depth, pigment=pigment)
    else:
        p = propose(
            hair, request.skin_type, fixed=fixed, depth_mm=depth, pigment=pigment, target_rgb_linear=target
        )
    maps = MapSettings(
        density_per_cm2=p.density_per_cm2,
        feather_mm=request.feather_mm,
        sessions=p.sessions,
        ink_fraction=p.ink_fraction,
        dot_diameter_mm=p.dot_diameter_mm,
    )
    section = ProposalSection.model_validate(
        {
            "skin_type": request.skin_type,
            "depth_mm": request.depth_mm,
            "pigment": request.pigment,
            "proposed": list(p.proposed),
            "tone_match_delta_e00": p.tone_match_delta_e00,
            "reachable": p.reachable,
            "note": p.note,
            "tone_target": "hair model" if target is None else "photo",
            "stubble_rgb_linear": target,
        }
    )
    doc = build_design(_spec(request, maps, hair), section)
    return design_result(doc, round(time.perf_counter() - t0, 3))


def parse_design(data: str | bytes) -> DesignDocument:
    """A design document from its JSON text (version 1 is upgraded); errors name the JSON path."""
    return load_design(data)
