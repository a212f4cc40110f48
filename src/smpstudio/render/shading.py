"""Rasterising and lighting the head scene: a z-buffer over the mesh and a soft skin shading.

Skin is lit in linear light (the image is encoded to sRGB at the end): a key light from the upper left,
a fill from the right and a sky term from above. The diffuse terms "wrap" past the terminator by a
different amount per channel, wider in red than in blue: light enters the skin, scatters and leaves a
little further on, and red light travels furthest (the "wrap lighting" approximation of subsurface
scattering, [green2004]; wrap 0.50 / 0.42 / 0.38 in R / G / B, a rendering default, [M]). Shaved skin
has a faint, broad sheen.
The eyes and lips are painted from the landmarks; the brows and the remaining hair are hair shafts,
drawn by :mod:`smpstudio.render.hair`.
"""

from __future__ import annotations

from typing import Any, overload

import numba as nb
import numpy as np
from numpy.typing import NDArray

from smpstudio.design.head import Head
from smpstudio.design.landmarks import landmarks

__all__ = ["encode_srgb", "encode_srgb_uint8", "face_features", "rasterise", "shade"]

FloatArray = NDArray[np.float64]
Float32Array = NDArray[np.float32]

#: Diffuse wrap past the terminator per channel (R, G, B), the subsurface look. [-]
WRAP_RGB = np.array([0.50, 0.42, 0.38])
#: Light intensities: key, fill, sky, floor bounce (a studio portrait setup; rendering defaults, [M]). [-]
KEY, FILL, SKY, BOUNCE = 1.0, 0.20, 0.20, 0.06
#: Sheen of shaved skin: strength and Blinn-Phong exponent (rendering defaults, [M]). [-]
SHEEN, SHEEN_EXPONENT = 0.035, 24.0


@nb.njit(cache=True)
def rasterise(
    rows: int, cols: int, pr: FloatArray, pc: FloatArray, depth: FloatArray, tris: NDArray[np.int32]
) -> tuple[Float32Array, NDArray[np.int32], Float32Array, Float32Array]:
    """Z-buffer of the triangles: depth [mm], triangle index (-1 for background) and the barycentric
    weights of the second and third vertex per pixel.

    Every plane is 4 bytes a pixel (float32: 0.1 µm of depth at a metre, far below the 2 mm the dots'
    visibility test needs), so large previews stay in bounded memory."""
    zbuf = np.full((rows, cols), np.inf, dtype=np.float32)
    tri_id = np.full((rows, cols), -1, dtype=np.int32)
    w1 = np.zeros((rows, cols), dtype=np.float32)
    w2 = np.zeros((rows, cols), dtype=np.float32)
    for t in range(tris.shape[0]):
        a, b, c = tris[t, 0], tris[t, 1], tris[t, 2]
        if depth[a] <= 1.0 or depth[b] <= 1.0 or depth[c] <= 1.0:
            continue
        ar, ac, br, bc, cr, cc = pr[a], pc[a], pr[b], pc[b], pr[c], pc[c]
        area = (br - ar) * (cc - ac) - (bc - ac) * (cr - ar)
        if abs(area) < 1e-12:
            continue
        r0 = max(int(np.floor(min(ar, br, cr))), 0)
        r1 = min(int(np.ceil(max(ar, br, cr))), rows - 1)
        c0 = max(int(np.floor(min(ac, bc, cc))), 0)
        c1 = min(int(np.ceil(max(ac, bc, cc))), cols - 1)
        inv = 1.0 / area
        for r in range(r0, r1 + 1):
            y = r + 0.5
            for q in range(c0, c1 + 1):
                x = q + 0.5
                l1 = ((y - ar) * (cc - ac) - (x - ac) * (cr - ar)) * inv
                l2 = ((br - ar) * (x - ac) - (bc - ac) * (y - ar)) * inv
                l0 = 1.0 - l1 - l2
                if l0 < -1e-9 or l1 < -1e-9 or l2 < -1e-9:
                    continue
                z = l0 * depth[a] + l1 * depth[b] + l2 * depth[c]
                if z < zbuf[r, q]:
                    zbuf[r, q] = np.float32(z)
                    tri_id[r, q] = t
                    w1[r, q] = l1
                    w2[r, q] = l2
    return zbuf, tri_id, w1, w2


@nb.njit(cache=True, inline="always")
def _wrap(cos_angle: float, wrap: float) -> float:
    return max((cos_angle + wrap) / (1.0 + wrap), 0.0)


@nb.njit(cache=True)
def shade(
    tri_id: NDArray[np.int32],
    w1: Float32Array,
    w2: Float32Array,
    tris: NDArray[np.int32],
    material: NDArray[np.int32],
    verts: FloatArray,
    normals: FloatArray,
    eye: FloatArray,
    light: FloatArray,
    fill: FloatArray,
    albedo: FloatArray,
    background: FloatArray,
    eyes: FloatArray,
    lips: FloatArray,
    wrap: FloatArray,
    jaw: FloatArray,
) -> Float32Array:
    """Linear-light image (rows, cols, 3) of the scene: skin of linear ``albedo`` with the soft shading of
    the module docstring, the eyes (x centre, z, half-width, half-height) and lips (z of the mouth line,
    half-width, upper and lower lip height) painted on the face, ``background`` (linear) elsewhere;
    ``jaw`` holds the height where the neck leaves the jaw's shadow, the shadow's depth and the cheeks'
    height [mm]. The image is float32 (12 bytes a pixel: ample for 8-bit output)."""
    rows, cols = tri_id.shape
    img = np.empty((rows, cols, 3), dtype=np.float32)
    for r in range(rows):
        for q in range(cols):
            t = tri_id[r, q]
            if t < 0:
                g = 1.0 - 0.18 * r / rows
                for k in range(3):
                    img[r, q, k] = background[k] * g
                continue
            a, b, c = tris[t, 0], tris[t, 1], tris[t, 2]
            l1, l2 = w1[r, q], w2[r, q]
            l0 = 1.0 - l1 - l2
            px = l0 * verts[a, 0] + l1 * verts[b, 0] + l2 * verts[c, 0]
            py = l0 * verts[a, 1] + l1 * verts[b, 1] + l2 * verts[c, 1]
            pz = l0 * verts[a, 2] + l1 * verts[b, 2] + l2 * verts[c, 2]
            nx = l0 * normals[a, 0] + l1 * normals[b, 0] + l2 * normals[c, 0]
            ny = l0 * normals[a, 1] + l1 * normals[b, 1] + l2 * normals[c, 1]
            nz = l0 * normals[a, 2] + l1 * normals[b, 2] + l2 * normals[c, 2]
            nn = np.sqrt(nx * nx + ny * ny + nz * nz)
            nx, ny, nz = nx / nn, ny / nn, nz / nn
            vx, vy, vz = eye[0] - px, eye[1] - py, eye[2] - pz
            vn = np.sqrt(vx * vx + vy * vy + vz * vz)
            vx, vy, vz = vx / vn, vy / vn, vz / vn
            if nx * vx + ny * vy + nz * vz < 0.0:  # a back face seen through a crease: flip
                nx, ny, nz = -nx, -ny, -nz
            key = nx * light[0] + ny * light[1] + nz * light[2]
            fil = nx * fill[0] + ny * fill[1] + nz * fill[2]
            hx, hy, hz = light[0] + vx, light[1] + vy, light[2] + vz
            hn = np.sqrt(hx * hx + hy * hy + hz * hz)
            spec = max((nx * hx + ny * hy + nz * hz) / hn, 0.0) ** SHEEN_EXPONENT
            m = material[t]
            col0, col1, col2 = albedo[0], albedo[1], albedo[2]
            if m == 1 or m == 4:  # ears: thin, a touch redder; the bowl inside the rim in its shade
                col1 *= 0.90
                col2 *= 0.86
                if m == 4:
                    col0, col1, col2 = col0 * 0.72, col1 * 0.70, col2 * 0.70
            elif m == 2 and nz < -0.35:  # the nostrils, under the nose
                col0, col1, col2 = col0 * 0.45, col1 * 0.4, col2 * 0.4
            elif m == 3:  # the neck in the jaw's shadow near its top
                under = min(max((pz - jaw[0]) / jaw[1], 0.0), 1.0)
                col0, col1, col2 = (
                    col0 * (1 - 0.35 * under),
                    col1 * (1 - 0.38 * under),
                    col2 * (1 - 0.38 * under),
                )
            if (m == 0 or m == 2) and py > 0.0:  # blood shows a little more in the cheeks and nose
                flush = np.exp(-0.5 * ((abs(px) - 42.0) ** 2 + (pz - jaw[2]) ** 2) / 14.0**2)
                if m == 2:
                    flush = 0.6
                col1 *= 1.0 - 0.05 * flush
                col2 *= 1.0 - 0.07 * flush
            sheen = SHEEN
            if m == 0 and py > 0.0:
                for e in range(eyes.shape[0]):  # almond eyes with an iris, a pupil and a lid line
                    dx = (px - eyes[e, 0]) / eyes[e, 2]
                    if abs(dx) < 1.0:
                        half = eyes[e, 3] * (1.0 - dx * dx) ** 0.8
                        dz = pz - eyes[e, 1]
                        if abs(dz) < half:
                            rr = np.sqrt((px - eyes[e, 0]) ** 2 + dz * dz)
                            if rr < 0.16 * eyes[e, 2]:
                                col0, col1, col2 = 0.01, 0.01, 0.01
                            elif rr < 0.40 * eyes[e, 2]:
                                col0, col1, col2 = 0.06, 0.035, 0.02
                            else:
                                col0, col1, col2 = 0.62, 0.60, 0.57
                            if dz > 0.55 * half:  # the upper lid's shadow on the eyeball
                                col0, col1, col2 = col0 * 0.55, col1 * 0.55, col2 * 0.55
                            sheen = 0.25
                        elif dz > 0.0 and dz < half + 1.4:
                            col0, col1, col2 = col0 * 0.35, col1 * 0.3, col2 * 0.3
                        elif dz < 0.0 and -dz < half + 0.6:
                            col0, col1, col2 = col0 * 0.75, col1 * 0.7, col2 * 0.7
                dx = px / lips[1]
                if abs(dx) < 1.0:  # lips: a darker, redder upper and lower lip and the mouth line
                    dz = pz - lips[0]
                    upper = lips[2] * (1.0 - dx * dx) ** 0.6
                    lower = lips[3] * (1.0 - dx * dx) ** 0.6
                    if abs(dz) < 0.7 * (1.0 - dx * dx):
                        col0, col1, col2 = col0 * 0.35, col1 * 0.25, col2 * 0.25
                    elif (dz > 0.0 and dz < upper) or (dz < 0.0 and -dz < lower):
                        col0, col1, col2 = col0 * 0.80, col1 * 0.55, col2 * 0.55
            sky = SKY * (0.6 + 0.4 * nz) + BOUNCE * max(-nz, 0.0)
            l0 = KEY * _wrap(key, wrap[0]) + FILL * _wrap(fil, wrap[0]) + sky
            l1 = KEY * _wrap(key, wrap[1]) + FILL * _wrap(fil, wrap[1]) + sky
            l2 = KEY * _wrap(key, wrap[2]) + FILL * _wrap(fil, wrap[2]) + sky
            img[r, q, 0] = col0 * l0 + sheen * spec
            img[r, q, 1] = col1 * l1 + sheen * spec
            img[r, q, 2] = col2 * l2 + sheen * spec
    return img


#: Lookup table of the sRGB encoding indexed by the square root of linear light (fine in the darks).
_ENCODE_STEPS = 16384
_ENCODE_LUT = np.where(
    (np.arange(_ENCODE_STEPS) / (_ENCODE_STEPS - 1)) ** 2 <= 0.0031308,
    12.92 * (np.arange(_ENCODE_STEPS) / (_ENCODE_STEPS - 1)) ** 2,
    1.055 * (np.arange(_ENCODE_STEPS) / (_ENCODE_STEPS - 1)) ** (2.0 / 2.4) - 0.055,
)


#: The same table as 8-bit values (``rint(255 × sRGB)``).
_ENCODE_LUT_U8 = np.clip(np.rint(_ENCODE_LUT * 255.0), 0, 255).astype(np.uint8)


@nb.njit(cache=True)
def _encode_lut(linear: FloatArray, lut: FloatArray, out: NDArray[np.floating[Any]]) -> None:
    flat_in = linear.ravel()
    flat_out = out.ravel()
    top = lut.size - 1
    for i in range(flat_in.size):
        c = min(max(flat_in[i], 0.0), 1.0)
        flat_out[i] = lut[int(np.sqrt(c) * top + 0.5)]


@nb.njit(cache=True)
def _encode_lut_u8(linear: FloatArray, lut: NDArray[np.uint8], out: NDArray[np.uint8]) -> None:
    flat_in = linear.ravel()
    flat_out = out.ravel()
    top = lut.size - 1
    for i in range(flat_in.size):
        c = min(max(flat_in[i], 0.0), 1.0)
        flat_out[i] = lut[int(np.sqrt(c) * top + 0.5)]


@overload
def encode_srgb(linear: NDArray[np.floating[Any]]) -> FloatArray: ...
@overload
def encode_srgb(linear: NDArray[np.floating[Any]], *, single: bool) -> NDArray[np.floating[Any]]: ...
def encode_srgb(linear: NDArray[np.floating[Any]], *, single: bool = False) -> NDArray[np.floating[Any]]:
    """sRGB encoding (IEC 61966-2-1 [iec61966-2-1]) of a linear image, clipped to 0-1 (a table of 16384
    steps in the square root of linear light: well within one 8-bit level); float64, or float32 with
    ``single`` (half the memory, ample for 8-bit output)."""
    lin = linear if linear.dtype in (np.float32, np.float64) else linear.astype(np.float64)
    out = np.empty(linear.shape, dtype=np.float32 if single else np.float64)
    _encode_lut(np.ascontiguousarray(lin), _ENCODE_LUT, out)
    return out


def encode_srgb_uint8(linear: NDArray[np.floating[Any]]) -> NDArray[np.uint8]:
    """:func:`encode_srgb` straight to 8-bit sRGB, with no float copy of the image (3 bytes a pixel)."""
    lin = linear if linear.dtype in (np.float32, np.float64) else linear.astype(np.float64)
    out = np.empty(linear.shape, dtype=np.uint8)
    _encode_lut_u8(np.ascontiguousarray(lin), _ENCODE_LUT_U8, out)
    return out


def face_features(head: Head) -> tuple[FloatArray, FloatArray]:
    """The eyes (per eye: x centre, z, half-width, half-height [mm]) and the lips (z of the mouth line,
    half-width, upper and lower lip height [mm]) of the canonical face.

    Canonical proportions (adult means, [farkas2005]): palpebral fissure about 30 mm wide and 10 mm high,
    mouth about 50 mm wide, the mouth line about 0.66 of the way from the glabella to the chin.
    """
    lm = landmarks(head)
    canthus = lm["lateral_canthus_right"]
    eye_x = float(canthus[0]) - 15.0
    eye_z = float(canthus[2]) + 0.5
    eyes = np.array([[s * eye_x, eye_z, 15.0, 4.4] for s in (1.0, -1.0)])
    lips = np.array([-0.66 * head.c_low_mm, 0.16 * head.width_mm, 6.0, 7.5])
    return eyes, lips
