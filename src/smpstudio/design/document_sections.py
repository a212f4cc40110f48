"""The typed sections of a design document's header, the current version (``schema_version`` 4).

Each section is a strict pydantic model (unknown keys refused, values range-checked); the JSON Schema of
the document (:func:`smpstudio.design.document.json_schema`) is generated from them, so their names and
docstrings are part of the schema. ``hairline`` holds the style, ``height_mm`` (the mid-frontal point's
height above the glabella, after its shift) and ``shift_mm``, the moves of the hairline's named control
points (:data:`smpstudio.design.hairline_points.HAIRLINE_POINTS`); ``hair`` is the client's own hair
(:class:`smpstudio.skin.stubble.Hair`); ``proposal`` says how the tone-match solver chose the maps' values.

The version-3 forms of the hairline and proposal sections, which the current ones extend, are here too:
the older versions (:mod:`smpstudio.design.document_versions`) read them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from smpstudio.design.hairline_points import HAIRLINE_POINTS
from smpstudio.design.maps import ZONES
from smpstudio.skin.stubble import Hair

__all__ = [
    "SCHEMA_VERSION",
    "DesignHeader",
    "Dot",
    "HairSection",
    "HairlineSection",
    "HairlineSectionV3",
    "HeadSection",
    "HeaderSections",
    "MapsSection",
    "PatternSection",
    "ProposalSection",
    "ProposalSectionV3",
    "SamplingSection",
    "SummarySection",
    "ZoneName",
]

SCHEMA_VERSION: Literal[4] = 4
ZoneName = Literal["hairline", "frontal", "midscalp", "crown", "fringe", "feather", "scar"]
assert tuple(ZoneName.__args__) == ZONES  # type: ignore[attr-defined]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HeadSection(_Strict):
    preset: Literal["male", "female", "custom"]
    length_mm: Annotated[float, Field(ge=150, le=240)]
    width_mm: Annotated[float, Field(ge=120, le=190)]
    height_mm: Annotated[float, Field(ge=100, le=160)]


class PatternSection(_Strict):
    name: str
    regions: list[list[tuple[float, float]]] = Field(default_factory=list)


class HairlineSectionV3(_Strict):
    """The hairline of versions 1-3: style and the mid-frontal point's height [mm], no shifts."""

    style: Literal["natural", "soft", "defined", "mature", "widows-peak"]
    height_mm: Annotated[float, Field(ge=40, le=130)]
    forced: bool = False


HairlinePointName = Literal[
    "temporal_peak_right",
    "fronto_temporal_right",
    "frontal_right",
    "mid_frontal_point",
    "frontal_left",
    "fronto_temporal_left",
    "temporal_peak_left",
]
assert tuple(HairlinePointName.__args__) == HAIRLINE_POINTS  # type: ignore[attr-defined]


class HairlineSection(HairlineSectionV3):
    """The hairline: style, the MFP's height after its shift [mm] and the control points' shifts [mm]."""

    shift_mm: dict[HairlinePointName, Annotated[float, Field(ge=-30, le=30)]] = Field(default_factory=dict)


class MapsSection(_Strict):
    density_per_cm2: Annotated[float, Field(ge=10, le=200)]
    feather_mm: Annotated[float, Field(ge=0, le=30)]
    sessions: list[Annotated[float, Field(gt=0, le=1)]]
    chart_step_mm: Annotated[float, Field(gt=0, le=5)]
    #: Body ink fraction and healed dot diameter [mm] the zones scale from (version 3; older documents
    #: were drawn with these values).
    ink_fraction: Annotated[float, Field(ge=0.05, le=1)] = 0.65
    dot_diameter_mm: Annotated[float, Field(ge=0.07, le=0.25)] = 0.12


HairColour = Literal["black", "dark-brown", "brown", "light-brown", "red", "blond", "grey", "white"]


class HairSection(_Strict):
    """The client's hair (:class:`smpstudio.skin.stubble.Hair`; ranges there)."""

    colour: HairColour
    grey_fraction: Annotated[float, Field(ge=0, le=1)]
    diameter_um: Annotated[float, Field(ge=60, le=120)]
    units_per_cm2: Annotated[float, Field(ge=60, le=100)]
    hairs_per_unit: Annotated[float, Field(ge=1, le=4)]
    shave_length_mm: Annotated[float, Field(ge=0, le=3)]
    exit_angle_deg: Annotated[float, Field(ge=15, le=90)]

    @classmethod
    def of(cls, hair: Hair) -> HairSection:
        return cls.model_validate(
            {name: getattr(hair, name) for name in cls.model_fields}  # the same names
        )

    def hair(self) -> Hair:
        return Hair(**self.model_dump())


RgbShare = Annotated[float, Field(ge=0, le=1)]


class ProposalSectionV3(_Strict):
    """What the tone-match solver proposed, for which skin and deposit, and how close it came."""

    skin_type: Literal["I", "II", "III", "IV", "V", "VI"]
    depth_mm: Annotated[float, Field(gt=0, le=3)]
    pigment: Literal["carbon-black", "tattoo-black", "iron-oxide-black"]
    proposed: list[Literal["density_per_cm2", "dot_diameter_mm", "ink_fraction", "sessions"]]
    tone_match_delta_e00: Annotated[float, Field(ge=0)]
    reachable: bool
    note: str


class ProposalSection(ProposalSectionV3):
    """What the tone-match solver proposed, for which skin and deposit, how close it came, and to what."""

    #: What the match is against: the stubble a photo of the client shows (``stubble_rgb_linear``, linear
    #: sRGB on the client's skin type) or the stubble model of the design's hair (version 4).
    tone_target: Literal["photo", "hair model"] = "hair model"
    stubble_rgb_linear: tuple[RgbShare, RgbShare, RgbShare] | None = None


class SamplingSection(_Strict):
    method: Literal["bridson2007-variable"]
    packing_constant: Annotated[float, Field(gt=0.3, lt=0.95)]
    candidates_k: Annotated[int, Field(ge=1, le=200)]
    follicular_units: bool
    min_spacing_tolerance_mm: float


class SummarySection(_Strict):
    dot_count: Annotated[int, Field(ge=0)]
    site_count: Annotated[int, Field(ge=0)]
    expected_site_count: Annotated[float, Field(ge=0)]
    treated_area_cm2: Annotated[float, Field(ge=0)]
    remaining_hair_area_cm2: Annotated[float, Field(ge=0)]
    mean_density_per_cm2: Annotated[float, Field(ge=0)]
    dots_per_session: list[Annotated[int, Field(ge=0)]]


class Dot(BaseModel):
    """One pigment dot (validated as a list, see :data:`_DOTS_ADAPTER`)."""

    model_config = ConfigDict(extra="forbid")
    position_mm: tuple[float, float, float]
    diameter_mm: Annotated[float, Field(gt=0, le=2)]
    ink_fraction: Annotated[float, Field(ge=0, le=1)]
    zone: ZoneName
    session: Annotated[int, Field(ge=1, le=5)]


class HeaderSections(_Strict):
    """The sections every version's header has (each version's header model narrows or adds some)."""

    schema_version: int
    generator: str
    seed: Annotated[int, Field(ge=0)]
    head: HeadSection
    pattern: PatternSection
    hairline: HairlineSectionV3
    maps: MapsSection
    sampling: SamplingSection
    summary: SummarySection
    warnings: list[str]


class DesignHeader(HeaderSections):
    """Everything in a design document but its dots, typed (the current version)."""

    schema_version: Literal[4]
    hairline: HairlineSection
    hair: HairSection
    proposal: ProposalSection | None = None
