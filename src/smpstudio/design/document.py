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

The header's sections are typed in :mod:`smpstudio.design.document_sections`. Older versions are read and
upgraded on load, and written again as version 4 (:mod:`smpstudio.design.document_versions` says how);
every section model and the readable versions are importable from here too.

Writing is canonical: fixed key order, numbers rounded (positions and diameters to 1 µm, ink fractions
to 0.001), one dot per line. Reading a file and writing it again gives the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError

from smpstudio import __version__
from smpstudio.design.document_sections import (
    SCHEMA_VERSION,
    DesignHeader,
    Dot,
    HairlineSection,
    HairSection,
    HeadSection,
    MapsSection,
    PatternSection,
    ProposalSection,
    SamplingSection,
    SummarySection,
)
from smpstudio.design.document_versions import READABLE_VERSIONS, dots_of_version, header_of_version
from smpstudio.design.head import Head
from smpstudio.design.maps import ZONES, MapSettings
from smpstudio.design.patterns import Pattern
from smpstudio.design.spec import DesignContext, DesignSpec
from smpstudio.errors import DocumentError

__all__ = [
    "READABLE_VERSIONS",
    "SCHEMA_VERSION",
    "DesignDocument",
    "DesignHeader",
    "DotTable",
    "HairSection",
    "HairlineSection",
    "HeadSection",
    "MapsSection",
    "PatternSection",
    "ProposalSection",
    "SamplingSection",
    "SummarySection",
    "dump_design",
    "json_schema",
    "load_design",
    "packaged_schema",
    "read_design",
    "spec_of_header",
    "write_design",
]


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
        header = header_of_version(data, version)
        dots, ink = dots_of_version(raw_dots, version)
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
