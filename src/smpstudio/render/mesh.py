"""Triangle meshes of the canonical head and its features (ears, nose, neck) for rasterising.

The head mesh samples the analytic surface of :mod:`smpstudio.design.head` on a polar grid; the
features are ellipsoids and an elliptic cylinder placed from the landmarks (canonical geometry for a
believable preview, not anatomy: sizes after Farkas' adult means, ear length about 60 mm, nose
height about 50 mm [B]).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from smpstudio.design.head import Head, surface_normals, surface_points_from_directions
from smpstudio.design.landmarks import landmarks

__all__ = ["MATERIALS", "Mesh", "head_scene"]

FloatArray = NDArray[np.float64]

#: Material codes of the scene's triangles.
MATERIALS = {"head": 0, "ear": 1, "nose": 2, "neck": 3}


@dataclass(frozen=True, eq=False)
class Mesh:
    """Vertices [mm], unit vertex normals, triangles (vertex indices) and a material per triangle."""

    vertices: FloatArray
    normals: FloatArray
    triangles: NDArray[np.int32]
    material: NDArray[np.int32]


def _grid_triangles(n_rows: int, n_cols: int, wrap: bool) -> NDArray[np.int32]:
    cols = n_cols if wrap else n_cols - 1
    i, j = np.meshgrid(np.arange(n_rows - 1), np.arange(cols), indexing="ij")
    a = i * n_cols + j
    b = i * n_cols + (j + 1) % n_cols
    c = (i + 1) * n_cols + j
    d = (i + 1) * n_cols + (j + 1) % n_cols
    return np.concatenate(
        [np.stack([a, c, b], -1).reshape(-1, 3), np.stack([b, c, d], -1).reshape(-1, 3)]
    ).astype(np.int32)


def _head_mesh(head: Head, n_polar: int = 181, n_azimuth: int = 360) -> Mesh:
    polar = np.linspace(1e-4, np.pi - 1e-4, n_polar)
    azim = np.linspace(0.0, 2 * np.pi, n_azimuth, endpoint=False)
    p, a = np.meshgrid(polar, azim, indexing="ij")
    d = np.stack([np.sin(p) * np.sin(a), np.sin(p) * np.cos(a), np.cos(p)], axis=-1).reshape(-1, 3)
    v = surface_points_from_directions(head, d)
    n = surface_normals(head, v)
    t = _grid_triangles(n_polar, n_azimuth, wrap=True)
    return Mesh(v, n, t, np.full(len(t), MATERIALS["head"], dtype=np.int32))


def _ellipsoid(
    center: FloatArray, radii: FloatArray, rotation: FloatArray, material: str, n: int = 24
) -> Mesh:
    polar = np.linspace(1e-3, np.pi - 1e-3, n)
    azim = np.linspace(0.0, 2 * np.pi, 2 * n, endpoint=False)
    p, a = np.meshgrid(polar, azim, indexing="ij")
    unit = np.stack([np.sin(p) * np.cos(a), np.sin(p) * np.sin(a), np.cos(p)], axis=-1).reshape(-1, 3)
    local = unit * radii
    normal_local = unit / radii
    v = local @ rotation.T + center
    nrm = normal_local @ rotation.T
    nrm /= np.linalg.norm(nrm, axis=1, keepdims=True)
    t = _grid_triangles(n, 2 * n, wrap=True)
    return Mesh(v, nrm, t, np.full(len(t), MATERIALS[material], dtype=np.int32))


def _neck(head: Head, n: int = 48) -> Mesh:
    z = np.linspace(-1.45 * head.c_low_mm, -0.45 * head.c_low_mm, 8)
    azim = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    zz, aa = np.meshgrid(z, azim, indexing="ij")
    rx, ry, cy = 0.36 * head.width_mm, 0.30 * head.length_mm, -0.08 * head.length_mm
    v = np.stack([rx * np.sin(aa), cy + ry * np.cos(aa), zz], axis=-1).reshape(-1, 3)
    nrm = np.stack([np.sin(aa) / rx, np.cos(aa) / ry, np.zeros_like(aa)], axis=-1).reshape(-1, 3)
    nrm /= np.linalg.norm(nrm, axis=1, keepdims=True)
    t = _grid_triangles(len(z), n, wrap=True)
    return Mesh(v, nrm, t, np.full(len(t), MATERIALS["neck"], dtype=np.int32))


def _rot_x(angle: float) -> FloatArray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]], dtype=np.float64)


def _merge(meshes: list[Mesh]) -> Mesh:
    offsets = np.cumsum([0] + [len(m.vertices) for m in meshes[:-1]])
    return Mesh(
        np.concatenate([m.vertices for m in meshes]),
        np.concatenate([m.normals for m in meshes]),
        np.concatenate([m.triangles + o for m, o in zip(meshes, offsets, strict=True)]).astype(np.int32),
        np.concatenate([m.material for m in meshes]),
    )


def head_scene(head: Head) -> Mesh:
    """The head with ears, nose and neck, as one mesh."""
    lm = landmarks(head)
    parts = [_head_mesh(head), _neck(head)]
    for side in (1.0, -1.0):
        ear = lm["ear_right"].copy()
        ear[0] *= side
        center = ear + np.array([side * 4.0, -6.0, 8.0])
        parts.append(_ellipsoid(center, np.array([7.0, 16.0, 31.0]), _rot_x(np.radians(-12.0)), "ear"))
    glabella = lm["glabella"]
    nose_center = glabella + np.array([0.0, -2.0, -0.40 * head.c_low_mm])
    parts.append(_ellipsoid(nose_center, np.array([12.0, 16.0, 28.0]), _rot_x(np.radians(20.0)), "nose"))
    return _merge(parts)
