"""Anatomical landmarks of the canonical head.

Landmarks are surface points in RAS millimetres (see :mod:`smpstudio.design.head`). The hairline
landmarks (mid-frontal point, fronto-temporal points, temporal peaks) follow the placement rules of
[wolf-hairline], [shapiro-hairline] in docs/references.md:

* mid-frontal point (MFP): on the midline, ``hairline_height_mm`` along the forehead above the
  glabella; 80 mm by default (Wolf, *Hairline Placement* [B]; Garg, J Cutan Aesthet Surg [A/B]);
* fronto-temporal point (FT): on the lateral epicanthal line, the vertical through the lateral
  canthus, which it keeps as hair loss progresses (Shapiro & Shapiro, Facial Plast Surg Clin [B]),
  slightly higher than the MFP so that the centre of the hairline is its lowest part (Wolf [B]);
* temporal peak (TP): below and lateral to the FT point, about 5 cm from it (Garg [A/B]).

The face proportions used to place the canthus are canonical geometry: biocular breadth
(ex-ex) about 0.59 x head breadth (Farkas, *Anthropometry of the Head and Face*, 2nd ed. 1994,
adult means about 91 mm men / 87 mm women [B]); canthus about 0.17 x ear height below the glabella
[M]. The crown whorl sits on the midline about 0.2 x head length behind the vertex [M]; the tragion
slightly behind the middle of the head length [M]. All are configurable through the measurements.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from smpstudio.design.head import (
    FACE_EXPONENT,
    VAULT_EXPONENT,
    Head,
    midline_arc_of_point_mm,
    midline_point_at_arc_mm,
    surface_points_from_directions,
)

__all__ = [
    "BIOCULAR_TO_HEAD_BREADTH",
    "LANDMARK_NAMES",
    "hairline_landmarks",
    "landmarks",
    "point_at",
]

FloatArray = NDArray[np.float64]

BIOCULAR_TO_HEAD_BREADTH = 0.59
CANTHUS_DROP_TO_EAR_HEIGHT = 0.17
CROWN_BEHIND_VERTEX_TO_LENGTH = 0.20
TRAGION_BEHIND_CENTRE_TO_LENGTH = 0.03
#: The FT point sits this much higher than the MFP (z) on a juvenile hairline. [mm] (canonical, [M])
CORNER_RISE_MM = 3.0
#: Arc from the FT point down to the temporal peak (Garg: about 5 cm). [mm]
TEMPORAL_PEAK_DROP_MM = 50.0

LANDMARK_NAMES = (
    "glabella",
    "mid_frontal_point",
    "fronto_temporal_right",
    "fronto_temporal_left",
    "temporal_peak_right",
    "temporal_peak_left",
    "lateral_canthus_right",
    "lateral_canthus_left",
    "vertex",
    "crown_whorl",
    "occiput",
    "ear_right",
    "ear_left",
)


def point_at(
    head: Head, *, x_mm: float | None = None, y_mm: float | None = None, z_mm: float, front: bool = True
) -> FloatArray:
    """The surface point at height ``z_mm`` with the given ``x_mm`` (solving y) or ``y_mm`` (solving x).

    ``front`` picks the sign of the solved y; the solved x is positive (the client's right).
    Values beyond the surface are clamped onto its silhouette at that height.
    """
    c, q = (head.c_up_mm, VAULT_EXPONENT) if z_mm >= 0.0 else (head.c_low_mm, FACE_EXPONENT)
    rest = max(1.0 - abs(z_mm / c) ** q, 1e-9) ** (2.0 / q)
    if x_mm is not None:
        q = max(rest - (x_mm / head.a_mm) ** 2, 0.0)
        y = head.b_mm * np.sqrt(q) * (1.0 if front else -1.0)
        p = np.array([x_mm, y, z_mm])
    elif y_mm is not None:
        q = max(rest - (y_mm / head.b_mm) ** 2, 0.0)
        p = np.array([head.a_mm * np.sqrt(q), y_mm, z_mm])
    else:
        raise ValueError("give x_mm or y_mm")
    d = p / np.linalg.norm(p)
    return surface_points_from_directions(head, d)


def _mirror(p: FloatArray) -> FloatArray:
    return np.array([-p[0], p[1], p[2]])


def lateral_canthus(head: Head) -> FloatArray:
    """Right lateral canthus (outer eye corner), on the face surface. [mm]"""
    x = 0.5 * BIOCULAR_TO_HEAD_BREADTH * head.width_mm
    return point_at(head, x_mm=x, z_mm=-CANTHUS_DROP_TO_EAR_HEIGHT * head.height_mm)


def hairline_landmarks(head: Head, hairline_height_mm: float = 80.0) -> dict[str, FloatArray]:
    """MFP, FT and TP points of a juvenile hairline whose MFP is ``hairline_height_mm`` above glabella.

    Style offsets (mature corners, widow's peak) are applied by :mod:`smpstudio.design.hairline`.
    """
    mfp = midline_point_at_arc_mm(head, hairline_height_mm)
    canthus = lateral_canthus(head)
    z_max_at_x = head.c_up_mm * max(1.0 - (canthus[0] / head.a_mm) ** VAULT_EXPONENT, 0.0) ** (
        1.0 / VAULT_EXPONENT
    )
    z_ft = min(mfp[2] + CORNER_RISE_MM, 0.97 * z_max_at_x)
    ft = point_at(head, x_mm=float(canthus[0]), z_mm=float(z_ft))
    # Temporal peak: walk the surface down and laterally from the FT point for about 5 cm.
    down = np.array([0.35, -0.15, -1.0])
    tp = ft.copy()
    step = 0.5
    walked = 0.0
    while walked < TEMPORAL_PEAK_DROP_MM:
        nxt = surface_points_from_directions(head, _unit(tp + step * _unit(down)))
        walked += float(np.linalg.norm(nxt - tp))
        tp = nxt
    return {
        "mid_frontal_point": mfp,
        "fronto_temporal_right": ft,
        "fronto_temporal_left": _mirror(ft),
        "temporal_peak_right": tp,
        "temporal_peak_left": _mirror(tp),
    }


def _unit(v: FloatArray) -> FloatArray:
    return v / np.linalg.norm(v)


def landmarks(head: Head, hairline_height_mm: float = 80.0) -> dict[str, FloatArray]:
    """All named landmarks (:data:`LANDMARK_NAMES`) of ``head``, as surface points. [mm]"""
    return {name: p.copy() for name, p in _landmarks(head, float(hairline_height_mm)).items()}


@lru_cache(maxsize=32)
def _landmarks(head: Head, hairline_height_mm: float) -> dict[str, FloatArray]:
    vertex = np.array([0.0, 0.0, head.c_up_mm])
    vertex_arc = midline_arc_of_point_mm(head, vertex)
    crown = midline_point_at_arc_mm(head, vertex_arc + CROWN_BEHIND_VERTEX_TO_LENGTH * head.length_mm)
    ear_y = -TRAGION_BEHIND_CENTRE_TO_LENGTH * head.length_mm
    ear = point_at(head, y_mm=ear_y, z_mm=head.tragion_z_mm)
    canthus = lateral_canthus(head)
    out = {
        "glabella": np.array([0.0, head.b_mm, 0.0]),
        **hairline_landmarks(head, hairline_height_mm),
        "lateral_canthus_right": canthus,
        "lateral_canthus_left": _mirror(canthus),
        "vertex": vertex,
        "crown_whorl": crown,
        "occiput": np.array([0.0, -head.b_mm, 0.0]),
        "ear_right": ear,
        "ear_left": _mirror(ear),
    }
    return {name: out[name] for name in LANDMARK_NAMES}
