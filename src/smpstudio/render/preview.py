"""Preview of a design on the canonical head: skin, remaining hair as stubble, and the dots.

Pipeline: rasterise the scene mesh with a z-buffer (Numba), shade each pixel (Lambert key and fill
lights, a faint specular sheen of shaved skin), darken the scalp where native hair remains into a
stubble texture, paint brows and eyes from the landmarks, then splat every visible dot as an
anti-aliased disc whose opacity follows its ink fraction; a dot smaller than a pixel keeps its area as
coverage, so the tone of dense regions stays right at any size.

This is the simple grey-dot appearance; the skin-optics engine supplies physical dot colours.

Looks:

* ``healed``: dots at their true size in a neutral grey-black pigment colour;
* ``plan``: every dot at least 1.2 px, coloured by session, for planning the work.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np
from numpy.typing import NDArray

from smpstudio.design.chart import ChartGrid
from smpstudio.design.document import DotTable
from smpstudio.design.head import Head, surface_normals
from smpstudio.design.landmarks import landmarks
from smpstudio.errors import check_choice
from smpstudio.render.camera import Camera
from smpstudio.render.mesh import Mesh, head_scene

__all__ = ["LOOKS", "PreviewCanvas", "RenderStyle", "prepare_canvas", "render_preview", "to_uint8"]

FloatArray = NDArray[np.float64]

LOOKS = ("healed", "plan")

#: Session colours of the plan look (sRGB, 0-1): blue, green, amber, purple, red.
SESSION_RGB = np.array(
    [[0.10, 0.35, 0.85], [0.10, 0.62, 0.30], [0.92, 0.55, 0.05], [0.55, 0.20, 0.70], [0.85, 0.15, 0.15]]
)


@dataclass(frozen=True, slots=True)
class RenderStyle:
    """Colours (linear-ish sRGB in 0-1) and lighting of the simple preview."""

    skin_rgb: tuple[float, float, float] = (0.86, 0.68, 0.56)
    hair_rgb: tuple[float, float, float] = (0.08, 0.07, 0.07)
    pigment_rgb: tuple[float, float, float] = (0.16, 0.17, 0.19)
    background_rgb: tuple[float, float, float] = (0.93, 0.94, 0.95)
    #: How much of the skin a shaved stubble of full native density darkens: visible shafts about
    #: 0.07 mm wide and 0.5-1 mm long under the skin at about 2 hairs/mm² cover about 10 % of the
    #: skin (calibration default, range 0.05-0.4, [M]).
    stubble_cover: float = 0.16
    #: Stubble grain on the scalp. [mm]
    stubble_grain_mm: float = 0.22
    #: Apparent over deposited dot diameter: light scattered in the skin shows a pigment dot wider
    #: and softer than its deposit. Calibration default of this simple look (range 1-3, [M]); the
    #: skin-optics engine computes the real spread from depth and skin.
    apparent_spread: float = 2.5


@nb.njit(cache=True)
def _rasterise(
    rows: int, cols: int, pr: FloatArray, pc: FloatArray, depth: FloatArray, tris: NDArray[np.int32]
) -> tuple[FloatArray, NDArray[np.int32], FloatArray, FloatArray]:
    zbuf = np.full((rows, cols), np.inf)
    tri_id = np.full((rows, cols), -1, dtype=np.int32)
    w1 = np.zeros((rows, cols))
    w2 = np.zeros((rows, cols))
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
                    zbuf[r, q] = z
                    tri_id[r, q] = t
                    w1[r, q] = l1
                    w2[r, q] = l2
    return zbuf, tri_id, w1, w2


@nb.njit(cache=True, inline="always")
def _hash01(i: int, j: int, seed: int) -> float:
    h = (i * 374761393 + j * 668265263 + seed * 2147483647) & 0xFFFFFFFF
    h = ((h ^ (h >> 13)) * 1274126177) & 0xFFFFFFFF
    h = h ^ (h >> 16)
    return (h & 0xFFFFFF) / 16777216.0


@nb.njit(cache=True, inline="always")
def _bilinear(raster: FloatArray, x: float, y: float) -> float:
    """Bilinear sample at fractional (col ``x``, row ``y``) of cell centres; 0 outside."""
    j, i = int(np.floor(x)), int(np.floor(y))
    if i < 0 or j < 0 or i + 1 >= raster.shape[0] or j + 1 >= raster.shape[1]:
        return 0.0
    tx, ty = x - j, y - i
    top = raster[i, j] * (1 - tx) + raster[i, j + 1] * tx
    bottom = raster[i + 1, j] * (1 - tx) + raster[i + 1, j + 1] * tx
    return float(top * (1 - ty) + bottom * ty)


@nb.njit(cache=True)
def _shade(
    tri_id: NDArray[np.int32],
    w1: FloatArray,
    w2: FloatArray,
    tris: NDArray[np.int32],
    material: NDArray[np.int32],
    verts: FloatArray,
    normals: FloatArray,
    eye: FloatArray,
    light: FloatArray,
    fill: FloatArray,
    skin: FloatArray,
    hair_rgb: FloatArray,
    background: FloatArray,
    hair: FloatArray,
    origin: float,
    step: float,
    chart_r0: float,
    cover: float,
    grain: float,
    brows: FloatArray,
    eyes: FloatArray,
) -> FloatArray:
    rows, cols = tri_id.shape
    img = np.empty((rows, cols, 3))
    for r in range(rows):
        for q in range(cols):
            t = tri_id[r, q]
            if t < 0:
                g = 1.0 - 0.10 * r / rows
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
            diff = max(nx * light[0] + ny * light[1] + nz * light[2], 0.0)
            diff_fill = max(nx * fill[0] + ny * fill[1] + nz * fill[2], 0.0)
            hx, hy, hz = light[0] + vx, light[1] + vy, light[2] + vz
            hn = np.sqrt(hx * hx + hy * hy + hz * hz)
            spec = max((nx * hx + ny * hy + nz * hz) / hn, 0.0) ** 40
            shade = 0.30 + 0.62 * diff + 0.22 * diff_fill
            rgb0, rgb1, rgb2 = skin[0], skin[1], skin[2]
            m = material[t]
            if m == 0:  # head: remaining hair as stubble, brows and eyes on the face
                h = np.sqrt(px * px + py * py)
                f = chart_r0 * np.arctan2(h, pz) / max(h, 1e-9)
                u, v = f * px, f * py
                hf = _bilinear(hair, (u - origin) / step - 0.5, (v - origin) / step - 0.5)
                if hf > 0.0:
                    gi, gj = int(np.floor(u / grain)), int(np.floor(v / grain))
                    # One grain in three shows a shaft, of random strength; the mean darkening of
                    # full native hair is `cover` (mean of `shaft` is 0.17).
                    shaft = max(_hash01(gi, gj, 7) - 0.66, 0.0) / 0.34
                    mix = min(cover * hf * shaft / 0.17, 1.0)
                    rgb0 = rgb0 * (1 - mix) + hair_rgb[0] * mix
                    rgb1 = rgb1 * (1 - mix) + hair_rgb[1] * mix
                    rgb2 = rgb2 * (1 - mix) + hair_rgb[2] * mix
                    spec *= 1.0 - 0.8 * hf
                for e in range(brows.shape[0]):  # brows: arcs above each eye (x centre, z, half-width)
                    dx = (px - brows[e, 0]) / brows[e, 2]
                    if abs(dx) < 1.0 and py > 0.0:
                        zc = brows[e, 1] + 4.0 * (1.0 - dx * dx)
                        if abs(pz - zc) < 3.2 + 1.5 * (1.0 - abs(dx)):
                            mix = 0.55 + 0.35 * _hash01(int(px * 3.0), int(pz * 3.0), 11)
                            rgb0 = rgb0 * (1 - mix) + hair_rgb[0] * mix
                            rgb1 = rgb1 * (1 - mix) + hair_rgb[1] * mix
                            rgb2 = rgb2 * (1 - mix) + hair_rgb[2] * mix
                for e in range(eyes.shape[0]):  # eyes: almond (x centre, z, half-width, half-height)
                    dx = (px - eyes[e, 0]) / eyes[e, 2]
                    if py > 0.0 and abs(dx) < 1.0:
                        half = eyes[e, 3] * (1.0 - dx * dx)
                        dz = pz - eyes[e, 1]
                        if abs(dz) < half:
                            iris = (px - eyes[e, 0]) ** 2 + dz * dz < (0.42 * eyes[e, 2]) ** 2
                            if iris:
                                rgb0, rgb1, rgb2 = 0.22, 0.16, 0.12
                            else:
                                rgb0, rgb1, rgb2 = 0.92, 0.90, 0.88
                        elif abs(dz) < half + 1.2:
                            rgb0, rgb1, rgb2 = rgb0 * 0.55, rgb1 * 0.5, rgb2 * 0.5
            elif m == 1:  # ears a touch redder
                rgb0, rgb1, rgb2 = rgb0 * 1.0, rgb1 * 0.93, rgb2 * 0.9
            img[r, q, 0] = min(rgb0 * shade + 0.10 * spec, 1.0)
            img[r, q, 1] = min(rgb1 * shade + 0.10 * spec, 1.0)
            img[r, q, 2] = min(rgb2 * shade + 0.10 * spec, 1.0)
    return img


@nb.njit(cache=True)
def _splat(
    img: FloatArray,
    zbuf: FloatArray,
    rows_px: FloatArray,
    cols_px: FloatArray,
    depth: FloatArray,
    radius_px: FloatArray,
    alpha: FloatArray,
    rgb: FloatArray,
    facing: NDArray[np.bool_],
    multiply: bool,
) -> None:
    """Blend dots over ``img``: towards ``rgb`` (``multiply`` False), or by the factor ``rgb`` on the lit
    pixel (``multiply`` True: ``rgb`` is the dot-to-skin reflectance ratio, so lighting carries over)."""
    n_rows, n_cols = zbuf.shape
    for d in range(rows_px.size):
        if not facing[d]:
            continue
        r0, c0, rad = rows_px[d], cols_px[d], radius_px[d]
        ir, ic = int(np.floor(r0)), int(np.floor(c0))
        if ir < 0 or ic < 0 or ir >= n_rows or ic >= n_cols:
            continue
        if depth[d] > zbuf[ir, ic] + 2.0:  # hidden behind an ear or the far side
            continue
        if rad < 0.7:
            # Sub-pixel dot: its area spread bilinearly over the four nearest pixel centres.
            cover = np.pi * rad * rad
            fr, fc = r0 - 0.5, c0 - 0.5
            br, bc = int(np.floor(fr)), int(np.floor(fc))
            tr, tc = fr - br, fc - bc
            for dr in range(2):
                for dc in range(2):
                    rr, cc = br + dr, bc + dc
                    if 0 <= rr < n_rows and 0 <= cc < n_cols and not (multiply and np.isinf(zbuf[rr, cc])):
                        w = (tr if dr else 1.0 - tr) * (tc if dc else 1.0 - tc)
                        a = min(alpha[d] * cover * w, 1.0)
                        for k in range(3):
                            target = img[rr, cc, k] * rgb[d, k] if multiply else rgb[d, k]
                            img[rr, cc, k] = img[rr, cc, k] * (1.0 - a) + target * a
        else:
            rmin, rmax = max(int(np.floor(r0 - rad - 1)), 0), min(int(np.ceil(r0 + rad + 1)), n_rows - 1)
            cmin, cmax = max(int(np.floor(c0 - rad - 1)), 0), min(int(np.ceil(c0 + rad + 1)), n_cols - 1)
            for rr in range(rmin, rmax + 1):
                for cc in range(cmin, cmax + 1):
                    dist = np.sqrt((rr + 0.5 - r0) ** 2 + (cc + 0.5 - c0) ** 2)
                    cov = min(max(rad - dist + 0.5, 0.0), 1.0)
                    if multiply and np.isinf(zbuf[rr, cc]):
                        continue  # a ratio to the skin means nothing over the background
                    if cov > 0.0:
                        a = alpha[d] * cov
                        for k in range(3):
                            target = img[rr, cc, k] * rgb[d, k] if multiply else rgb[d, k]
                            img[rr, cc, k] = img[rr, cc, k] * (1.0 - a) + target * a


def _face_features(head: Head) -> tuple[FloatArray, FloatArray]:
    lm = landmarks(head)
    canthus = lm["lateral_canthus_right"]
    eye_x = float(canthus[0]) - 14.0
    eye_z = float(canthus[2]) + 1.0
    brow_z = float(lm["glabella"][2]) - 2.0
    brows = np.array([[s * (eye_x + 2.0), brow_z, 24.0] for s in (1.0, -1.0)])
    eyes = np.array([[s * eye_x, eye_z, 14.0, 5.0] for s in (1.0, -1.0)])
    return brows, eyes


@dataclass(frozen=True, eq=False)
class PreviewCanvas:
    """A lit head without dots, and where each dot of a design lands on it: draw many dot states
    (healing frames) over one rasterised scene."""

    image: FloatArray
    zbuf: FloatArray
    rows_px: FloatArray
    cols_px: FloatArray
    depth_mm: FloatArray
    px_per_mm: FloatArray
    facing: NDArray[np.bool_]

    def draw(
        self,
        diameter_mm: FloatArray,
        rgb: FloatArray,
        alpha: FloatArray,
        *,
        multiply: bool,
        onto: FloatArray | None = None,
    ) -> FloatArray:
        """Splat the dots (diameters [mm] on the skin, colours, opacities) over a copy of the lit scene,
        or over ``onto`` in place; returns the float image."""
        img = self.image.copy() if onto is None else onto
        if self.rows_px.size:
            _splat(
                img,
                self.zbuf,
                self.rows_px,
                self.cols_px,
                self.depth_mm,
                np.ascontiguousarray(0.5 * np.asarray(diameter_mm, dtype=np.float64) * self.px_per_mm),
                np.ascontiguousarray(alpha, dtype=np.float64),
                np.ascontiguousarray(rgb, dtype=np.float64),
                self.facing,
                multiply,
            )
        return img


def to_uint8(img: FloatArray) -> NDArray[np.uint8]:
    """A float image in 0-1 as 8-bit sRGB."""
    return np.clip(np.rint(img * 255.0), 0, 255).astype(np.uint8)


def prepare_canvas(
    head: Head,
    grid: ChartGrid,
    hair: FloatArray,
    dots: DotTable,
    camera: Camera,
    *,
    style: RenderStyle | None = None,
    scene: Mesh | None = None,
) -> PreviewCanvas:
    """Rasterise and light the head scene for ``camera`` and project the dots onto it."""
    style = style or RenderStyle()
    scene = scene or head_scene(head)
    rc, depth = camera.project(scene.vertices)
    zbuf, tri_id, w1, w2 = _rasterise(
        camera.rows,
        camera.cols,
        np.ascontiguousarray(rc[:, 0]),
        np.ascontiguousarray(rc[:, 1]),
        depth,
        scene.triangles,
    )
    key = np.array([-0.45, 0.75, 0.55])
    key /= np.linalg.norm(key)
    fill = np.array([0.6, 0.3, -0.1])
    fill /= np.linalg.norm(fill)
    brows, eyes = _face_features(head)
    img = _shade(
        tri_id,
        w1,
        w2,
        scene.triangles,
        scene.material,
        scene.vertices,
        scene.normals,
        camera.eye_mm,
        key,
        fill,
        np.array(style.skin_rgb),
        np.array(style.hair_rgb),
        np.array(style.background_rgb),
        np.ascontiguousarray(hair, dtype=np.float64),
        grid.origin_mm - 0.5 * grid.step_mm,
        grid.step_mm,
        head.chart_radius_mm,
        style.stubble_cover,
        style.stubble_grain_mm,
        brows,
        eyes,
    )
    pos = dots.position_mm
    if len(dots):
        drc, ddepth = camera.project(pos)
        normals = surface_normals(head, pos)
        facing = np.einsum("ij,ij->i", normals, camera.eye_mm - pos) > 0.0
    else:
        drc, ddepth, facing = np.zeros((0, 2)), np.zeros(0), np.zeros(0, dtype=np.bool_)
    return PreviewCanvas(
        image=img,
        zbuf=zbuf,
        rows_px=np.ascontiguousarray(drc[:, 0]),
        cols_px=np.ascontiguousarray(drc[:, 1]),
        depth_mm=np.ascontiguousarray(ddepth),
        px_per_mm=np.ascontiguousarray(style.apparent_spread * camera.focal_px / np.maximum(ddepth, 1e-9)),
        facing=facing,
    )


def render_preview(
    head: Head,
    grid: ChartGrid,
    hair: FloatArray,
    dots: DotTable,
    camera: Camera,
    *,
    look: str = "healed",
    style: RenderStyle | None = None,
    scene: Mesh | None = None,
    dot_ratio: FloatArray | None = None,
) -> NDArray[np.uint8]:
    """Render the design on the head as an sRGB image of shape ``(rows, cols, 3)``, uint8.

    Parameters
    ----------
    head, grid, hair
        The head, its chart raster and the remaining-hair fraction on it (:mod:`smpstudio.design`).
    dots
        The design's dots.
    camera
        From :func:`smpstudio.render.camera.view_camera`.
    look
        ``"healed"`` or ``"plan"`` (see the module docstring).
    dot_ratio : ndarray of shape (N, 3), optional
        Per dot, the ratio of its colour to the bare skin's (from the skin-optics appearance table);
        without it the healed look uses the plain grey pigment of ``style``.
    """
    check_choice("look", look, LOOKS)
    style = style or RenderStyle()
    canvas = prepare_canvas(head, grid, hair, dots, camera, style=style, scene=scene)
    if not len(dots):
        return to_uint8(canvas.image)
    diameter = np.asarray(dots.diameter_mm, dtype=np.float64)
    if look == "plan":
        # At least 1.2 px across, whatever the view's scale.
        diameter = np.maximum(diameter, 2.4 / canvas.px_per_mm)
        rgb = SESSION_RGB[(dots.session - 1) % len(SESSION_RGB)]
        alpha = np.full(len(dots), 0.95)
    elif dot_ratio is not None:
        # Physical colours: each dot multiplies the lit skin by its dot-to-skin reflectance ratio.
        rgb = np.asarray(dot_ratio, dtype=np.float64)
        alpha = np.ones(len(dots))
    else:
        rgb = np.tile(np.array(style.pigment_rgb), (len(dots), 1))
        alpha = np.clip(0.35 + 0.6 * dots.ink_fraction, 0.0, 0.95)
    return to_uint8(canvas.draw(diameter, rgb, alpha, multiply=look != "plan" and dot_ratio is not None))
