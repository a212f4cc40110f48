"""Hair-loss patterns: where the client's hair remains, as a hair-fraction map on the scalp chart.

A pattern yields, for every chart cell, the fraction of native hair density that remains
(1 = full native hair, 0 = bald); the treated area and the area of remaining hair follow from it.

Classifications: Hamilton-Norwood (Norwood OT, *Male pattern baldness: classification and
incidence*, South Med J 1975;68:1359-65 [A]) with the ``a`` variants (whole frontal hairline
recedes, no island) and ``3v`` (vertex loss with type-3 recession); Ludwig (Ludwig E, *Classification
of the types of androgenetic alopecia (common baldness) occurring in the female sex*, Br J Dermatol
1977;97:247-54 [A]): progressive thinning over the crown behind a preserved frontal hairline.

The classifications are drawings, not measurements: the recession depths, crown radii, fringe
widths and remaining-hair fractions below are this model's reading of them, scaled to a 195 mm head
length; configurable, with no source for the exact numbers [M].

========= ======== ======== ============= ============== ===========================================
pattern   midline  temple   crown radii   fringe         notes
          [mm]     [mm]     [mm]          side/back [mm]
========= ======== ======== ============= ============== ===========================================
norwood-1 0        5        -             -              no significant recession
norwood-2 5        18       -             -              triangular fronto-temporal recessions
2a        15       20       -             -              the whole front recedes
norwood-3 8        32       -             -              deep fronto-temporal recessions
3a        30       34       -             -
3v        8        32       25 x 28       -              vertex loss
norwood-4 25       45       38 x 42       -              bridge of hair between front and crown
4a        48       52       -             -
norwood-5 40       58       50 x 56       -              bridge thin (half its hair)
5a        92       95       -             -              frontal loss reaches the vertex
norwood-6 -        -        -             62 / 78        bridge gone: front and crown merge
norwood-7 -        -        -             42 / 55        narrow horseshoe, low on the sides
========= ======== ======== ============= ============== ===========================================

Ludwig 1-3: an oval along the parting from 25 mm behind the hairline to the crown, half-width 35 /
50 / 65 mm, with 65 / 40 / 15 % of the hair left. ``diffuse``: half the hair left over the whole top,
sparing a 20 mm frontal band and a 50/60 mm fringe. ``full``: the whole scalp, as for a shaved-head
SMP or alopecia totalis. Free regions (scars, alopecia patches) are polygons in chart millimetres;
they are bald and form their own zone; around them the hair rises from none at the border to the
surrounding fraction over ``REGION_BORDER_MM`` (2 mm, [M]: the margin of a scar or patch carries sparser,
irregular hair), so the dots that replace it fade out as the stubble comes in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from smpstudio.design.chart import ChartGrid
from smpstudio.design.hairline import EdgeCurve
from smpstudio.design.head import chart_from_points_mm
from smpstudio.design.landmarks import landmarks
from smpstudio.design.pchip import pchip
from smpstudio.errors import InputError, check_choice

__all__ = [
    "PATTERNS",
    "REGION_BORDER_MM",
    "Pattern",
    "PatternSpec",
    "hair_fraction",
    "region_margin",
    "region_mask",
]

FloatArray = NDArray[np.float64]

REFERENCE_HEAD_LENGTH_MM = 195.0
#: Width of the thinning border around bald areas, where hair fraction rises from 0 to 1. [mm]
BORDER_MM = 8.0
#: Width of the sparse margin around a free region (scar, patch), where hair rises from 0. [mm] ([M])
REGION_BORDER_MM = 2.0


@dataclass(frozen=True, slots=True)
class PatternSpec:
    """Geometry of a hair-loss pattern at the reference head length (see the module table). [mm]"""

    name: str
    description: str
    midline_recession_mm: float = 0.0
    temple_recession_mm: float = 0.0
    crown_radii_mm: tuple[float, float] = (0.0, 0.0)
    fringe_mm: tuple[float, float] | None = None
    bridge_hair: float = 1.0
    thinning: str | None = None
    thinning_hair: float = 1.0
    thinning_half_width_mm: float = 0.0


_N = "Hamilton-Norwood"
PATTERNS: dict[str, PatternSpec] = {
    p.name: p
    for p in (
        PatternSpec("norwood-1", f"{_N} 1: no significant recession", 0, 5),
        PatternSpec("norwood-2", f"{_N} 2: triangular fronto-temporal recessions", 5, 18),
        PatternSpec("norwood-2a", f"{_N} 2a: the whole frontal hairline recedes", 15, 20),
        PatternSpec("norwood-3", f"{_N} 3: deep fronto-temporal recessions", 8, 32),
        PatternSpec("norwood-3a", f"{_N} 3a: the whole front recedes deeply", 30, 34),
        PatternSpec("norwood-3v", f"{_N} 3 vertex: type-3 recession with vertex loss", 8, 32, (25, 28)),
        PatternSpec("norwood-4", f"{_N} 4: front and crown separated by a bridge", 25, 45, (38, 42)),
        PatternSpec("norwood-4a", f"{_N} 4a: frontal loss past the mid-frontal line", 48, 52),
        PatternSpec(
            "norwood-5", f"{_N} 5: larger front and crown, thin bridge", 40, 58, (50, 56), bridge_hair=0.5
        ),
        PatternSpec("norwood-5a", f"{_N} 5a: frontal loss reaches the vertex", 92, 95),
        PatternSpec("norwood-6", f"{_N} 6: bridge gone, front and crown merged", fringe_mm=(62, 78)),
        PatternSpec("norwood-7", f"{_N} 7: a narrow horseshoe fringe remains", fringe_mm=(42, 55)),
        PatternSpec(
            "ludwig-1",
            "Ludwig I: mild thinning over the crown",
            thinning="ludwig",
            thinning_hair=0.65,
            thinning_half_width_mm=35,
        ),
        PatternSpec(
            "ludwig-2",
            "Ludwig II: pronounced thinning over the crown",
            thinning="ludwig",
            thinning_hair=0.40,
            thinning_half_width_mm=50,
        ),
        PatternSpec(
            "ludwig-3",
            "Ludwig III: near-total loss over the crown",
            thinning="ludwig",
            thinning_hair=0.15,
            thinning_half_width_mm=65,
        ),
        PatternSpec("diffuse", "diffuse thinning over the whole top", thinning="diffuse", thinning_hair=0.5),
        PatternSpec("full", "the whole scalp (shaved-head SMP, alopecia totalis)", fringe_mm=(0, 0)),
    )
}

Polygon = Sequence[tuple[float, float]]


@dataclass(frozen=True)
class Pattern:
    """A named pattern plus free regions (polygons of ``(u, v)`` chart points, mm)."""

    name: str
    regions: tuple[tuple[tuple[float, float], ...], ...] = field(default=())

    def __post_init__(self) -> None:
        check_choice("pattern", self.name, PATTERNS)
        for i, poly in enumerate(self.regions):
            if len(poly) < 3:
                raise InputError(
                    f"region {i + 1} has {len(poly)} points",
                    field="regions",
                    allowed="polygons of at least 3 (u, v) chart points in mm",
                )
            arr = np.asarray(poly, dtype=np.float64)
            if arr.shape[1:] != (2,) or not np.all(np.isfinite(arr)) or np.any(np.abs(arr) > 300):
                raise InputError(
                    f"region {i + 1} has a point outside the chart",
                    field="regions",
                    allowed="finite (u, v) chart points within +/-300 mm",
                )

    @property
    def spec(self) -> PatternSpec:
        return PATTERNS[self.name]


def _smoothstep(x: FloatArray) -> FloatArray:
    t = np.clip(x, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def region_mask(grid: ChartGrid, regions: Sequence[Polygon]) -> NDArray[np.bool_]:
    """Cells inside any of the polygons (chart mm)."""
    from PIL import Image, ImageDraw  # here: listing the patterns needs no imaging library

    rows, cols = grid.shape
    img = Image.new("L", (cols, rows), 0)
    draw = ImageDraw.Draw(img)
    for poly in regions:
        pts = [((u - grid.origin_mm) / grid.step_mm, (v - grid.origin_mm) / grid.step_mm) for u, v in poly]
        draw.polygon(pts, fill=1, outline=1)
    return np.asarray(img, dtype=bool)


def _symmetric_profile(knots: list[tuple[float, float]], beta: FloatArray) -> FloatArray:
    """A profile over |beta| through (beta, value) knots, flat beyond the last one."""
    xs = np.array([k[0] for k in knots])
    ys = np.array([k[1] for k in knots])
    b = np.clip(np.abs(beta), xs[0], xs[-1])
    return pchip(xs, ys, b)


def hair_fraction(pattern: Pattern, grid: ChartGrid, natural: EdgeCurve) -> FloatArray:
    """Fraction of native hair density remaining in each chart cell (0 outside the natural scalp). [-]"""
    spec = pattern.spec
    head = grid.head
    scale = head.length_mm / REFERENCE_HEAD_LENGTH_MM
    r0 = head.chart_radius_mm
    psi_edge = natural.psi(grid.beta_rad)
    depth_mm = (psi_edge - grid.psi_rad) * r0  # distance inside the natural edge, along the chart radius
    inside = depth_mm > 0.0
    hair = np.ones(grid.shape)
    beta_ft = natural.beta_fronto_temporal
    b_tp, b_sb = natural.beta_temporal_peak, natural.beta_sideburn

    if spec.midline_recession_mm > 0 or spec.temple_recession_mm > 0:
        m, t = spec.midline_recession_mm * scale, spec.temple_recession_mm * scale
        rec = _symmetric_profile(
            [
                (0.0, m),
                (0.5 * beta_ft, 0.5 * (m + t) - 0.1 * (t - m)),
                (beta_ft, t),
                (b_tp, 0.35 * t),
                (b_sb, 0.0),
            ],
            grid.beta_rad,
        )
        hair = np.minimum(hair, _smoothstep((depth_mm - rec) / BORDER_MM + 0.5))
    if spec.crown_radii_mm[0] > 0:
        crown_uv = chart_from_points_mm(head, landmarks(head)["crown_whorl"])
        rx, ry = (r * scale for r in spec.crown_radii_mm)
        rho = np.hypot(grid.u_mm[None, :] / rx, (grid.v_mm[:, None] - crown_uv[1]) / ry)
        hair = np.minimum(hair, _smoothstep((rho - 1.0) * min(rx, ry) / BORDER_MM + 0.5))
        if spec.bridge_hair < 1.0:
            front_v = float(chart_from_points_mm(head, landmarks(head)["mid_frontal_point"])[1])
            bridge = (
                (np.abs(grid.u_mm[None, :]) < 0.9 * rx)
                & (grid.v_mm[:, None] > crown_uv[1])
                & (grid.v_mm[:, None] < front_v)
            )
            hair = np.where(bridge, np.minimum(hair, spec.bridge_hair), hair)
    if spec.fringe_mm is not None:
        side, back = (f * scale for f in spec.fringe_mm)
        fringe = _symmetric_profile([(0.0, 0.0), (b_tp, 0.0), (b_sb, side), (np.pi, back)], grid.beta_rad)
        # Hair rises from 0 at the fringe's upper border to full BORDER_MM below it; where the fringe
        # has no width (the frontal hairline, or the whole scalp for "full") no hair remains.
        hair = np.minimum(hair, _smoothstep((fringe - depth_mm) / BORDER_MM))
    if spec.thinning == "ludwig":
        front_v = float(chart_from_points_mm(head, landmarks(head)["mid_frontal_point"])[1])
        crown_v = float(chart_from_points_mm(head, landmarks(head)["crown_whorl"])[1])
        v_top, v_bottom = front_v - 25.0 * scale, crown_v - 10.0 * scale
        centre, half_len = 0.5 * (v_top + v_bottom), 0.5 * (v_top - v_bottom)
        half_w = spec.thinning_half_width_mm * scale
        rho = np.hypot(grid.u_mm[None, :] / half_w, (grid.v_mm[:, None] - centre) / half_len)
        ramp = _smoothstep((rho - 1.0) * half_w / 12.0 + 0.5)
        hair = np.minimum(hair, spec.thinning_hair + (1.0 - spec.thinning_hair) * ramp)
    elif spec.thinning == "diffuse":
        fringe = _symmetric_profile(
            [(0.0, 20.0 * scale), (b_tp, 20.0 * scale), (b_sb, 50.0 * scale), (np.pi, 60.0 * scale)],
            grid.beta_rad,
        )
        ramp = _smoothstep((fringe - depth_mm) / 10.0 + 0.5)
        hair = np.minimum(hair, spec.thinning_hair + (1.0 - spec.thinning_hair) * ramp)
    if pattern.regions:
        hair = np.minimum(hair, region_margin(grid, pattern.regions))
    return np.where(inside, hair, 0.0)


def region_margin(grid: ChartGrid, regions: Sequence[Polygon]) -> FloatArray:
    """Hair fraction the free regions allow: 0 inside, rising to 1 over :data:`REGION_BORDER_MM`. [-]"""
    from scipy import ndimage  # here: listing the patterns needs no SciPy

    mask = region_mask(grid, regions)
    if not mask.any():
        return np.ones(grid.shape)
    out_mm = ndimage.distance_transform_edt(~mask) * grid.step_mm
    return np.where(mask, 0.0, _smoothstep(out_mm / REGION_BORDER_MM))
