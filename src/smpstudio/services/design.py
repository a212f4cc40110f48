"""Design use cases: create a design from a practitioner's choices, read one, list what can be chosen.

Every face (command line, web studio, JSON API) calls these and nothing below them. Services read and
write no files: a design comes in as the document's bytes and goes out as a typed result that carries
the document and its canonical bytes; the face stores them.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Sequence
from dataclasses import asdict
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from smpstudio.design.document import DesignDocument, dump_design, load_design
from smpstudio.design.hairline import HAIRLINE_POINTS, STYLES, check_hairline_shifts
from smpstudio.design.head import HEAD_PRESETS, head_preset
from smpstudio.design.maps import MapSettings
from smpstudio.design.patterns import PATTERNS, Pattern
from smpstudio.design.spec import DesignSpec
from smpstudio.errors import InputError, check_choice, check_range
from smpstudio.render.views import PREVIEW_VIEWS
from smpstudio.services.models import Request, Result
from smpstudio.skin.stubble import (
    CLIPPER_GUARD_MM,
    DEFAULT_HAIR,
    HAIR_COLOURS,
    Hair,
    shave_length_of_guard_mm,
)

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

Region = tuple[tuple[float, float], ...]
RgbShare = Annotated[float, Field(ge=0.0, le=1.0)]
ToneTarget = Literal["photo", "hair model"]


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


class GreyingStepOut(Result):
    """One touch-up of a greying client's plan: the projected grey share and the ink that matches it."""

    years: float
    grey_fraction: float
    ink_fraction: float | None
    tone_match_delta_e00: float
    note: str


class DesignResult(Result):
    """A design's summary (the ``--json`` object); ``document`` is the design itself, not printed.

    ``hairline_height_mm`` is the mid-frontal point's height after its shift; ``hairline_shift_mm`` the
    control points' shifts [mm]. ``tone_target`` says what ``tone_match_delta_e00`` and
    ``tone_match_zones`` are against: the stubble measured on a photo (``stubble_target_rgb_linear``) or
    the stubble model of the design's hair.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    schema_version: int
    dot_count: int
    treated_area_cm2: float
    mean_density_per_cm2: float
    hairline_height_mm: float
    seed: int
    warnings: list[str]
    pattern: str
    style: str
    hairline_shift_mm: dict[str, float]
    dots_per_session: list[int]
    remaining_hair_area_cm2: float
    density_per_cm2: float
    dot_diameter_mm: float
    ink_fraction: float
    sessions: list[float]
    hair: dict[str, str | float]
    skin_type: str
    tone_target: ToneTarget
    stubble_target_rgb_linear: tuple[float, float, float] | None
    tone_match_delta_e00: float
    tone_match_zones: dict[str, float]
    tone_match_reachable: bool
    tone_match_note: str
    proposed: list[str]
    greying_plan: list[GreyingStepOut]
    elapsed_s: float | None = None
    document: DesignDocument = Field(exclude=True, repr=False)

    def content(self) -> bytes:
        """The design document's canonical JSON, UTF-8 (what a design file holds)."""
        return dump_design(self.document).encode("utf-8")


class Catalogue(Result):
    """What can be chosen: patterns and styles with descriptions, head presets, views, looks."""

    patterns: dict[str, str]
    styles: dict[str, str]
    heads: dict[str, dict[str, float]]
    hair_colours: list[str]
    clipper_guards: dict[str, float]
    views: list[str]
    looks: list[str]


def catalogue() -> Catalogue:
    """What can be chosen: patterns, styles, heads, views and looks, with descriptions."""
    from smpstudio.render.views import LOOKS  # here: listing needs no compiled renderer

    return Catalogue(
        patterns={name: spec.description for name, spec in PATTERNS.items()},
        styles={
            name: f"transition {s.transition_mm:g} mm, edge density {s.edge_density:g}"
            for name, s in STYLES.items()
        },
        heads={
            name: dict(zip(("length_mm", "width_mm", "height_mm"), m, strict=True))
            for name, m in HEAD_PRESETS.items()
        },
        views=list(PREVIEW_VIEWS),
        looks=list(LOOKS),
        hair_colours=list(HAIR_COLOURS),
        clipper_guards=dict(CLIPPER_GUARD_MM),
    )


def parse_sessions(text: str) -> tuple[float, ...]:
    """``"0.45,0.8,1"`` -> cumulative fractions; a count like ``"3"`` gives equal steps."""
    try:
        parts = [float(p) for p in text.replace(" ", "").split(",") if p]
    except ValueError:
        raise InputError(
            f"{text!r} is not a number list",
            field="sessions",
            allowed="a session count 1-5, or increasing fractions like 0.45,0.8,1",
        ) from None
    if len(parts) == 1 and parts[0] >= 1 and parts[0].is_integer():
        count = int(parts[0])
        check_range("sessions", count, 1, 5)
        return tuple(round((i + 1) / count, 6) for i in range(count))
    return tuple(parts)


def parse_regions(texts: Sequence[str]) -> tuple[Region, ...]:
    """Free regions from ``"u,v; u,v; u,v"`` strings (chart millimetres)."""
    regions = []
    for i, text in enumerate(texts, start=1):
        try:
            pts = tuple(
                (float(a), float(b)) for a, b in (p.split(",") for p in text.replace(" ", "").split(";") if p)
            )
        except ValueError:
            raise InputError(
                f"region {i} {text!r} is not a list of points",
                field="region",
                allowed='"u,v; u,v; u,v" in chart millimetres',
            ) from None
        regions.append(pts)
    return tuple(regions)


def parse_hairline_shifts(texts: Sequence[str]) -> dict[str, float]:
    """Control-point shifts from ``"NAME=MM"`` strings (names of
    :data:`~smpstudio.design.hairline.HAIRLINE_POINTS`; a name given twice keeps the last)."""
    allowed = "NAME=MM with NAME one of " + ", ".join(HAIRLINE_POINTS) + " and MM in millimetres"
    shifts: dict[str, float] = {}
    for text in texts:
        name, sep, value = text.partition("=")
        name = name.strip()
        try:
            mm = float(value)
        except ValueError:
            mm = float("nan")
        if not sep or not name or not math.isfinite(mm):
            raise InputError(f"{text!r} is not a shift", field="hairline_shift", allowed=allowed)
        shifts[name] = mm
    return check_hairline_shifts(shifts)


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


def _photo_target(doc: DesignDocument, skin_type: str) -> tuple[float, float, float] | None:
    """The stubble measured on a photo that ``doc`` was proposed for, on ``skin_type``'s bare skin (the
    measured share of the skin's light carried over from the skin type it was measured for); ``None`` when
    the design matches its hair's stubble model."""
    p = doc.header.proposal
    if p is None or p.tone_target != "photo" or p.stubble_rgb_linear is None:
        return None
    from smpstudio.design.proposal import skin_rgb_linear

    measured = [
        v * a / max(b, 1e-9)
        for v, a, b in zip(
            p.stubble_rgb_linear, skin_rgb_linear(skin_type), skin_rgb_linear(p.skin_type), strict=True
        )
    ]
    return measured[0], measured[1], measured[2]


def design_tone_match(
    doc: DesignDocument, *, skin_type: str, depth_mm: float = 0.2, pigment: str = "carbon-black"
) -> tuple[float, dict[str, float]]:
    """The design's ``tone_match_delta_e00`` against its client's stubble, and the same per zone.

    For the preview and the timeline, which show a design on a skin type at a deposit depth. The stubble
    is the one measured on the client's photo when the design was proposed for it, else the model of the
    design's hair.
    """
    from smpstudio.design.tone_match import design_tone  # here: colour science loads with a match

    target = _photo_target(doc, skin_type)
    if target is None:
        tone = design_tone(doc, skin_type=skin_type, depth_mm=depth_mm, pigment=pigment)
    else:
        tone = design_tone(
            doc, skin_type=skin_type, depth_mm=depth_mm, pigment=pigment, stubble_rgb_linear=target
        )
    return tone.delta_e00, tone.zones


def design_result(doc: DesignDocument, elapsed_s: float | None = None) -> DesignResult:
    """The summary of a design, with the design and its tone match.

    The match is on the skin type, depth and pigment the design was proposed for (type III at 0.2 mm
    with carbon black for a design that records no proposal).
    """
    from smpstudio.design.greying import greying_plan

    h = doc.header
    s = h.summary
    p = h.proposal
    skin_type, depth_mm, pigment = (p.skin_type, p.depth_mm, p.pigment) if p else ("III", 0.2, "carbon-black")
    tone, zones = design_tone_match(doc, skin_type=skin_type, depth_mm=depth_mm, pigment=pigment)
    hair = h.hair.hair()
    plan = []
    if hair.grey_fraction > 0:
        plan = [
            GreyingStepOut(**asdict(step))
            for step in greying_plan(
                hair,
                skin_type,
                density_per_cm2=h.maps.density_per_cm2,
                dot_diameter_mm=h.maps.dot_diameter_mm,
                depth_mm=depth_mm,
                pigment=pigment,
            )
        ]
    reachable = p.reachable if p else tone <= 2.0
    return DesignResult(
        schema_version=h.schema_version,
        dot_count=s.dot_count,
        treated_area_cm2=s.treated_area_cm2,
        mean_density_per_cm2=s.mean_density_per_cm2,
        hairline_height_mm=h.hairline.height_mm,
        seed=doc.seed,
        warnings=list(h.warnings),
        pattern=h.pattern.name,
        style=h.hairline.style,
        hairline_shift_mm={str(name): mm for name, mm in h.hairline.shift_mm.items()},
        dots_per_session=list(s.dots_per_session),
        remaining_hair_area_cm2=s.remaining_hair_area_cm2,
        density_per_cm2=h.maps.density_per_cm2,
        dot_diameter_mm=h.maps.dot_diameter_mm,
        ink_fraction=h.maps.ink_fraction,
        sessions=list(h.maps.sessions),
        hair=h.hair.model_dump(),
        skin_type=skin_type,
        tone_target=p.tone_target if p else "hair model",
        stubble_target_rgb_linear=p.stubble_rgb_linear if p else None,
        tone_match_delta_e00=tone,
        tone_match_zones=zones,
        tone_match_reachable=reachable and tone <= 2.0,
        tone_match_note=p.note if p else "",
        proposed=list(p.proposed) if p else [],
        greying_plan=plan,
        elapsed_s=elapsed_s,
        document=doc,
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
