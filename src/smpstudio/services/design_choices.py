"""What a practitioner can choose for a design, and the choices written as text.

:func:`catalogue` lists the patterns, hairline styles, head presets, hair colours, clipper guards, views
and looks; the parsers read the forms a command line or a form field gives (sessions, free regions,
hairline control-point shifts) into the values of a :class:`~smpstudio.services.design.DesignRequest`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from smpstudio.design.hairline import HAIRLINE_POINTS, STYLES, check_hairline_shifts
from smpstudio.design.head import HEAD_PRESETS
from smpstudio.design.patterns import PATTERNS
from smpstudio.errors import InputError, check_range
from smpstudio.render.views import PREVIEW_VIEWS
from smpstudio.services.models import Result
from smpstudio.skin.stubble import CLIPPER_GUARD_MM, HAIR_COLOURS

__all__ = [
    "Catalogue",
    "Region",
    "catalogue",
    "parse_hairline_shifts",
    "parse_regions",
    "parse_sessions",
]

#: A free region of the scalp chart: the vertices (u, v) [mm] of its polygon.
Region = tuple[tuple[float, float], ...]


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
