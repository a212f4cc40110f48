"""The design document: a versioned JSON file holding everything needed to regenerate a design.

Layout (``schema_version`` 4; JSON Schema in ``smpstudio/data/schemas/design-4.schema.json``)::

    {"schema_version": 4, "generator": "smpstudio 0.1.0", "seed": 7,
     "head": {...}, "pattern": {...}, "hairline": {...}, "maps": {...}, "sampling": {...},
     "summary": {"dot_count", "treated_area_cm2", ...}, "warnings": [...],
     "hair": {"colour", "grey_fraction", "diameter_um", ...}, "proposal": {...} | null,
     "dots": [{"position_mm": [x, y, z], "diameter_mm", "ink_fraction", "zone", "session"}, ...]}

``ink_fraction`` is the share of undiluted pigment in the dot's ink (0 = diluent only, 1 = undiluted).
``hair`` is the client's own hair (:class:`smpstudio.skin.stubble.Hair`), the stubble the treated area
matches; ``maps`` holds the body's ink fraction and dot diameter the zones scale from; ``proposal`` says
how the tone-match solver chose them (``null`` when every value was given). ``hairline`` holds the
style, ``height_mm`` (the mid-frontal point's height above the glabella, after its shift) and
``shift_mm``, the moves of the hairline's named control points along the chart's radial direction
(:func:`smpstudio.design.hairline.design_edge`; positive forward and lower; version 4).

Older versions are read and upgraded on load, and written again as version 4: version 1
(``design-1.schema.json``) called the ink fraction ``shade``; versions 1 and 2 had no ``hair`` (they get
:data:`~smpstudio.skin.stubble.DEFAULT_HAIR`) and no body ink fraction and dot diameter (they get the
values their zones were drawn with, 0.65 and 0.12 mm); versions 1-3 had no control-point shifts (the
style's curve, no shift).

Writing is canonical: fixed key order, numbers rounded (positions and diameters to 1 µm, ink fractions
to 0.001), one dot per line. Reading a file and writing it again gives the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from smpstudio import __version__
from smpstudio.design.hairline import HAIRLINE_POINTS
from smpstudio.design.head import Head
from smpstudio.design.maps import ZONES, MapSettings
from smpstudio.design.patterns import Pattern
from smpstudio.design.spec import DesignContext, DesignSpec
from smpstudio.errors import DocumentError
from smpstudio.skin.stubble import DEFAULT_HAIR, Hair

__all__ = [
    "READABLE_VERSIONS",
    "SCHEMA_VERSION",
    "DesignDocument",
    "DesignHeader",
    "DotTable",
    "HairSection",
    "ProposalSection",
    "dump_design",
    "json_schema",
    "load_design",
    "packaged_schema",
    "read_design",
    "write_design",
]

SCHEMA_VERSION: Literal[4] = 4
#: Versions :func:`load_design` reads (older ones are upgraded to :data:`SCHEMA_VERSION`).
READABLE_VERSIONS = (1, 2, 3, 4)
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


class _HairlineV3(_Strict):
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


class HairlineSection(_HairlineV3):
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


class _ProposalV3(_Strict):
    """What the tone-match solver proposed, for which skin and deposit, and how close it came."""

    skin_type: Literal["I", "II", "III", "IV", "V", "VI"]
    depth_mm: Annotated[float, Field(gt=0, le=3)]
    pigment: Literal["carbon-black", "tattoo-black", "iron-oxide-black"]
    proposed: list[Literal["density_per_cm2", "dot_diameter_mm", "ink_fraction", "sessions"]]
    tone_match_delta_e00: Annotated[float, Field(ge=0)]
    reachable: bool
    note: str


class ProposalSection(_ProposalV3):
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


class _DotV1(BaseModel):
    """A version-1 dot: ``shade`` was the name of the ink fraction."""

    model_config = ConfigDict(extra="forbid")
    position_mm: tuple[float, float, float]
    diameter_mm: Annotated[float, Field(gt=0, le=2)]
    shade: Annotated[float, Field(ge=0, le=1)]
    zone: ZoneName
    session: Annotated[int, Field(ge=1, le=5)]


class _Sections(_Strict):
    schema_version: int
    generator: str
    seed: Annotated[int, Field(ge=0)]
    head: HeadSection
    pattern: PatternSection
    hairline: _HairlineV3
    maps: MapsSection
    sampling: SamplingSection
    summary: SummarySection
    warnings: list[str]


class DesignHeader(_Sections):
    """Everything in a design document but its dots, typed (the current version)."""

    schema_version: Literal[4]
    hairline: HairlineSection
    hair: HairSection
    proposal: ProposalSection | None = None


class _HeaderV3(_Sections):
    schema_version: Literal[3]
    hair: HairSection
    proposal: _ProposalV3 | None = None


class _HeaderV2(_Sections):
    schema_version: Literal[2]


class _HeaderV1(_Sections):
    schema_version: Literal[1]


#: The header models of the versions read and upgraded.
_OLD_HEADERS: dict[int, type[_Sections]] = {1: _HeaderV1, 2: _HeaderV2, 3: _HeaderV3}


class _DocumentModel(DesignHeader):
    dots: list[Dot]


@dataclass(frozen=True, eq=False)
class DotTable:
    """The dots as columns: the form every algorithm uses."""

    position_mm: NDArray[np.float64]  # (N, 3)
    diameter_mm: NDArray[np.float64]  # (N,)
    ink_fraction: NDArray[np.float64]  # (N,) share of undiluted pigment
    zone: NDArray[np.uint8]  # (N,) index into ZONES
    session: NDArray[np.int32]  # (N,)

    def __len__(self) -> int:
        return int(self.diameter_mm.size)


def spec_of_header(header: DesignHeader) -> DesignSpec:
    """The :class:`DesignSpec` a header records (to regenerate the design's maps)."""
    h, m = header.head, header.maps
    shifts = dict(header.hairline.shift_mm)
    return DesignSpec(
        head=Head(h.length_mm, h.width_mm, h.height_mm, h.preset),
        pattern=Pattern(
            header.pattern.name,
            tuple(tuple((float(u), float(v)) for u, v in r) for r in header.pattern.regions),
        ),
        style=header.hairline.style,
        hairline_height_mm=header.hairline.height_mm + shifts.get("mid_frontal_point", 0.0),
        hairline_shift_mm=tuple(shifts.items()),
        force=True,  # a stored design was accepted when it was made
        maps=MapSettings(
            density_per_cm2=m.density_per_cm2,
            feather_mm=m.feather_mm,
            sessions=tuple(m.sessions),
            ink_fraction=m.ink_fraction,
            dot_diameter_mm=m.dot_diameter_mm,
        ),
        hair=header.hair.hair(),
        follicular_units=header.sampling.follicular_units,
        seed=header.seed,
        chart_step_mm=m.chart_step_mm,
    )


@dataclass(frozen=True, eq=False)
class DesignDocument:
    """A design: its typed header and its dots.

    ``spec`` is the :class:`DesignSpec` the design was built from (given by the builder) or, for a
    document read from a file, the one its header records, made on first use; :attr:`context` is that
    spec's cached context, so the maps are computed once per design however many views are rendered.
    """

    header: DesignHeader
    dots: DotTable
    _spec: DesignSpec | None = field(default=None, repr=False)

    @property
    def seed(self) -> int:
        return self.header.seed

    @property
    def spec(self) -> DesignSpec:
        if self._spec is None:
            object.__setattr__(self, "_spec", spec_of_header(self.header))
        assert self._spec is not None
        return self._spec

    @property
    def context(self) -> DesignContext:
        """The design's chart and maps (computed once, cached on :attr:`spec`)."""
        return self.spec.context


_DOTS_ADAPTER: TypeAdapter[list[Dot]] = TypeAdapter(list[Dot])
_DOTS_V1_ADAPTER: TypeAdapter[list[_DotV1]] = TypeAdapter(list[_DotV1])


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the current document version (generated from the models)."""
    schema = _DocumentModel.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://smpstudio.org/schemas/design-{SCHEMA_VERSION}.schema.json"
    schema["title"] = "smpstudio design document"
    return schema


def packaged_schema(version: int = SCHEMA_VERSION) -> dict[str, Any]:
    """The JSON Schema file of ``version`` shipped in the package (every readable version is)."""
    text = resources.files("smpstudio.data.schemas").joinpath(f"design-{version}.schema.json").read_text()
    return dict(json.loads(text))


def _round(a: NDArray[np.float64], decimals: int) -> list[Any]:
    out: list[Any] = np.round(np.asarray(a, dtype=np.float64), decimals).tolist()
    return out


def dump_design(doc: DesignDocument) -> str:
    """Canonical JSON text of a design (see the module docstring)."""
    header = doc.header.model_dump(mode="json")
    dots = doc.dots
    pos = _round(dots.position_mm, 3)
    dia = _round(dots.diameter_mm, 3)
    ink = _round(dots.ink_fraction, 3)
    zones = [ZONES[z] for z in dots.zone.tolist()]
    sessions = dots.session.tolist()
    lines = [
        f'{{"position_mm": [{p[0]!r}, {p[1]!r}, {p[2]!r}], "diameter_mm": {d!r}, "ink_fraction": {s!r}, '
        f'"zone": "{z}", "session": {k}}}'
        for p, d, s, z, k in zip(pos, dia, ink, zones, sessions, strict=True)
    ]
    head_text = json.dumps(header, indent=2, ensure_ascii=False)
    body = "[]" if not lines else "[\n    " + ",\n    ".join(lines) + "\n  ]"
    return head_text[:-2] + ',\n  "dots": ' + body + "\n}\n"


def _json_path(loc: tuple[int | str, ...]) -> str:
    path = "$"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def load_design(text: str | bytes) -> DesignDocument:
    """Parse and validate a design's JSON text; errors name the JSON path of the problem.

    Older documents are upgraded: a version-1 dot's ``shade`` becomes ``ink_fraction``; versions 1
    and 2 get the default hair and the body values their zones were drawn with; versions 1-3 get no
    hairline shifts.
    """
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        where = f"line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else "bytes"
        raise DocumentError(
            f"not valid JSON ({where})", field="$", allowed="a design JSON document"
        ) from None
    if not isinstance(data, dict):
        raise DocumentError("the document is not a JSON object", field="$")
    version = data.get("schema_version")
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        raise DocumentError(
            f"schema_version {version!r} is not supported by smpstudio {__version__}",
            field="$.schema_version",
            allowed=", ".join(map(str, READABLE_VERSIONS)),
        )
    raw_dots = data.pop("dots", None)
    if raw_dots is None:
        raise DocumentError("missing", field="$.dots", allowed="a list of dots")
    try:
        if version in (1, 2, 3):
            old = _OLD_HEADERS[version].model_validate(data)
            upgraded = {"hair": HairSection.of(DEFAULT_HAIR).model_dump()} | old.model_dump()
            header = DesignHeader.model_validate({**upgraded, "schema_version": SCHEMA_VERSION})
        else:
            header = DesignHeader.model_validate(data)
        if version == 1:
            dots_v1 = _DOTS_V1_ADAPTER.validate_python(raw_dots)
            ink = [d.shade for d in dots_v1]
            dots: list[Dot] | list[_DotV1] = dots_v1
        else:
            dots = _DOTS_ADAPTER.validate_python(raw_dots)
            ink = [d.ink_fraction for d in dots]
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        if exc.title.startswith("list["):
            loc = ("dots", *loc)
        raise DocumentError(err["msg"], field=_json_path(loc)) from None
    n = len(dots)
    table = DotTable(
        position_mm=np.array([d.position_mm for d in dots], dtype=np.float64).reshape(n, 3),
        diameter_mm=np.array([d.diameter_mm for d in dots], dtype=np.float64),
        ink_fraction=np.array(ink, dtype=np.float64),
        zone=np.array([ZONES.index(d.zone) for d in dots], dtype=np.uint8),
        session=np.array([d.session for d in dots], dtype=np.int32),
    )
    if header.summary.dot_count != n:
        raise DocumentError(
            f"says {header.summary.dot_count} dots but the file holds {n}", field="$.summary.dot_count"
        )
    return DesignDocument(header, table)


def write_design(doc: DesignDocument, path: str | Path) -> Path:
    """Write ``doc`` to ``path`` atomically (a temporary file renamed into place)."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(dump_design(doc), encoding="utf-8")
    tmp.replace(target)
    return target


def read_design(path: str | Path) -> DesignDocument:
    """Read and validate a design file (for scripts and tests; the faces read files themselves)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise DocumentError(f"no such file: {p}", field="design") from None
    except IsADirectoryError:
        raise DocumentError(f"{p} is a directory", field="design") from None
    return load_design(raw)
