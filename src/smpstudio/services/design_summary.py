"""A design's summary: what the faces show of a built or read design, with its tone match.

:func:`design_result` gives the :class:`DesignResult` of a design document (the ``--json`` object of
``smp design``); :func:`design_tone_match` the design's colour difference from its client's stubble on a
skin type and deposit, for the preview and the timeline.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Literal

from pydantic import ConfigDict, Field

from smpstudio.design.document import DesignDocument, dump_design
from smpstudio.services.models import Result

__all__ = ["DesignResult", "GreyingStepOut", "design_result", "design_tone_match"]

ToneTarget = Literal["photo", "hair model"]


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
