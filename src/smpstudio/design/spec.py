"""What defines a design (:class:`DesignSpec`) and the maps it implies (:class:`DesignContext`).

The context (chart grid, hairline, density/zone/hair maps) is the costly part shared by sampling,
previews and timelines. It is computed once per spec: :attr:`DesignSpec.context` caches it, and a
:class:`~smpstudio.design.document.DesignDocument` keeps the spec it was built from or read as.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from smpstudio.design.chart import DEFAULT_STEP_MM, ChartGrid, chart_grid
from smpstudio.design.hairline import (
    check_hairline_shifts,
    design_edge,
    natural_edge,
    resolve_hairline_height,
)
from smpstudio.design.head import Head
from smpstudio.design.maps import DesignMaps, MapSettings, design_maps
from smpstudio.design.patterns import Pattern, hair_fraction
from smpstudio.errors import check_range
from smpstudio.skin.stubble import DEFAULT_HAIR, Hair

__all__ = ["DesignContext", "DesignSpec", "design_context"]


@dataclass(frozen=True, eq=False)
class DesignContext:
    """The chart, edges and maps of a design: what the preview and later stages need besides dots.

    ``hairline_height_mm`` is the mid-frontal point's height above the glabella after its shift. [mm]
    """

    grid: ChartGrid
    maps: DesignMaps
    hairline_height_mm: float
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class DesignSpec:
    """Everything that defines a design. ``hairline_height_mm=None`` takes the style's default.

    ``hair`` is the client's own hair: the stubble the treated area is to match (the stated default
    when the client's is not given). ``hairline_shift_mm`` moves the hairline's named control points
    (:data:`~smpstudio.design.hairline.HAIRLINE_POINTS`) along the chart's radial direction, ``(name,
    mm)`` pairs, positive forward and lower (:func:`~smpstudio.design.hairline.design_edge`); a mapping
    given here is checked and kept as pairs in the points' order, zeros left out.
    """

    head: Head
    pattern: Pattern
    style: str = "soft"
    hairline_height_mm: float | None = None
    force: bool = False
    maps: MapSettings = field(default_factory=MapSettings)
    follicular_units: bool = False
    seed: int = 0
    chart_step_mm: float = DEFAULT_STEP_MM
    hair: Hair = DEFAULT_HAIR
    hairline_shift_mm: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        check_range("seed", self.seed, 0, 2**32 - 1)
        shifts = check_hairline_shifts(dict(self.hairline_shift_mm))
        object.__setattr__(self, "hairline_shift_mm", tuple(shifts.items()))

    @property
    def shifts_mm(self) -> dict[str, float]:
        """The hairline's control-point shifts by name (see :attr:`hairline_shift_mm`). [mm]"""
        return dict(self.hairline_shift_mm)

    @cached_property
    def context(self) -> DesignContext:
        """The spec's maps, computed on first use and kept (see :func:`design_context`)."""
        return design_context(self)


def design_context(spec: DesignSpec) -> DesignContext:
    """Maps of ``spec`` (no dots). Deterministic: the edge irregularity draws from the spec's seed.

    Computes afresh on every call; :attr:`DesignSpec.context` is the cached form.
    """
    shifts = spec.shifts_mm
    mfp_shift = shifts.get("mid_frontal_point", 0.0)
    height, warnings = resolve_hairline_height(
        spec.style, spec.hairline_height_mm, force=spec.force, mfp_shift_mm=mfp_shift
    )
    grid = chart_grid(spec.head, spec.chart_step_mm)
    natural = natural_edge(spec.head)
    edge = design_edge(spec.head, spec.style, height, shifts)
    hair = hair_fraction(spec.pattern, grid, natural)
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(1,)))
    maps = design_maps(
        grid,
        pattern=spec.pattern,
        hair=hair,
        natural=natural,
        design=edge,
        style=spec.style,
        settings=spec.maps,
        rng=rng,
    )
    return DesignContext(grid, maps, height - mfp_shift, tuple(warnings) + tuple(spec.maps.warnings()))
