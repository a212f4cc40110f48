"""Triangle meshes of the canonical head and its features (face relief, nose, ears, neck) for rasterising.

The head mesh samples the analytic surface of :mod:`smpstudio.design.head` on a polar grid; below the
hairline its face gets a relief (brow ridge, eye sockets, cheekbones, lips, chin) that moves vertices along
their direction from the head centre, so the scalp, where dots and charts live, keeps the analytic shape.
The nose is a swept surface with a bridge, a tip and alae; each ear is a flat body with a rolled rim (the
helix), an inner ridge (the antihelix) and a lobe; the neck is an elliptic cylinder. Canonical geometry for
a believable preview, not anatomy: adult means after Farkas et al. ([farkas2005]): nasion to subnasale about
50 mm, nose about 35 mm wide at the alae and 20 mm deep at the tip, ears about 62 mm long and 34 mm wide.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from smpstudio.design.head import Head, surface_normals, surface_points_from_directions
from smpstudio.design.landmarks import landmarks

__all__ = ["MATERIALS", "Mesh", "face_relief_mm", "head_scene"]

FloatArray = NDArray[np.float64]

#: Material codes of the scene's triangles.
MATERIALS = {"head": 0, "ear": 1, "nose": 2, "neck": 3, "concha": 4}

#: Face relief bumps: (x centre, z centre, x spread, z spread, height [mm]); x mirrored when not 0.
#: Heights relative to the canthus drop below the glabella; canonical geometry [M].
_RELIEF = (
    (0.0, -4.0, 38.0, 6.0, 2.6),  # brow ridge
    (30.0, -24.0, 11.0, 7.5, -4.5),  # eye sockets
    (48.0, -48.0, 14.0, 12.0, 3.0),  # cheekbones
    (0.0, -82.0, 20.0, 9.0, 4.0),  # lips
    (0.0, -114.0, 14.0, 11.0, 4.5),  # chin
    (20.0, -66.0, 10.0, 12.0, -1.5),  # the fold beside the nose
)


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


def _vertex_normals(v: FloatArray, t: NDArray[np.int32], outward: FloatArray) -> FloatArray:
    """Area-weighted vertex normals of a mesh, oriented to agree with ``outward``."""
    face = np.cross(v[t[:, 1]] - v[t[:, 0]], v[t[:, 2]] - v[t[:, 0]])
    n = np.zeros_like(v)
    for k in range(3):
        np.add.at(n, t[:, k], face)
    length = np.linalg.norm(n, axis=1, keepdims=True)
    n = np.where(length > 1e-12, n / np.maximum(length, 1e-12), outward)
    flip = np.einsum("ij,ij->i", n, outward) < 0.0
    n[flip] = -n[flip]
    return np.asarray(n, dtype=np.float64)


def face_relief_mm(head: Head, points_mm: FloatArray) -> FloatArray:
    """Outward displacement of the face's relief at surface points, along their direction from the head
    centre; zero on the scalp and the back and sides of the head. [mm]"""
    p = np.asarray(points_mm, dtype=np.float64).reshape(-1, 3)
    canthus_z = float(landmarks(head)["lateral_canthus_right"][2])
    scale = head.width_mm / 155.0
    front = np.clip((p[:, 1] / head.b_mm - 0.35) / 0.4, 0.0, 1.0)
    out = np.zeros(len(p))
    for x0, z0, sx, sz, h in _RELIEF:
        zc = z0 * scale if z0 < -30.0 else canthus_z + 22.0 + (z0 + 22.0) * scale
        for side in (1.0, -1.0) if x0 else (1.0,):
            dx = (p[:, 0] - side * x0 * scale) / (sx * scale)
            dz = (p[:, 2] - zc) / (sz * scale)
            out += h * np.exp(-0.5 * (dx * dx + dz * dz))
    return np.asarray(out * front * front * (3.0 - 2.0 * front), dtype=np.float64)


def _head_mesh(head: Head, n_polar: int = 181, n_azimuth: int = 360) -> Mesh:
    polar = np.linspace(1e-4, np.pi - 1e-4, n_polar)
    azim = np.linspace(0.0, 2 * np.pi, n_azimuth, endpoint=False)
    p, a = np.meshgrid(polar, azim, indexing="ij")
    d = np.stack([np.sin(p) * np.sin(a), np.sin(p) * np.cos(a), np.cos(p)], axis=-1).reshape(-1, 3)
    v = surface_points_from_directions(head, d)
    smooth = surface_normals(head, v)
    v = v + face_relief_mm(head, v)[:, None] * d
    t = _grid_triangles(n_polar, n_azimuth, wrap=True)
    return Mesh(v, _vertex_normals(v, t, smooth), t, np.full(len(t), MATERIALS["head"], dtype=np.int32))


def _face_surface(head: Head, x: FloatArray, z: FloatArray) -> FloatArray:
    d = np.stack([x, np.full_like(x, head.b_mm), z], axis=-1)
    d /= np.linalg.norm(d, axis=-1, keepdims=True)
    s = surface_points_from_directions(head, d.reshape(-1, 3))
    s = s + face_relief_mm(head, s)[:, None] * d.reshape(-1, 3)
    return np.asarray(s.reshape(d.shape), dtype=np.float64)


def _nose(head: Head, n_t: int = 48, n_s: int = 40) -> Mesh:
    """A swept nose: narrow bony bridge from the nasion, a rounded tip, flared alae, closed underneath."""
    scale = head.width_mm / 155.0
    canthus_z = float(landmarks(head)["lateral_canthus_right"][2])
    z_top, z_base = canthus_z + 10.0 * scale, canthus_z - 40.0 * scale
    t = np.linspace(0.0, 1.0, n_t)
    s = np.linspace(-0.5 * np.pi, 0.5 * np.pi, n_s)
    tt, ss = np.meshgrid(t, s, indexing="ij")
    tip = 0.80
    # Depth: rising from the face at the nasion (smoothly), along the bridge to the tip, then under it.
    rise = np.clip(tt / 0.3, 0.0, 1.0)
    depth = np.where(
        tt <= tip,
        (2.5 + 17.5 * (tt / tip) ** 1.4) * rise * rise * (3.0 - 2.0 * rise),
        20.0 * np.sqrt(np.clip(1.0 - ((tt - tip) / (1.0 - tip)) ** 2, 0.0, 1.0)),
    )
    flare = np.clip((tt - 0.45) / 0.45, 0.0, 1.0)
    half_width = 9.0 + 10.0 * flare * flare * (3.0 - 2.0 * flare)
    z = z_top + (z_base - z_top) * tt
    # The tip droops a little below its line; the alae sit low and back.
    z = z - 3.0 * np.exp(-0.5 * ((tt - tip) / 0.08) ** 2) * np.cos(ss) ** 2
    x = half_width * np.sin(ss) * scale
    base = _face_surface(head, x.ravel(), z.ravel()).reshape(*x.shape, 3)
    # Cross-section: rounded on top, meeting the cheeks at a tangent (no crease), the alae bulging low.
    profile = np.cos(ss) ** 1.5 * (1.0 - 0.25 * flare * np.sin(ss) ** 2)
    v = base.copy()
    v[..., 1] += depth * profile * scale
    v = v.reshape(-1, 3)
    tris = _grid_triangles(n_t, n_s, wrap=False)
    outward = np.stack([np.sin(ss), np.cos(ss) + 0.3, np.zeros_like(ss)], axis=-1).reshape(-1, 3)
    return Mesh(v, _vertex_normals(v, tris, outward), tris, np.full(len(tris), MATERIALS["nose"], np.int32))


def _tube(curve: FloatArray, radius: FloatArray, side_axis: FloatArray, n_around: int = 14) -> Mesh:
    tangent = np.gradient(curve, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    inward = np.cross(tangent, side_axis)
    inward /= np.linalg.norm(inward, axis=1, keepdims=True)
    phi = np.linspace(0.0, 2 * np.pi, n_around, endpoint=False)
    ring = (
        np.cos(phi)[None, :, None] * side_axis[None, None, :]
        + np.sin(phi)[None, :, None] * inward[:, None, :]
    )
    v = (curve[:, None, :] + radius[:, None, None] * ring).reshape(-1, 3)
    t = _grid_triangles(len(curve), n_around, wrap=True)
    return Mesh(v, ring.reshape(-1, 3).copy(), t, np.full(len(t), MATERIALS["ear"], np.int32))


def _ear(head: Head, side: float) -> list[Mesh]:
    """One ear: body, helix and antihelix as tubes along its outline, and a lobe."""
    lm = landmarks(head)
    tragion = lm["ear_right"].copy()
    tragion[0] *= side
    scale = head.height_mm / 130.0
    half_h, half_w = 31.0 * scale, 17.0 * scale
    tilt = np.radians(15.0)  # the ear's long axis leans back
    out = np.array([side, 0.0, 0.0])
    centre = tragion + np.array([side * 3.0, -half_w + 5.0, 6.0 * scale])

    def place(u: FloatArray, v: FloatArray, w: FloatArray) -> FloatArray:
        uu = u * np.cos(tilt) - v * np.sin(tilt)
        vv = u * np.sin(tilt) + v * np.cos(tilt)
        return np.asarray(centre + np.stack([side * w, uu, vv], axis=-1), dtype=np.float64)

    theta = np.linspace(np.radians(-70.0), np.radians(172.0), 80)
    stand = 3.0 + 9.0 * np.clip(np.sin(theta), 0.0, 1.0)  # the back edge stands out from the head
    helix = place(-half_w * np.sin(theta) + 2.0, half_h * np.cos(theta), stand)
    # The rim rolls thickest at the top and back and thins as it runs into the lobe and the face.
    thickness = 3.6 * scale * (0.55 + 0.45 * np.sin(np.clip((theta + np.radians(70.0)) * 0.75, 0.0, np.pi)))
    rim = _tube(helix, thickness, out)
    theta2 = np.linspace(np.radians(15.0), np.radians(150.0), 40)
    anti = place(
        -0.55 * half_w * np.sin(theta2) + 1.0,
        0.62 * half_h * np.cos(theta2) - 2.0,
        1.0 + 5.0 * np.sin(theta2),
    )
    antihelix = _tube(anti, np.full(len(theta2), 1.8 * scale), out)
    # The body: a shallow bowl (the concha) rising from near the head to the rim all round.
    phi = np.linspace(0.0, 2 * np.pi, 72, endpoint=False)
    rho = np.linspace(0.0, 1.0, 9)
    pp, rr = np.meshgrid(phi, rho, indexing="ij")
    rim_stand = 3.0 + 9.0 * np.clip(np.sin(pp), 0.0, 1.0)
    bowl = place(
        (2.0 - half_w * np.sin(pp) * rr).ravel(),
        (half_h * np.cos(pp) * rr).ravel(),
        (1.0 + (rim_stand - 1.0) * rr**1.6).ravel(),
    )
    bowl_tris = _grid_triangles(len(phi), len(rho), wrap=False)
    bowl_tris = np.concatenate([bowl_tris, _wrap_seam(len(phi), len(rho))])
    body = Mesh(
        bowl,
        _vertex_normals(bowl, bowl_tris, np.tile(out, (len(bowl), 1))),
        bowl_tris,
        np.where(rr.ravel()[bowl_tris].mean(axis=1) < 0.6, MATERIALS["concha"], MATERIALS["ear"]).astype(
            np.int32
        ),
    )
    lobe = _ellipsoid(
        place(np.array([-4.0]), np.array([-half_h + 6.0]), np.array([3.5]))[0],
        np.array([3.0, 8.5, 9.0]) * scale,
        _rot_x(-tilt),
        "ear",
    )
    return [body, rim, antihelix, lobe]


def _wrap_seam(n_rows: int, n_cols: int) -> NDArray[np.int32]:
    """Triangles joining the last row of a grid to its first (a closed fan of rings)."""
    j = np.arange(n_cols - 1)
    a, b = (n_rows - 1) * n_cols + j, (n_rows - 1) * n_cols + j + 1
    c, d = j, j + 1
    return np.concatenate([np.stack([a, c, b], -1), np.stack([b, c, d], -1)]).astype(np.int32)


def _ellipsoid(
    center: FloatArray,
    radii: FloatArray,
    rotation: FloatArray,
    material: str,
    n: int = 24,
    rotation_z: float = 0.0,
) -> Mesh:
    polar = np.linspace(1e-3, np.pi - 1e-3, n)
    azim = np.linspace(0.0, 2 * np.pi, 2 * n, endpoint=False)
    p, a = np.meshgrid(polar, azim, indexing="ij")
    unit = np.stack([np.sin(p) * np.cos(a), np.sin(p) * np.sin(a), np.cos(p)], axis=-1).reshape(-1, 3)
    rot = _rot_z(rotation_z) @ rotation
    v = (unit * radii) @ rot.T + center
    nrm = (unit / radii) @ rot.T
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


def _rot_z(angle: float) -> FloatArray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]], dtype=np.float64)


def _merge(meshes: list[Mesh]) -> Mesh:
    offsets = np.cumsum([0] + [len(m.vertices) for m in meshes[:-1]])
    return Mesh(
        np.concatenate([m.vertices for m in meshes]),
        np.concatenate([m.normals for m in meshes]),
        np.concatenate([m.triangles + o for m, o in zip(meshes, offsets, strict=True)]).astype(np.int32),
        np.concatenate([m.material for m in meshes]),
    )


@lru_cache(maxsize=8)
def head_scene(head: Head) -> Mesh:
    """The head with its face relief, nose, ears and neck, as one mesh (kept for the last few heads: a
    mesh is read-only once built)."""
    parts = [_head_mesh(head), _neck(head), _nose(head)]
    for side in (1.0, -1.0):
        parts.extend(_ear(head, side))
    return _merge(parts)
