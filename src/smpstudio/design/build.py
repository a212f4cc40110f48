"""From a hair-loss pattern and a hairline to a sampled SMP design: the design engine's pipeline.

Pure: the same :class:`DesignSpec` gives the same dots, bit for bit.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from smpstudio import __version__
from smpstudio.design.bridson2007 import SUPERQUADRIC_HEAD, SurfaceDomain, poisson_disk_surface, spacing_at
from smpstudio.design.document import (
    SCHEMA_VERSION,
    DesignDocument,
    DesignHeader,
    DotTable,
    HairlineSection,
    HairSection,
    HeadSection,
    MapsSection,
    PatternSection,
    ProposalSection,
    SamplingSection,
    SummarySection,
)
from smpstudio.design.head import (
    FACE_EXPONENT,
    VAULT_EXPONENT,
    Head,
    chart_from_points_mm,
    points_from_chart_mm,
    surface_normals,
    surface_points_from_directions,
)
from smpstudio.design.maps import (
    BODY_DIAMETER_MM,
    BODY_INK_FRACTION,
    DIAMETER_RANGE_MM,
    DIAMETER_SPREAD,
    INK_FRACTION_JITTER,
    INK_FRACTION_PER_SESSION,
    ZONE_DIAMETER_MM,
    ZONE_INK_FRACTION,
    ZONES,
)
from smpstudio.design.sessions import assign_sessions
from smpstudio.design.spec import DesignContext, DesignSpec, design_context

__all__ = ["FU_SIZE_PROBABILITIES", "DesignContext", "DesignSpec", "build_design", "design_context"]

FloatArray = NDArray[np.float64]

#: Hairs per follicular unit: 1, 2, 3, 4 with these probabilities (Rassman, baldingblog; hair-
#: restoration texts: about 20 / 45 / 30 / 5 %, mean about 2.2 in Caucasians [B/C]).
FU_SIZE_PROBABILITIES = (0.20, 0.45, 0.30, 0.05)
#: Spacing of the dots within a follicular unit. [mm] (canonical, [M]: hairs of one unit emerge within
#: about half a millimetre of each other)
FU_DOT_SPACING_MM = 0.35
#: Count tolerance before the packing constant is recalibrated, and the most calibration runs.
COUNT_TOLERANCE = 0.02
MAX_CALIBRATION_RUNS = 3
#: Candidates per active dot. 15 instead of Bridson's 30 halves the time; with seeds twice the
#: expected count as a gap-filling pass the fill stays near-maximal (tests/validation).
CANDIDATES_K = 15
SEEDS_PER_EXPECTED_DOT = 2.0
#: Packing constant of this fill (k = 15, dense seeds), measured on the full and Norwood-6 designs; a
#: design whose count misses by more than COUNT_TOLERANCE recalibrates from its own count.
DESIGN_PACKING_CONSTANT = 0.588


def _surface_domain(ctx: DesignContext) -> SurfaceDomain:
    head = ctx.grid.head
    dens = ctx.maps.density_per_mm2
    pts = ctx.grid.points_mm[dens > 0.0]
    margin = 2.0
    lo = pts.min(axis=0) - margin if pts.size else np.zeros(3)
    hi = pts.max(axis=0) + margin if pts.size else np.ones(3)
    prm = np.array(
        [
            head.a_mm,
            head.b_mm,
            head.c_up_mm,
            head.c_low_mm,
            VAULT_EXPONENT,
            FACE_EXPONENT,
            head.chart_radius_mm,
        ]
    )
    origin = ctx.grid.origin_mm - 0.5 * ctx.grid.step_mm
    return SurfaceDomain(SUPERQUADRIC_HEAD, dens, origin, ctx.grid.step_mm, prm, lo, hi)


def _seed_points(ctx: DesignContext, count: int, rng: np.random.Generator) -> FloatArray:
    rows, cols = np.nonzero(ctx.maps.density_per_mm2 > 0.0)
    if rows.size == 0:
        return np.empty((0, 3))
    pick = rng.integers(0, rows.size, size=count)
    step = ctx.grid.step_mm
    u = ctx.grid.u_mm[cols[pick]] + rng.uniform(-0.5, 0.5, count) * step
    v = ctx.grid.v_mm[rows[pick]] + rng.uniform(-0.5, 0.5, count) * step
    return points_from_chart_mm(ctx.grid.head, np.column_stack([u, v]))


def _sample_sites(ctx: DesignContext, spec: DesignSpec) -> tuple[FloatArray, NDArray[np.int32], float]:
    """Blue-noise sites with the count calibrated to the density map's integral, and their sessions."""
    expected = ctx.maps.expected_dot_count
    domain = _surface_domain(ctx)
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(2,)))
    seeds = _seed_points(ctx, max(256, int(SEEDS_PER_EXPECTED_DOT * expected)), rng)
    kernel_seed = int(rng.integers(0, 2**31 - 1))
    c = DESIGN_PACKING_CONSTANT
    pts = np.empty((0, 3))
    for _ in range(MAX_CALIBRATION_RUNS):
        pts = poisson_disk_surface(
            domain,
            seeds,
            packing_constant=c,
            k=CANDIDATES_K,
            seed=kernel_seed,
            max_points=int(2.5 * expected) + 64,
        )
        ratio = len(pts) / expected if expected > 0 else 1.0
        if abs(ratio - 1.0) <= COUNT_TOLERANCE:
            break
        c *= ratio
    session = assign_sessions(pts, spacing_at(domain, pts, c), spec.maps.sessions, rng)
    return pts, session, c


def _follicular_units(
    head: Head, sites: FloatArray, rng: np.random.Generator
) -> tuple[FloatArray, NDArray[np.intp]]:
    """Expand each site into a follicular unit of 1-4 dots; returns dots and their site index."""
    sizes = rng.choice(len(FU_SIZE_PROBABILITIES), size=len(sites), p=FU_SIZE_PROBABILITIES) + 1
    owner = np.repeat(np.arange(len(sites)), sizes)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.arange(owner.size) - np.repeat(first, sizes)
    normals = surface_normals(head, sites)
    helper = np.where(np.abs(normals[:, 2:3]) < 0.9, [[0.0, 0.0, 1.0]], [[1.0, 0.0, 0.0]])
    e1 = np.cross(normals, helper)
    e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    e2 = np.cross(normals, e1)
    angle0 = rng.uniform(0, 2 * np.pi, size=len(sites))[owner]
    angle = angle0 + rank * (2 * np.pi / np.maximum(sizes[owner], 1))
    radius = np.where(rank == 0, 0.0, FU_DOT_SPACING_MM)
    offset = radius[:, None] * (np.cos(angle)[:, None] * e1[owner] + np.sin(angle)[:, None] * e2[owner])
    dots = sites[owner] + offset
    dots = surface_points_from_directions(head, dots / np.linalg.norm(dots, axis=1, keepdims=True))
    return dots, owner


def build_design(spec: DesignSpec, proposal: ProposalSection | None = None) -> DesignDocument:
    """The full pipeline: maps, blue-noise sites per session, dot attributes, document.

    The document keeps ``spec``, whose context (computed here) later previews reuse, and ``proposal``,
    the record of how the tone-match solver chose the spec's values (None when none was proposed).
    """
    ctx = spec.context
    sites, site_session, c_used = _sample_sites(ctx, spec)
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(3,)))
    if spec.follicular_units and len(sites):
        dots, owner = _follicular_units(spec.head, sites, rng)
    else:
        dots, owner = sites, np.arange(len(sites))
    session = site_session[owner]
    row, col = ctx.grid.cell_of(chart_from_points_mm(spec.head, dots))
    zone = ctx.maps.zone[row, col]
    m = spec.maps
    zone_diameter = np.array([ZONE_DIAMETER_MM[z] for z in ZONES]) * (m.dot_diameter_mm / BODY_DIAMETER_MM)
    zone_ink = np.array([ZONE_INK_FRACTION[z] for z in ZONES]) * (m.ink_fraction / BODY_INK_FRACTION)
    diameter = zone_diameter[zone] * (1.0 + DIAMETER_SPREAD * rng.standard_normal(len(dots)))
    diameter = np.clip(diameter, *DIAMETER_RANGE_MM)
    ink = (
        zone_ink[zone]
        + INK_FRACTION_PER_SESSION * (session - 1)
        + INK_FRACTION_JITTER * rng.standard_normal(len(dots))
    )
    ink = np.clip(ink, 0.05, 1.0)
    table = DotTable(dots, diameter, ink, zone.astype(np.uint8), session)

    treated = ctx.maps.treated_area_cm2
    header = DesignHeader(
        schema_version=SCHEMA_VERSION,
        generator=f"smpstudio {__version__}",
        seed=spec.seed,
        head=HeadSection.model_validate(spec.head.to_dict()),
        pattern=PatternSection(name=spec.pattern.name, regions=[list(r) for r in spec.pattern.regions]),
        hairline=HairlineSection.model_validate(
            {
                "style": spec.style,
                "height_mm": round(ctx.hairline_height_mm, 3),
                "forced": spec.force,
                "shift_mm": spec.shifts_mm,
            }
        ),
        maps=MapsSection(
            density_per_cm2=spec.maps.density_per_cm2,
            feather_mm=spec.maps.feather_mm,
            sessions=list(spec.maps.sessions),
            chart_step_mm=spec.chart_step_mm,
            ink_fraction=spec.maps.ink_fraction,
            dot_diameter_mm=spec.maps.dot_diameter_mm,
        ),
        sampling=SamplingSection(
            method="bridson2007-variable",
            packing_constant=round(c_used, 6),
            candidates_k=CANDIDATES_K,
            follicular_units=spec.follicular_units,
            min_spacing_tolerance_mm=1e-9,
        ),
        summary=SummarySection(
            dot_count=len(table),
            site_count=len(sites),
            expected_site_count=round(ctx.maps.expected_dot_count, 1),
            treated_area_cm2=round(treated, 2),
            remaining_hair_area_cm2=round(ctx.maps.hair_area_cm2, 2),
            mean_density_per_cm2=round(len(sites) / treated, 2) if treated > 0 else 0.0,
            dots_per_session=np.bincount(session, minlength=len(spec.maps.sessions) + 1)[1:].tolist(),
        ),
        warnings=list(ctx.warnings),
        hair=HairSection.of(spec.hair),
        proposal=proposal,
    )
    return DesignDocument(header, table, spec)
