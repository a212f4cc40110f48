"""The scalp's edge as a curve on the scalp chart: the designed hairline and the natural margin behind it.

The scalp's edge (frontal hairline, temples, sideburns, over the ears, nape) is star-shaped around
the vertex, so it is held as the polar angle ``psi_edge(beta)`` of the chart (see
:func:`smpstudio.design.head.chart_from_points_mm`), interpolated periodically (PCHIP, no
overshoot) through landmark control points. The frontal part follows the placement rules of
:mod:`smpstudio.design.landmarks`, the style chosen (:mod:`smpstudio.design.hairline_styles`: the style
table, its sources and the height rules) and the shifts of its named control points
(:mod:`smpstudio.design.hairline_points`); the sides and nape are canonical geometry of the natural
margin. On top of the curve come the style's irregularity and widow's peak (:func:`edge_displacement_mm`).

The styles, the height rules and the control points are importable from here too.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from smpstudio.design.hairline_points import (
    HAIRLINE_POINTS,
    HAIRLINE_SHIFT_RANGE_MM,
    chart_angles,
    check_hairline_shifts,
    control_points_mm,
    shift_of_point_mm,
    shifted_points,
)
from smpstudio.design.hairline_styles import (
    DEFAULT_HAIRLINE_HEIGHT_MM,
    HAIRLINE_HEIGHT_RANGE_MM,
    MIN_HAIRLINE_HEIGHT_MM,
    STYLES,
    HairlineStyle,
    resolve_hairline_height,
)
from smpstudio.design.head import Head, midline_arc_of_point_mm, surface_points_from_directions
from smpstudio.design.landmarks import landmarks, point_at
from smpstudio.design.pchip import pchip

__all__ = [
    "DEFAULT_HAIRLINE_HEIGHT_MM",
    "HAIRLINE_HEIGHT_RANGE_MM",
    "HAIRLINE_POINTS",
    "HAIRLINE_SHIFT_RANGE_MM",
    "MARGIN_EDGE_DENSITY",
    "MARGIN_TRANSITION_MM",
    "MIN_HAIRLINE_HEIGHT_MM",
    "STYLES",
    "EdgeCurve",
    "HairlineStyle",
    "check_hairline_shifts",
    "control_points_mm",
    "design_edge",
    "edge_displacement_mm",
    "hairline_height_of_edge_mm",
    "natural_edge",
    "resolve_hairline_height",
    "shift_of_point_mm",
]

FloatArray = NDArray[np.float64]

#: Margins away from the frontal hairline (temples below the peak, sideburns, nape) blend over this. [mm]
#: Clinic-consensus default [C], as the natural style's transition ([clinic-hairline-styles]).
MARGIN_TRANSITION_MM = 5.0
#: Relative density at the leading edge of those margins. [-] Clinic-consensus default [C].
MARGIN_EDGE_DENSITY = 0.35


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
    margin = [chart_angles(p) for p in _margin_points(head)]
    nape = chart_angles(point_at(head, x_mm=0.0, z_mm=head.tragion_z_mm - 0.36 * head.height_mm, front=False))
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
    points, extra_corner = shifted_points(head, style, height_mm, shift_mm)
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
