r"""The canonical head: a surface in millimetres scaled from a few measurements.

Coordinates are RAS millimetres: ``x`` to the client's right, ``y`` towards the face, ``z`` up, with
the origin at the head centre: the point midway between glabella and opisthocranion, in the plane
of maximum head length (the "equator"). The cranial vault above the equator is the upper half of a
superquadric with semi-axes ``(width/2, length/2, vault_height)``,

.. math:: \left((x/a)^2 + (y/b)^2\right)^{q/2} + |z/c|^q = 1, \quad q = 2.6,

whose flatter crown and steeper forehead keep the head broad at hairline height, as a skull is (an
ellipsoid, ``q = 2``, narrows too early and pushes the temple corners back). Below the equator the
face, jaw and nape are the lower half of an ellipsoid with a longer vertical semi-axis. The two
halves share their horizontal section at ``z = 0`` and meet with a continuous normal.

Measurements and defaults
-------------------------
========================  =========  ===========  ==================================================
measurement               male [mm]  female [mm]  source
========================  =========  ===========  ==================================================
head length (g-op)        195        180          Pheasant & Haslegrave, *Bodyspace* 3rd ed. (2006),
                                                  British adults 19-65, 50th percentile [B]
head breadth (eu-eu)      155        145          same [B]
ear height (tragion to    130        125          approximate adult means; configurable, to be
vertex)                                           checked against Young 1993, DOT/FAA/AM-93/10 [M]
========================  =========  ===========  ==================================================

Derived proportions (canonical geometry, configurable, no single source): the tragion lies
``0.23 x ear height`` below the equator (the glabella is about 3 cm above the Frankfort plane), the
face below the equator is ``1.25 x`` the vault height (glabella to chin about 12 cm).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from smpstudio.errors import InputError, check_choice, check_range

__all__ = [
    "HEAD_PRESETS",
    "Head",
    "chart_from_points_mm",
    "head_preset",
    "midline_arc_of_point_mm",
    "midline_point_at_arc_mm",
    "midline_points_mm",
    "points_from_chart_mm",
    "surface_normals",
    "surface_points_from_directions",
]

FloatArray = NDArray[np.float64]

#: Default measurements [mm] per preset: (head length, head breadth, ear height). See module docstring.
HEAD_PRESETS: dict[str, tuple[float, float, float]] = {
    "male": (195.0, 155.0, 130.0),
    "female": (180.0, 145.0, 125.0),
}

#: Plausible adult ranges [mm] accepted for custom measurements (beyond the 1st-99th percentiles).
LENGTH_RANGE_MM = (150.0, 240.0)
WIDTH_RANGE_MM = (120.0, 190.0)
HEIGHT_RANGE_MM = (100.0, 160.0)

#: Tragion depth below the equator as a fraction of ear height (canonical geometry).
TRAGION_DEPTH_FRACTION = 0.23
#: Vertical semi-axis of the lower (face) half relative to the vault height.
FACE_TO_VAULT_RATIO = 1.25
#: Vertical exponent of the vault superquadric (canonical shape, [M]; 2 would be an ellipsoid).
VAULT_EXPONENT = 2.6
#: Vertical exponent of the lower half (an ellipsoid).
FACE_EXPONENT = 2.0


@dataclass(frozen=True, slots=True)
class Head:
    """A canonical head scaled from three measurements.

    Parameters
    ----------
    length_mm
        Head length, glabella to opisthocranion. [mm]
    width_mm
        Head breadth, maximum above the ears. [mm]
    height_mm
        Ear height, tragion to vertex. [mm]
    preset
        ``"male"``, ``"female"`` or ``"custom"``: where the measurements came from.
    """

    length_mm: float
    width_mm: float
    height_mm: float
    preset: Literal["male", "female", "custom"] = "custom"

    def __post_init__(self) -> None:
        check_range("head.length_mm", self.length_mm, *LENGTH_RANGE_MM, unit="mm")
        check_range("head.width_mm", self.width_mm, *WIDTH_RANGE_MM, unit="mm")
        check_range("head.height_mm", self.height_mm, *HEIGHT_RANGE_MM, unit="mm")
        if self.width_mm >= self.length_mm:
            message = f"{self.width_mm:g} mm is not less than the head length {self.length_mm:g} mm"
            raise InputError(message, field="head.width_mm", allowed="less than head.length_mm")

    @property
    def a_mm(self) -> float:
        """Lateral semi-axis (x). [mm]"""
        return self.width_mm / 2.0

    @property
    def b_mm(self) -> float:
        """Antero-posterior semi-axis (y). [mm]"""
        return self.length_mm / 2.0

    @property
    def tragion_z_mm(self) -> float:
        """Height of the tragion (ear canal) relative to the equator; negative. [mm]"""
        return -TRAGION_DEPTH_FRACTION * self.height_mm

    @property
    def c_up_mm(self) -> float:
        """Vertical semi-axis of the vault (equator to vertex). [mm]"""
        return self.height_mm + self.tragion_z_mm

    @property
    def c_low_mm(self) -> float:
        """Vertical semi-axis of the lower half (face, jaw, nape). [mm]"""
        return FACE_TO_VAULT_RATIO * self.c_up_mm

    @property
    def chart_radius_mm(self) -> float:
        """Reference radius of the scalp chart: geometric mean of the vault semi-axes. [mm]"""
        return float((self.a_mm * self.b_mm * self.c_up_mm) ** (1.0 / 3.0))

    def to_dict(self) -> dict[str, float | str]:
        return {
            "preset": self.preset,
            "length_mm": self.length_mm,
            "width_mm": self.width_mm,
            "height_mm": self.height_mm,
        }


def head_preset(
    preset: str = "male",
    *,
    length_mm: float | None = None,
    width_mm: float | None = None,
    height_mm: float | None = None,
) -> Head:
    """A :class:`Head` from a preset, with any measurement overridden (then the preset is ``custom``)."""
    check_choice("head", preset, HEAD_PRESETS)
    length, width, height = HEAD_PRESETS[preset]
    overridden = any(v is not None for v in (length_mm, width_mm, height_mm))
    return Head(
        length_mm=float(length if length_mm is None else length_mm),
        width_mm=float(width if width_mm is None else width_mm),
        height_mm=float(height if height_mm is None else height_mm),
        preset="custom" if overridden else preset,  # type: ignore[arg-type]
    )


def _half_params(head: Head, z: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Vertical semi-axis [mm] and exponent [-] of the half (vault or face) each ``z`` lies in."""
    up = z >= 0.0
    return np.where(up, head.c_up_mm, head.c_low_mm), np.where(up, VAULT_EXPONENT, FACE_EXPONENT)


def surface_points_from_directions(head: Head, directions: FloatArray) -> FloatArray:
    """Points of the head surface along unit ``directions`` from the origin (star-shaped surface).

    Parameters
    ----------
    directions : ndarray of shape (..., 3)
        Unit vectors. [-]

    Returns
    -------
    ndarray of shape (..., 3)
        Surface points. [mm]
    """
    d = np.asarray(directions, dtype=np.float64)
    c, q = _half_params(head, d[..., 2])
    horizontal = (d[..., 0] / head.a_mm) ** 2 + (d[..., 1] / head.b_mm) ** 2
    level = horizontal ** (q / 2.0) + np.abs(d[..., 2] / c) ** q
    return d * (level ** (-1.0 / q))[..., None]


def surface_normals(head: Head, points_mm: FloatArray) -> FloatArray:
    """Outward unit normals at surface points. [-]"""
    p = np.asarray(points_mm, dtype=np.float64)
    c, q = _half_params(head, p[..., 2])
    horizontal = (p[..., 0] / head.a_mm) ** 2 + (p[..., 1] / head.b_mm) ** 2
    w = np.maximum(horizontal, 1e-300) ** (q / 2.0 - 1.0)
    zz = np.abs(p[..., 2] / c) ** (q - 1.0) * np.sign(p[..., 2]) / c
    g = np.stack([w * p[..., 0] / head.a_mm**2, w * p[..., 1] / head.b_mm**2, zz], axis=-1)
    out: FloatArray = g / np.linalg.norm(g, axis=-1, keepdims=True)
    return out


def chart_from_points_mm(head: Head, points_mm: FloatArray) -> FloatArray:
    """Scalp-chart coordinates of points: azimuthal equidistant about the vertical axis.

    ``u`` runs to the client's right and ``v`` towards the face; the vertex direction is the chart
    origin and the distance from it is ``R0 * psi``, ``psi`` being the polar angle of the point's
    direction from ``+z`` and ``R0`` the head's :attr:`Head.chart_radius_mm`. Near the top the chart is
    close to surface millimetres; towards the ears it stretches along the circles of latitude.

    Returns
    -------
    ndarray of shape (..., 2)
        ``(u, v)`` chart coordinates. [mm]
    """
    p = np.asarray(points_mm, dtype=np.float64)
    r = np.linalg.norm(p, axis=-1)
    psi = np.arccos(np.clip(p[..., 2] / r, -1.0, 1.0))
    beta = np.arctan2(p[..., 0], p[..., 1])
    rho = head.chart_radius_mm * psi
    return np.stack([rho * np.sin(beta), rho * np.cos(beta)], axis=-1)


def points_from_chart_mm(head: Head, chart_mm: FloatArray) -> FloatArray:
    """Inverse of :func:`chart_from_points_mm`: surface points [mm] from chart coordinates [mm]."""
    q = np.asarray(chart_mm, dtype=np.float64)
    psi = np.hypot(q[..., 0], q[..., 1]) / head.chart_radius_mm
    beta = np.arctan2(q[..., 0], q[..., 1])
    s = np.sin(psi)
    d = np.stack([s * np.sin(beta), s * np.cos(beta), np.cos(psi)], axis=-1)
    return surface_points_from_directions(head, d)


def _midline_table(head: Head, n: int = 2049) -> tuple[FloatArray, FloatArray]:
    """Arc length [mm] from the glabella along the upper midsagittal curve, and its angles [rad]."""
    t = np.linspace(0.0, np.pi, n)  # 0 at glabella (front), pi/2 at vertex, pi at opisthocranion
    y, z = _midline_yz(head, t)
    seg = np.hypot(np.diff(y), np.diff(z))
    s = np.concatenate([[0.0], np.cumsum(seg)])
    return s, t


def _midline_yz(head: Head, t: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The upper midsagittal curve (a superellipse) at parameter ``t`` in [0, pi]. [mm]"""
    e = 2.0 / VAULT_EXPONENT
    ct, st = np.cos(t), np.sin(t)
    return head.b_mm * np.sign(ct) * np.abs(ct) ** e, head.c_up_mm * np.abs(st) ** e


def midline_point_at_arc_mm(head: Head, arc_mm: float) -> FloatArray:
    """The midline surface point at ``arc_mm`` along the surface from the glabella, over the vertex.

    Used for the mid-frontal point: "about 8 cm above the brow line" is measured on the forehead, as
    with four finger-breadths (Wolf, *Hairline Placement* [B]).
    """
    s, t = _midline_table(head)
    if not 0.0 <= arc_mm <= s[-1]:
        raise ValueError(f"arc_mm must be within 0..{s[-1]:.1f}")
    ti = np.array(np.interp(arc_mm, s, t))
    y, z = _midline_yz(head, ti)
    return np.array([0.0, float(y), float(z)])


def midline_points_mm(head: Head, n: int = 721) -> FloatArray:
    """``n`` points of the upper midline, from the glabella over the vertex to the opisthocranion. [mm]"""
    t = np.linspace(0.0, np.pi, n)
    y, z = _midline_yz(head, t)
    return np.stack([np.zeros_like(y), y, z], axis=-1)


def midline_arc_of_point_mm(head: Head, point_mm: FloatArray) -> float:
    """Arc length [mm] from the glabella to the midline point at the same polar position."""
    s, t = _midline_table(head)
    y, z = _midline_yz(head, t)
    polar = np.arctan2(y, z)  # decreasing from pi/2 (front) to -pi/2 (back) along t
    target = float(np.arctan2(point_mm[1], point_mm[2]))
    return float(np.interp(-target, -polar, s))
