"""Design use cases: create a design from a practitioner's choices, read one, list what can be chosen.

Every face (command line, web studio, JSON API) calls these and nothing below them. Services read and
write no files: a design comes in as the document's bytes and goes out as a typed result that carries
the document and its canonical bytes; the face stores them.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence

from pydantic import ConfigDict, Field

from smpstudio.design.build import DesignSpec, build_design
from smpstudio.design.document import DesignDocument, dump_design, load_design
from smpstudio.design.hairline import STYLES
from smpstudio.design.head import HEAD_PRESETS, head_preset
from smpstudio.design.maps import DEFAULT_DENSITY_PER_CM2, DEFAULT_SESSIONS, MapSettings
from smpstudio.design.patterns import PATTERNS, Pattern
from smpstudio.errors import InputError, check_choice, check_range
from smpstudio.render.preview import LOOKS
from smpstudio.render.views import PREVIEW_VIEWS
from smpstudio.services.models import Request, Result

__all__ = [
    "Catalogue",
    "DesignRequest",
    "DesignResult",
    "catalogue",
    "create_design",
    "design_result",
    "parse_design",
    "parse_regions",
    "parse_sessions",
]

Region = tuple[tuple[float, float], ...]


class DesignRequest(Request):
    """A practitioner's choices (ranges and names are checked when the design is built)."""

    pattern: str
    style: str = "soft"
    hairline_height_mm: float | None = None
    density_per_cm2: float = DEFAULT_DENSITY_PER_CM2
    feather_mm: float = 10.0
    sessions: tuple[float, ...] = DEFAULT_SESSIONS
    head: str = "male"
    head_length_mm: float | None = None
    head_width_mm: float | None = None
    head_height_mm: float | None = None
    regions: tuple[Region, ...] = ()
    follicular_units: bool = False
    seed: int | None = None
    force: bool = False


class DesignResult(Result):
    """A design's summary (the ``--json`` object); ``document`` is the design itself, not printed."""

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
    dots_per_session: list[int]
    remaining_hair_area_cm2: float
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
    views: list[str]
    looks: list[str]


def catalogue() -> Catalogue:
    """What can be chosen: patterns, styles, heads, views and looks, with descriptions."""
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


def _spec(request: DesignRequest) -> DesignSpec:
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
        maps=MapSettings(
            density_per_cm2=request.density_per_cm2,
            feather_mm=request.feather_mm,
            sessions=tuple(request.sessions),
        ),
        follicular_units=request.follicular_units,
        seed=secrets.randbelow(2**31) if request.seed is None else request.seed,
    )


def design_result(doc: DesignDocument, elapsed_s: float | None = None) -> DesignResult:
    """The summary of a design, with the design."""
    h = doc.header
    s = h.summary
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
        dots_per_session=list(s.dots_per_session),
        remaining_hair_area_cm2=s.remaining_hair_area_cm2,
        elapsed_s=elapsed_s,
        document=doc,
    )


def create_design(request: DesignRequest) -> DesignResult:
    """Build the design a request describes. A missing seed is drawn at random and stored.

    The result's document keeps the design's maps (its context), so previews of it reuse them.
    """
    t0 = time.perf_counter()
    doc = build_design(_spec(request))
    return design_result(doc, round(time.perf_counter() - t0, 3))


def parse_design(data: str | bytes) -> DesignDocument:
    """A design document from its JSON text (version 1 is upgraded); errors name the JSON path."""
    return load_design(data)
