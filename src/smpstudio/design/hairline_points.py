"""The hairline's named control points and their shifts along the scalp chart's radial lines.

A style's curve (:mod:`smpstudio.design.hairline_styles`) passes through seven named frontal points:
the temporal peaks, the fronto-temporal corners, the half-way points of the front and the mid-frontal
point ([wolf-hairline], [shapiro-hairline]; placed by :func:`smpstudio.design.landmarks.hairline_landmarks`).
A practitioner moves each along its radial line of the chart (a meridian, vertex to chin), by
millimetres over the scalp: positive forward and lower (towards the brow, a fuller hairline), negative
back. A point dragged to a 3-D position becomes such a shift (:func:`shift_of_point_mm`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from smpstudio.design.hairline_styles import STYLES
from smpstudio.design.head import Head, surface_points_from_directions
from smpstudio.design.landmarks import hairline_landmarks
from smpstudio.errors import InputError, check_choice, check_range

__all__ = [
    "HAIRLINE_POINTS",
    "HAIRLINE_SHIFT_RANGE_MM",
    "MERIDIAN_SAMPLES",
    "chart_angles",
    "check_hairline_shifts",
    "control_points_mm",
    "shift_of_point_mm",
    "shifted_points",
]

FloatArray = NDArray[np.float64]

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


def chart_angles(point_mm: FloatArray) -> tuple[float, float]:
    """The chart's azimuth ``beta`` and polar angle ``psi`` [rad] of a head-frame point [mm] (the direction
    from the head's centre; :func:`smpstudio.design.head.chart_from_points_mm`)."""
    p = np.asarray(point_mm, dtype=np.float64)
    d = p / np.linalg.norm(p)
    return float(np.arctan2(d[0], d[1])), float(np.arccos(np.clip(d[2], -1.0, 1.0)))


def _style_points(head: Head, style: str, height_mm: float) -> tuple[dict[str, tuple[float, float]], float]:
    """``(beta, psi)`` [rad] of each named control point on ``style``'s curve, and the mature corners'
    extra recession [rad] (the fronto-temporal recess deepens by half of it)."""
    spec = STYLES[check_choice("style", style, STYLES)]
    lm = hairline_landmarks(head, height_mm)
    _, p_mfp = chart_angles(lm["mid_frontal_point"])
    b_ft, p_ft = chart_angles(lm["fronto_temporal_right"])
    b_tp, p_tp = chart_angles(lm["temporal_peak_right"])
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


def shifted_points(
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


def control_points_mm(
    head: Head, style: str, height_mm: float, shift_mm: Mapping[str, float] | None = None
) -> dict[str, FloatArray]:
    """Each named control point's position on the head surface after its shift (head frame). [mm]"""
    points, _ = shifted_points(head, style, height_mm, shift_mm)
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
    """The shift [mm] that moves control point ``name`` to the point of its radial line nearest
    ``point_mm`` [mm, head frame]: signed as in :func:`smpstudio.design.hairline.design_edge`, clipped to
    :data:`HAIRLINE_SHIFT_RANGE_MM`.

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
