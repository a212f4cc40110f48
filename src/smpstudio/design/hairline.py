"""Hairline styles and placement: the edge of the scalp as a curve on the scalp chart.

The scalp's edge (frontal hairline, temples, sideburns, over the ears, nape) is star-shaped around
the vertex, so it is held as the polar angle ``psi_edge(beta)`` of the chart (see
:func:`smpstudio.design.head.chart_from_points_mm`), interpolated periodically (PCHIP, no
overshoot) through landmark control points. The frontal part follows the placement rules of
:mod:`smpstudio.design.landmarks`; the sides and nape are canonical geometry of the natural margin.

Styles (practitioner taxonomy [clinic-hairline-styles] [C]; SMP feathering depths from
[smp-micro-hairline] [C]; keys are entries of docs/references.md):

============  ==========  =====  =======  ==========  ==========  ========================================
style         transition  edge   scatter  macro       micro       notes
              [mm]        [-]    [mm]     [mm @ mm]   [mm @ mm]
============  ==========  =====  =======  ==========  ==========  ========================================
natural       5           0.30   3        2.5 @ 25    1.0 @ 5     broken edge, both irregularities
soft          6           0.25   5        2.0 @ 25    1.5 @ 5     the softest, widest transition
defined       3           0.90   0        0           0           "edge-up"; straight lines are the most
                                                                  detectable (warned)
mature        5           0.30   3        2.5 @ 25    1.0 @ 5     +15 mm at the midline, +25 mm at the
                                                                  corners (Rassman, juvenile vs mature [B/C])
widows-peak   5           0.30   3        2.5 @ 25    1.0 @ 5     a V of 12 mm depth, 20 mm half-width
============  ==========  =====  =======  ==========  ==========  ========================================

``transition`` is the depth of the zone over which density rises from ``edge`` (relative density at
the leading edge) to full. An SMP hairline feathers over "the first few millimetres" [smp-micro-hairline]:
a soft one over about 6 mm (range 3-10 mm), a natural one over 5 mm. The 2-3 cm hairline zone of
transplanted hair [shapiro-hairline] [B] is not the SMP zone: a pattern of dots that fades over 2-3 cm reads
from a metre away as no hairline at all, and leaves the front of the treated area lighter than the
stubble it must match (the healed-look calibration, docs/healed-dots.md). ``scatter`` is the e-folding
distance of the sparse dots ahead of the edge (micro-irregularity); ``macro``/``micro`` are the
amplitudes (the peak of a single sinusoid of the same power) and wavelengths of the edge's
displacement. All are clinic-consensus defaults [C].
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from smpstudio.design.head import Head, midline_arc_of_point_mm, surface_points_from_directions
from smpstudio.design.landmarks import hairline_landmarks, landmarks, point_at
from smpstudio.design.pchip import pchip
from smpstudio.errors import InputError, check_choice, check_range

__all__ = [
    "DEFAULT_HAIRLINE_HEIGHT_MM",
    "HAIRLINE_POINTS",
    "HAIRLINE_SHIFT_RANGE_MM",
    "MIN_HAIRLINE_HEIGHT_MM",
    "STYLES",
    "EdgeCurve",
    "HairlineStyle",
    "check_hairline_shifts",
    "control_points_mm",
    "design_edge",
    "natural_edge",
    "resolve_hairline_height",
    "shift_of_point_mm",
]

FloatArray = NDArray[np.float64]

#: Mid-frontal point height above the glabella (Wolf [B]; Garg [A/B]). [mm]
DEFAULT_HAIRLINE_HEIGHT_MM = 80.0
#: Below this a hairline is refused unless forced: natural hairlines exist at 5-6 cm (Wolf), and too
#: low is the cardinal sin, hard to correct (Wolf; Shapiro & Shapiro [B]). [mm]
MIN_HAIRLINE_HEIGHT_MM = 60.0
#: Range accepted at all (forced or not). [mm]
HAIRLINE_HEIGHT_RANGE_MM = (40.0, 130.0)
#: The named frontal control points of the design edge, client's own sides, right to left: the temporal
#: peaks, the fronto-temporal corners, the half-way points of the front and the mid-frontal point
#: ([wolf-hairline], [shapiro-hairline]; :mod:`smpstudio.design.landmarks`).
HAIRLINE_POINTS: tuple[str, ...] = (
    "temporal_peak_right",
    "fronto_temporal_right",
    "frontal_right",
    "mid_frontal_point",
    "frontal_left",
    "fronto_temporal_left",
    "temporal_peak_left",
)
#: How far a control point may be moved along its radial line over the scalp (positive: forward and
#: lower). [mm] The corners of a mature hairline sit 25 mm behind a juvenile one's (the ``mature``
#: style, [clinic-hairline-styles]); 30 mm covers that recession either way with a margin, and a larger change
#: is a different height or style. Configurable default ([M]).
HAIRLINE_SHIFT_RANGE_MM = (-30.0, 30.0)
#: Samples of a radial line (a meridian of the chart, vertex to chin) when shifts are measured along it. [-]
MERIDIAN_SAMPLES = 4097


@dataclass(frozen=True, slots=True)
class HairlineStyle:
    """Parameters of a hairline style (see the module table). Lengths in mm, ratios in [0, 1]."""

    name: str
    transition_mm: float
    edge_density: float
    scatter_mm: float
    macro_amplitude_mm: float
    macro_wavelength_mm: float
    micro_amplitude_mm: float
    micro_wavelength_mm: float
    midline_offset_mm: float = 0.0
    corner_offset_mm: float = 0.0
    peak_depth_mm: float = 0.0
    peak_half_width_mm: float = 0.0


_NATURAL = dict(
    transition_mm=5.0,
    edge_density=0.3,
    scatter_mm=3.0,
    macro_amplitude_mm=2.5,
    macro_wavelength_mm=25.0,
    micro_amplitude_mm=1.0,
    micro_wavelength_mm=5.0,
)

STYLES: dict[str, HairlineStyle] = {
    "natural": HairlineStyle("natural", **_NATURAL),
    "soft": HairlineStyle(
        "soft",
        transition_mm=6.0,
        edge_density=0.25,
        scatter_mm=5.0,
        macro_amplitude_mm=2.0,
        macro_wavelength_mm=25.0,
        micro_amplitude_mm=1.5,
        micro_wavelength_mm=5.0,
    ),
    "defined": HairlineStyle(
        "defined",
        transition_mm=3.0,
        edge_density=0.9,
        scatter_mm=0.0,
        macro_amplitude_mm=0.0,
        macro_wavelength_mm=25.0,
        micro_amplitude_mm=0.0,
        micro_wavelength_mm=5.0,
    ),
    "mature": HairlineStyle("mature", **_NATURAL, midline_offset_mm=15.0, corner_offset_mm=25.0),
    "widows-peak": HairlineStyle("widows-peak", **_NATURAL, peak_depth_mm=12.0, peak_half_width_mm=20.0),
}

#: Margins away from the frontal hairline (temples below the peak, sideburns, nape) blend over this. [mm]
MARGIN_TRANSITION_MM = 5.0
MARGIN_EDGE_DENSITY = 0.35


def resolve_hairline_height(
    style: str, height_mm: float | None, *, force: bool = False, mfp_shift_mm: float = 0.0
) -> tuple[float, list[str]]:
    """The MFP height [mm] of ``style``'s curve (default 80 mm plus the style's midline offset) and warnings.

    ``mfp_shift_mm`` is the mid-frontal point's shift (:func:`design_edge`, positive = lower): the checks
    apply to where the MFP ends, ``height - mfp_shift_mm`` above the glabella. Raises :class:`InputError`
    for a hairline below :data:`MIN_HAIRLINE_HEIGHT_MM` unless ``force``.
    """
    spec = STYLES[check_choice("style", style, STYLES)]
    height = DEFAULT_HAIRLINE_HEIGHT_MM + spec.midline_offset_mm if height_mm is None else float(height_mm)
    check_range("hairline_height_mm", height, *HAIRLINE_HEIGHT_RANGE_MM, unit="mm")
    shown = height - float(mfp_shift_mm)
    shifted = f" (the mid-frontal point moved {mfp_shift_mm:+g} mm)" if mfp_shift_mm else ""
    low, high = HAIRLINE_HEIGHT_RANGE_MM
    if not low <= shown <= high:
        raise InputError(
            f"the mid-frontal point moved {mfp_shift_mm:+g} mm ends {shown:g} mm above the glabella",
            field="hairline_shift_mm.mid_frontal_point",
            allowed=f"a shift leaving it {low:g} to {high:g} mm above the glabella",
        )
    warnings: list[str] = []
    if shown < MIN_HAIRLINE_HEIGHT_MM:
        if not force:
            raise InputError(
                f"{shown:g} mm above the glabella{shifted} is too low: a hairline that is too low is the "
                "hardest mistake to correct and looks unnatural as the client ages; design it lower only "
                "when forced",
                field="hairline_shift_mm.mid_frontal_point" if mfp_shift_mm else "hairline_height_mm",
                allowed=f"{MIN_HAIRLINE_HEIGHT_MM:g} to {HAIRLINE_HEIGHT_RANGE_MM[1]:g} mm "
                "(lower only when forced)",
                code="hairline_too_low",
            )
        warnings.append(f"hairline forced to {shown:g} mm, below the {MIN_HAIRLINE_HEIGHT_MM:g} mm floor")
    elif shown < 70.0:
        warnings.append(f"hairline at {shown:g} mm is low; 80 mm is the usual mid-frontal height")
    if style == "defined":
        warnings.append(
            "a defined (straight) hairline is the most detectable style; consider natural or soft"
        )
    return height, warnings


def check_hairline_shifts(shift_mm: Mapping[str, float] | None) -> dict[str, float]:
    """The control-point shifts [mm] in :data:`HAIRLINE_POINTS` order, zeros left out.

    Raises :class:`InputError` naming ``hairline_shift_mm.<name>`` for an unknown point or a shift
    outside :data:`HAIRLINE_SHIFT_RANGE_MM`.
    """
    given: dict[str, float] = {}
    for name, value in (shift_mm or {}).items():
        field = f"hairline_shift_mm.{name}"
        if name not in HAIRLINE_POINTS:
            raise InputError(
                f"{name!r} is not a control point of the hairline",
                field=field,
                allowed=", ".join(HAIRLINE_POINTS),
            )
        given[name] = check_range(field, float(value), *HAIRLINE_SHIFT_RANGE_MM, unit="mm")
    return {name: given[name] for name in HAIRLINE_POINTS if given.get(name, 0.0) != 0.0}


@dataclass(frozen=True)
class EdgeCurve:
    """The scalp's edge as ``psi(beta)`` on the chart, with the frontal-weight and style it came from.

    ``beta`` is the azimuth [rad] (0 towards the face, +pi/2 to the client's right) and ``psi`` the
    polar angle from the vertex direction [rad]; a point is inside the scalp when its ``psi`` is
    smaller than ``psi(beta)``.
    """

    beta_ctrl: FloatArray
    psi_ctrl: FloatArray
    beta_fronto_temporal: float
    beta_temporal_peak: float
    beta_sideburn: float
    radius_mm: float

    def psi(self, beta: FloatArray) -> FloatArray:
        """Edge polar angle [rad] at azimuth ``beta`` [rad]."""
        b = np.asarray(beta, dtype=np.float64)
        return _periodic_pchip(self.beta_ctrl, self.psi_ctrl, b)

    def frontal_weight(self, beta: FloatArray) -> FloatArray:
        """1 on the frontal hairline (up to the temporal peaks), 0 from the sideburns on. [-]"""
        b = np.abs(np.asarray(beta, dtype=np.float64))
        t = np.clip((b - self.beta_temporal_peak) / (self.beta_sideburn - self.beta_temporal_peak), 0.0, 1.0)
        return 1.0 - t * t * (3.0 - 2.0 * t)


def _periodic_pchip(x: FloatArray, y: FloatArray, at: FloatArray) -> FloatArray:
    xs = np.concatenate([x - 2 * np.pi, x, x + 2 * np.pi])
    ys = np.concatenate([y, y, y])
    wrapped = (at + np.pi) % (2 * np.pi) - np.pi
    return pchip(xs, ys, wrapped)


def _polar(p: FloatArray) -> tuple[float, float]:
    d = p / np.linalg.norm(p)
    return float(np.arctan2(d[0], d[1])), float(np.arccos(np.clip(d[2], -1.0, 1.0)))


def _margin_points(head: Head) -> list[FloatArray]:
    """Right-side natural margin behind the temporal peak: sideburn, over the ear, mastoid, nape."""
    lm = landmarks(head)
    ear = lm["ear_right"]
    zt = head.tragion_z_mm
    return [
        point_at(head, y_mm=float(ear[1]) + 0.07 * head.length_mm, z_mm=zt - 4.0),  # sideburn foot
        point_at(
            head, y_mm=float(ear[1]) - 0.02 * head.length_mm, z_mm=zt + 0.30 * head.height_mm
        ),  # over ear
        point_at(
            head, y_mm=float(ear[1]) - 0.20 * head.length_mm, z_mm=zt - 0.15 * head.height_mm
        ),  # mastoid
        point_at(head, y_mm=-0.75 * head.b_mm, z_mm=zt - 0.33 * head.height_mm),  # nape, lateral
    ]


def _edge_from_front(
    head: Head,
    psi_midline: float,
    front_right: list[tuple[float, float]],
    front_left: list[tuple[float, float]],
) -> EdgeCurve:
    """An edge from the midline ``psi`` and each side's frontal points (beta, psi), the left side given
    with mirrored (positive) azimuths, plus the symmetric margin behind them."""
    margin = [_polar(p) for p in _margin_points(head)]
    nape = _polar(point_at(head, x_mm=0.0, z_mm=head.tragion_z_mm - 0.36 * head.height_mm, front=False))
    right = sorted(front_right + margin)
    left = sorted(front_left + margin)
    for side in (right, left):
        betas = [b for b, _ in side]
        if any(b1 <= b0 for b0, b1 in itertools.pairwise(betas)) or betas[0] <= 0 or betas[-1] >= np.pi:
            raise ValueError(f"edge control points are not ordered by azimuth: {np.degrees(betas)}")
    beta = np.array([-b for b, _ in reversed(left)] + [0.0] + [b for b, _ in right] + [np.pi])
    psi = np.array([p for _, p in reversed(left)] + [psi_midline] + [p for _, p in right] + [nape[1]])
    return EdgeCurve(
        beta,
        psi,
        beta_fronto_temporal=right[1][0],
        beta_temporal_peak=right[-len(margin) - 1][0],
        beta_sideburn=margin[0][0],
        radius_mm=head.chart_radius_mm,
    )


def natural_edge(head: Head) -> EdgeCurve:
    """The client's natural (juvenile) scalp edge, with the MFP at the default 80 mm."""
    return design_edge(head, "natural", DEFAULT_HAIRLINE_HEIGHT_MM)


def _style_points(head: Head, style: str, height_mm: float) -> tuple[dict[str, tuple[float, float]], float]:
    """``(beta, psi)`` [rad] of each named control point on ``style``'s curve, and the mature corners'
    extra recession [rad] (the fronto-temporal recess deepens by half of it)."""
    spec = STYLES[check_choice("style", style, STYLES)]
    lm = hairline_landmarks(head, height_mm)
    _, p_mfp = _polar(lm["mid_frontal_point"])
    b_ft, p_ft = _polar(lm["fronto_temporal_right"])
    b_tp, p_tp = _polar(lm["temporal_peak_right"])
    extra_corner = max((spec.corner_offset_mm - spec.midline_offset_mm) / head.chart_radius_mm, 0.0)
    p_ft -= extra_corner
    p_half = 0.5 * (p_mfp + p_ft) + 1.5 / head.chart_radius_mm  # a gently rounded front
    right = {"temporal_peak": (b_tp, p_tp), "fronto_temporal": (b_ft, p_ft), "frontal": (0.5 * b_ft, p_half)}
    points = {f"{name}_right": bp for name, bp in right.items()}
    points["mid_frontal_point"] = (0.0, p_mfp)
    points.update({f"{name}_left": (-b, p) for name, (b, p) in reversed(right.items())})
    return {name: points[name] for name in HAIRLINE_POINTS}, extra_corner


def _meridian(head: Head, beta: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The chart's radial line at azimuth ``beta`` [rad] on the surface, vertex to chin: polar angles
    [rad], arc length from the vertex [mm] and the points [mm]."""
    psi = np.linspace(0.0, np.pi, MERIDIAN_SAMPLES)
    s = np.sin(psi)
    d = np.stack([s * np.sin(beta), s * np.cos(beta), np.cos(psi)], axis=-1)
    pts = surface_points_from_directions(head, d)
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(pts, axis=0), axis=1))])
    return psi, arc, pts


def _shifted_points(
    head: Head, style: str, height_mm: float, shift_mm: Mapping[str, float] | None
) -> tuple[dict[str, tuple[float, float]], float]:
    """:func:`_style_points` with each point moved ``shift_mm[name]`` over the surface along its radial
    line (positive: away from the vertex, towards the brow or the ear)."""
    shifts = check_hairline_shifts(shift_mm)
    points, extra_corner = _style_points(head, style, height_mm)
    for name, shift in shifts.items():
        beta, psi0 = points[name]
        psi, arc, _ = _meridian(head, beta)
        start = float(np.interp(psi0, psi, arc))
        points[name] = (beta, float(np.interp(start + shift, arc, psi)))
    return points, extra_corner


def design_edge(
    head: Head, style: str, height_mm: float, shift_mm: Mapping[str, float] | None = None
) -> EdgeCurve:
    """The designed scalp edge for ``style`` with the MFP at ``height_mm`` (before irregularity).

    ``shift_mm`` moves named control points (:data:`HAIRLINE_POINTS`) along the chart's radial direction,
    by millimetres over the scalp: positive forward and lower (towards the brow, a fuller hairline),
    negative back; each within :data:`HAIRLINE_SHIFT_RANGE_MM`. The fronto-temporal recess between a
    corner and its temporal peak follows them. The curve through the points stays monotone between them
    (PCHIP); the style's irregularity and feathering apply on top.

    Mature corners recede by the style's corner offset beyond its midline offset; a widow's peak is
    added later as a displacement (:func:`edge_displacement_mm`) because it is narrower than the
    control-point spacing.
    """
    points, extra_corner = _shifted_points(head, style, height_mm, shift_mm)
    fronts: list[list[tuple[float, float]]] = []
    for side, sign in (("right", 1.0), ("left", -1.0)):
        b_tp, p_tp = points[f"temporal_peak_{side}"]
        b_ft, p_ft = points[f"fronto_temporal_{side}"]
        b_half, p_half = points[f"frontal_{side}"]
        # The fronto-temporal recess between the corner and the temporal peak (juvenile: shallow).
        b_mid = 0.5 * (b_ft + b_tp)
        p_mid = 0.5 * (p_ft + p_tp) - 6.0 / head.chart_radius_mm - 0.5 * extra_corner
        fronts.append(
            [(sign * b, p) for b, p in ((b_half, p_half), (b_ft, p_ft), (b_mid, p_mid), (b_tp, p_tp))]
        )
    return _edge_from_front(head, points["mid_frontal_point"][1], fronts[0], fronts[1])


def control_points_mm(
    head: Head, style: str, height_mm: float, shift_mm: Mapping[str, float] | None = None
) -> dict[str, FloatArray]:
    """Each named control point's position on the head surface after its shift (head frame). [mm]"""
    points, _ = _shifted_points(head, style, height_mm, shift_mm)
    out: dict[str, FloatArray] = {}
    for name, (beta, psi) in points.items():
        d = np.array([np.sin(psi) * np.sin(beta), np.sin(psi) * np.cos(beta), np.cos(psi)])
        out[name] = surface_points_from_directions(head, d)
    return out


def shift_of_point_mm(
    head: Head,
    style: str,
    height_mm: float,
    name: str,
    point_mm: FloatArray,
    shift_mm: Mapping[str, float] | None = None,
) -> float:
    """The shift [mm] (signed as in :func:`design_edge`, clipped to :data:`HAIRLINE_SHIFT_RANGE_MM`) that
    moves control point ``name`` to the point of its radial line nearest ``point_mm`` [mm, head frame].

    A point dragged to a 3-D position becomes a shift. The shift is measured from the style's curve, so
    it replaces ``shift_mm[name]``; the other points' shifts (checked) do not move this point's line.
    """
    if name not in HAIRLINE_POINTS:
        raise InputError(
            f"{name!r} is not a control point of the hairline",
            field="hairline_point",
            allowed=", ".join(HAIRLINE_POINTS),
        )
    p = np.asarray(point_mm, dtype=np.float64)
    if p.shape != (3,) or not np.all(np.isfinite(p)):
        raise InputError("not a 3-D point", field="point_mm", allowed="three finite numbers [mm]")
    check_hairline_shifts(shift_mm)
    beta, psi0 = _style_points(head, style, height_mm)[0][name]
    psi, arc, pts = _meridian(head, beta)
    a, seg = pts[:-1], np.diff(pts, axis=0)
    t = np.clip(np.einsum("ij,ij->i", p - a, seg) / np.einsum("ij,ij->i", seg, seg), 0.0, 1.0)
    k = int(np.argmin(np.linalg.norm(a + t[:, None] * seg - p, axis=1)))
    reached = arc[k] + t[k] * (arc[k + 1] - arc[k])
    shift = reached - float(np.interp(psi0, psi, arc))
    return float(np.clip(shift, *HAIRLINE_SHIFT_RANGE_MM))


def edge_displacement_mm(
    edge: EdgeCurve, style: str, beta: FloatArray, rng: np.random.Generator
) -> FloatArray:
    """Displacement of the leading edge away from the vertex [mm] (positive = lower on the forehead).

    Sums the style's macro- and micro-irregularity (a few sinusoids with random phases along the
    hairline, weighted to the frontal hairline) and the widow's peak.
    """
    spec = STYLES[style]
    b = np.asarray(beta, dtype=np.float64)
    s_mm = b * edge.radius_mm * np.sin(edge.psi(b))  # approximate arc along the hairline
    out = np.zeros_like(b)
    for amplitude, wavelength, factors in (
        (spec.macro_amplitude_mm, spec.macro_wavelength_mm, (0.63, 1.0, 1.7)),
        (spec.micro_amplitude_mm, spec.micro_wavelength_mm, (0.71, 1.0, 1.41, 2.3)),
    ):
        phases = rng.uniform(0.0, 2 * np.pi, size=len(factors))
        if amplitude <= 0.0:
            continue
        weights = rng.uniform(0.5, 1.0, size=len(factors))
        weights *= amplitude / np.sqrt(0.5 * np.sum(weights**2))  # RMS equals the amplitude / sqrt(2)
        for w, f, ph in zip(weights, factors, phases, strict=True):
            out += w * np.sin(2 * np.pi * s_mm / (wavelength * f) + ph)
    out *= edge.frontal_weight(b)
    if spec.peak_depth_mm > 0.0:
        lateral = np.abs(b) * edge.radius_mm * np.sin(edge.psi(b))
        out += spec.peak_depth_mm * np.clip(1.0 - lateral / spec.peak_half_width_mm, 0.0, 1.0)
    return out


def hairline_height_of_edge_mm(head: Head, edge: EdgeCurve) -> float:
    """The MFP height [mm] of an edge: midline arc from the glabella to ``psi(0)``."""
    psi0 = float(edge.psi(np.array([0.0]))[0])
    p = surface_points_from_directions(head, np.array([0.0, np.sin(psi0), np.cos(psi0)]))
    return midline_arc_of_point_mm(head, p)
