"""Density, zone, size, ink-fraction and session maps of a design on the scalp chart.

Density is what the client lacks, shaped by the hairline:

    density = target x need x hairline_factor

* ``need``: ``1 - hair`` inside the natural scalp (dots replace missing hair; under thinning hair they
  fill the deficit), 1 on the forehead between a lowered design hairline and the natural one, and a
  feathering ramp from 1 to 0 over ``feather_mm`` into the remaining hair so the treated area has no
  visible border (clinic consensus [C]; default 10 mm, range 0-30 mm).
* ``hairline_factor``: inside the design edge, density rises from the style's edge density to 1 over
  its transition depth; ahead of the edge, sparse scattered dots decay with the style's scatter
  length (:mod:`smpstudio.design.hairline`).

Defaults, each a configurable clinic-consensus value ([clinic-technique] in docs/references.md):

* target density: 80 dots/cm², the native follicular-unit density (60-100 FU/cm², [B/C]); accepted
  10-200 dots/cm², warned outside 50-120. A design made through the services takes the density, dot
  diameter, ink fraction and sessions the tone-match proposal gives for the client's hair
  (:mod:`smpstudio.design.proposal`) unless the practitioner sets them;
* healed dot diameter: 0.12 mm in the body (range 0.07-0.25 mm [B/C]); 0.10 mm in the hairline and
  feather zones where single-needle (1RL) work keeps dots finest [C]; per-dot spread 12 % (normal,
  truncated). A body diameter other than 0.12 mm (the tone-match proposal's, or the practitioner's)
  scales every zone by the same factor;
* ink fraction: the share of undiluted pigment (0 = diluent only, 1 = undiluted black), lighter at the
  hairline and feathering, darker over the crown; later sessions darker by 0.05 each ("progressively
  darker pigment in later sessions", Skalptec [C]). The body value (midscalp, 0.65 by default) sets
  the others in the same proportions;
* sessions: cumulative fractions of the dots after each session, 45 % / 80 % / 100 % by default
  (the first session lays out the design conservatively, the second builds density, the third refines
  [C]); each session's cumulative dots are themselves a blue-noise set.

Free regions (scars, alopecia patches) are bald and get the body's density, so they match the stubble
around them when the body does; their border is not feathered into the hair around them (dots on top of
full stubble would draw a darker ring): the hair map rises across the border over
``REGION_BORDER_MM`` ([M]: hair at the margin of a scar or patch is sparser and irregular) and the dots
fall as the hair rises, so stubble and dots add up to the same tone across it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from smpstudio.design.chart import ChartGrid
from smpstudio.design.hairline import (
    MARGIN_EDGE_DENSITY,
    MARGIN_TRANSITION_MM,
    STYLES,
    EdgeCurve,
    edge_displacement_mm,
)
from smpstudio.design.patterns import Pattern, region_margin, region_mask
from smpstudio.errors import InputError, check_range

__all__ = [
    "DEFAULT_DENSITY_PER_CM2",
    "ZONES",
    "DesignMaps",
    "MapSettings",
    "design_maps",
]

FloatArray = NDArray[np.float64]

DEFAULT_DENSITY_PER_CM2 = 80.0
DENSITY_RANGE_PER_CM2 = (10.0, 200.0)
TYPICAL_DENSITY_PER_CM2 = (50.0, 120.0)
FEATHER_RANGE_MM = (0.0, 30.0)

#: Zone names, in code order.
ZONES = ("hairline", "frontal", "midscalp", "crown", "fringe", "feather", "scar")
ZONE_CODE = {name: i for i, name in enumerate(ZONES)}

#: Healed dot diameter per zone. [mm] (clinic consensus, see module docstring)
ZONE_DIAMETER_MM = {
    "hairline": 0.10,
    "frontal": 0.12,
    "midscalp": 0.12,
    "crown": 0.12,
    "fringe": 0.12,
    "feather": 0.10,
    "scar": 0.12,
}
DIAMETER_SPREAD = 0.12
DIAMETER_RANGE_MM = (0.07, 0.25)
#: Fraction of undiluted pigment per zone. [-] (clinic consensus)
ZONE_INK_FRACTION = {
    "hairline": 0.45,
    "frontal": 0.60,
    "midscalp": 0.65,
    "crown": 0.70,
    "fringe": 0.65,
    "feather": 0.50,
    "scar": 0.65,
}
#: Body (midscalp) values the zones scale from.
BODY_DIAMETER_MM = ZONE_DIAMETER_MM["midscalp"]
BODY_INK_FRACTION = ZONE_INK_FRACTION["midscalp"]
INK_FRACTION_RANGE = (0.05, 1.0)
INK_FRACTION_PER_SESSION = 0.05
INK_FRACTION_JITTER = 0.04
DEFAULT_SESSIONS = (0.45, 0.80, 1.0)

#: Densities below this fraction of the target are left empty (no dots). [-]
DENSITY_FLOOR = 0.02


@dataclass(frozen=True, slots=True)
class MapSettings:
    """What the practitioner sets for the maps (see the module docstring for defaults and sources)."""

    density_per_cm2: float = DEFAULT_DENSITY_PER_CM2
    feather_mm: float = 10.0
    sessions: tuple[float, ...] = DEFAULT_SESSIONS
    #: Body ink fraction (share of undiluted ink) and healed dot diameter [mm]; the zones scale from them.
    ink_fraction: float = BODY_INK_FRACTION
    dot_diameter_mm: float = BODY_DIAMETER_MM

    def __post_init__(self) -> None:
        check_range("density_per_cm2", self.density_per_cm2, *DENSITY_RANGE_PER_CM2, unit="dots/cm²")
        check_range("feather_mm", self.feather_mm, *FEATHER_RANGE_MM, unit="mm")
        check_range("ink_fraction", self.ink_fraction, *INK_FRACTION_RANGE)
        check_range("dot_diameter_mm", self.dot_diameter_mm, *DIAMETER_RANGE_MM, unit="mm")
        s = self.sessions
        if (
            not (1 <= len(s) <= 5)
            or any(not a < b for a, b in zip((0.0, *s), s, strict=False))
            or s[-1] != 1.0
        ):
            raise InputError(
                f"{list(s)} is not an increasing list of cumulative fractions ending at 1",
                field="sessions",
                allowed="1 to 5 increasing fractions in (0, 1], the last 1.0",
            )

    def warnings(self) -> list[str]:
        low, high = TYPICAL_DENSITY_PER_CM2
        if not low <= self.density_per_cm2 <= high:
            return [
                f"density {self.density_per_cm2:g}/cm² is outside the usual {low:g}-{high:g}/cm² "
                "(native follicular-unit density)"
            ]
        return []


@dataclass(frozen=True, eq=False)
class DesignMaps:
    """The maps of a design on its chart grid."""

    grid: ChartGrid
    hair: FloatArray = field(repr=False)
    """Remaining native hair fraction. [-]"""
    density_per_mm2: FloatArray = field(repr=False)
    """Target dot density. [mm⁻²]"""
    zone: NDArray[np.uint8] = field(repr=False)
    """Zone code per cell (index into :data:`ZONES`)."""

    @property
    def expected_dot_count(self) -> float:
        """The density map's integral over the scalp. [-]"""
        return float(np.sum(self.density_per_mm2 * self.grid.area_mm2))

    @property
    def treated_area_cm2(self) -> float:
        """Surface area that receives dots. [cm²]"""
        return float(np.sum(self.grid.area_mm2[self.density_per_mm2 > 0.0])) / 100.0

    @property
    def hair_area_cm2(self) -> float:
        """Area-weighted remaining native hair (area of hair-bearing scalp). [cm²]"""
        return float(np.sum(self.hair * self.grid.area_mm2)) / 100.0


def _smoothstep(x: FloatArray) -> FloatArray:
    t = np.clip(x, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def design_maps(
    grid: ChartGrid,
    *,
    pattern: Pattern,
    hair: FloatArray,
    natural: EdgeCurve,
    design: EdgeCurve,
    style: str,
    settings: MapSettings,
    rng: np.random.Generator,
) -> DesignMaps:
    """Density and zone maps for a design (see the module docstring for the model)."""
    from scipy import ndimage  # here: the catalogue and design documents load without SciPy

    spec = STYLES[style]
    r0 = grid.head.chart_radius_mm
    step = grid.step_mm
    reach = grid.area_mm2 > 0.0
    shift_mm = edge_displacement_mm(design, style, grid.beta_rad, rng)
    psi_edge = design.psi(grid.beta_rad) + shift_mm / r0
    inside = (grid.psi_rad < psi_edge) & reach
    inside_nat = (grid.psi_rad < natural.psi(grid.beta_rad)) & reach
    depth_mm = ndimage.distance_transform_edt(inside) * step  # distance inside the design edge
    ahead_mm = ndimage.distance_transform_edt(~inside) * step  # distance ahead of it

    need = np.where(inside_nat, 1.0 - hair, 1.0)
    near_region = np.zeros(grid.shape, dtype=bool)
    if pattern.regions:
        # Free regions and their margins are not feathered: dots there complement the hair (see the
        # module docstring).
        near_region = region_margin(grid, pattern.regions) < 1.0
    missing = (need > 0.5) & ~near_region
    if settings.feather_mm > 0 and missing.any():
        into_hair = ndimage.distance_transform_edt(~missing) * step
        need = np.maximum(need, np.where(inside_nat, 1.0 - into_hair / settings.feather_mm, 0.0))
    need = np.clip(need, 0.0, 1.0)

    front = design.frontal_weight(grid.beta_rad)
    transition = front * spec.transition_mm + (1 - front) * MARGIN_TRANSITION_MM
    edge_density = front * spec.edge_density + (1 - front) * MARGIN_EDGE_DENSITY
    factor_in = edge_density + (1.0 - edge_density) * _smoothstep(depth_mm / transition)
    if spec.scatter_mm > 0:
        factor_out = (
            front * edge_density * np.exp(-ahead_mm / spec.scatter_mm) * (ahead_mm < 3 * spec.scatter_mm)
        )
    else:
        factor_out = np.zeros(grid.shape)
    # Scattered dots ahead of the edge belong to the frontal hairline only (weighted by `front`), so
    # the sideburns and nape keep a clean margin.
    factor = np.where(inside, factor_in, factor_out)

    density = settings.density_per_cm2 / 100.0 * need * factor
    density[density < DENSITY_FLOOR * settings.density_per_cm2 / 100.0] = 0.0
    density[~reach] = 0.0

    # Zones, later rules overriding earlier ones: the crown behind the vertex, the frontal third, the
    # fringe down the sides and back, the hairline's transition zone, feathering into hair, scars.
    v_mm = np.broadcast_to(grid.v_mm[:, None], grid.shape)
    zone = np.full(grid.shape, ZONE_CODE["midscalp"], dtype=np.uint8)
    zone[v_mm < -0.07 * grid.head.length_mm] = ZONE_CODE["crown"]
    zone[v_mm > 0.25 * grid.head.b_mm] = ZONE_CODE["frontal"]
    zone[grid.psi_rad > np.radians(75.0)] = ZONE_CODE["fringe"]
    zone[(depth_mm < spec.transition_mm) & (front > 0.5) | (~inside & (front > 0.5))] = ZONE_CODE["hairline"]
    zone[inside_nat & (hair > 0.5)] = ZONE_CODE["feather"]
    if pattern.regions:
        zone[region_mask(grid, pattern.regions)] = ZONE_CODE["scar"]
    return DesignMaps(grid, hair, density, zone)
