"""Preview of a design on the canonical head: skin, the client's remaining hair as stubble, and the dots.

Pipeline: rasterise the scene mesh with a z-buffer (:mod:`smpstudio.render.shading`), light the skin in
linear light with a soft subsurface look, draw the brows and the remaining hair as hair shafts from the
stubble model of the client's hair (:mod:`smpstudio.render.hair`, :mod:`smpstudio.skin.stubble`), then the
dots, and encode the result as sRGB.

Looks:

* ``before``: the client today: skin and remaining hair, no dots;
* ``healed``: every dot as its apparent healed spot (:mod:`smpstudio.skin.healed_dot`): a Gaussian whose
  width comes from the deposit and the skin's light-transport blur and whose integral is the calibrated
  darkening, multiplied onto the lit skin in linear light, so a treated area seen from afar has the tone
  the model computes for it;
* ``plan``: every dot a plain disc (``apparent_spread`` times its size, at least 2.4 px), coloured by
  session, for planning the work.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from smpstudio.design.chart import ChartGrid
from smpstudio.design.document import DotTable
from smpstudio.design.head import Head, surface_normals
from smpstudio.errors import check_choice
from smpstudio.render.camera import Camera
from smpstudio.render.canvas import PreviewCanvas, RenderStyle, default_blur_fwhm_mm, to_uint8
from smpstudio.render.dots import splat_discs, splat_segments
from smpstudio.render.hair import HairSegments, brow_segments, stubble_segments
from smpstudio.render.landmarks_px import landmarks_px
from smpstudio.render.mesh import Mesh, head_scene
from smpstudio.render.shading import WRAP_RGB, encode_srgb_uint8, face_features, rasterise, shade
from smpstudio.render.views import LOOKS
from smpstudio.skin.healed_dot import srgb_to_linear
from smpstudio.skin.stubble import stubble_texture

__all__ = [
    "LOOKS",
    "PreviewCanvas",
    "RenderStyle",
    "default_blur_fwhm_mm",
    "landmarks_px",
    "prepare_canvas",
    "render_preview",
    "to_uint8",
]

FloatArray = NDArray[np.float64]
#: An image plane in float32 or float64 (the canvas keeps float32 planes).
ImageFloat = NDArray[np.floating[Any]]


#: Session colours of the plan look (sRGB, 0-1): blue, green, amber, purple, red.
SESSION_RGB = np.array(
    [[0.10, 0.35, 0.85], [0.10, 0.62, 0.30], [0.92, 0.55, 0.05], [0.55, 0.20, 0.70], [0.85, 0.15, 0.15]]
)
#: The disc kernel under its former name (benchmarks time it directly).
_splat = splat_discs
#: Seed of the hair shafts' placement (the stubble is the same in every view and look).
HAIR_SEED = 2024


def _draw_hair(
    linear: ImageFloat, zbuf: ImageFloat, camera: Camera, head: Head, segments: HairSegments
) -> None:
    if not len(segments):
        return
    start_rc, start_depth = camera.project(segments.start_mm)
    end_rc, _ = camera.project(segments.end_mm)
    mid = 0.5 * (segments.start_mm + segments.end_mm)
    normals = surface_normals(head, mid)
    facing = np.einsum("ij,ij->i", normals, camera.eye_mm - mid) > 0.0
    width_px = segments.width_mm * camera.focal_px / np.maximum(start_depth, 1e-9)
    splat_segments(
        linear,
        zbuf,
        np.ascontiguousarray(np.concatenate([start_rc, end_rc], axis=1)),
        np.ascontiguousarray(start_depth),
        np.ascontiguousarray(width_px),
        np.ascontiguousarray(segments.darkening),
        facing,
    )


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
    """Rasterise and light the head scene for ``camera``, draw the brows and the remaining hair (the
    ``hair`` fraction on the chart), and project the dots onto it."""
    style = style or RenderStyle()
    scene = scene or head_scene(head)
    rc, depth = camera.project(scene.vertices)
    zbuf, tri_id, w1, w2 = rasterise(
        camera.rows,
        camera.cols,
        np.ascontiguousarray(rc[:, 0]),
        np.ascontiguousarray(rc[:, 1]),
        depth,
        scene.triangles,
    )
    key = np.array([-0.55, 0.62, 0.58])
    key /= np.linalg.norm(key)
    fill = np.array([0.6, 0.3, -0.1])
    fill /= np.linalg.norm(fill)
    eyes, lips = face_features(head)
    skin_linear = srgb_to_linear(style.skin_rgb)
    linear = shade(
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
        skin_linear,
        srgb_to_linear(style.background_rgb),
        eyes,
        lips,
        WRAP_RGB,
        np.array([-1.45 * head.c_low_mm, 0.35 * head.c_low_mm, -0.38 * head.c_low_mm]),
    )
    del tri_id, w1, w2  # 12 bytes a pixel no longer needed
    texture = stubble_texture(style.hair, skin_linear, skin_type=style.skin_type)
    shaft_dark = 1.0 - np.asarray(texture.shaft_rgb_linear) / np.maximum(skin_linear, 1e-6)
    segments = HairSegments.concat(
        [
            brow_segments(head, np.clip(0.85 * shaft_dark, 0.3, 0.92), seed=HAIR_SEED),
            stubble_segments(grid, np.asarray(hair, dtype=np.float64), texture, skin_linear, seed=HAIR_SEED),
        ]
    )
    _draw_hair(linear, zbuf, camera, head, segments)
    pos = dots.position_mm
    if len(dots):
        drc, ddepth = camera.project(pos)
        normals = surface_normals(head, pos)
        sight = camera.eye_mm - pos
        cosine = np.einsum("ij,ij->i", normals, sight) / np.linalg.norm(sight, axis=1)
        facing = cosine > 0.0
    else:
        drc, ddepth, facing = np.zeros((0, 2)), np.zeros(0), np.zeros(0, dtype=np.bool_)
        cosine = np.zeros(0)
    return PreviewCanvas(
        image=None,
        zbuf=zbuf,
        rows_px=np.ascontiguousarray(drc[:, 0]),
        cols_px=np.ascontiguousarray(drc[:, 1]),
        depth_mm=np.ascontiguousarray(ddepth),
        px_per_mm=np.ascontiguousarray(camera.focal_px / np.maximum(ddepth, 1e-9)),
        facing=facing,
        linear=linear,
        style=style,
        foreshortening=np.clip(cosine, 0.02, 1.0),
    )


def _default_ratio(style: RenderStyle, ink_fraction: FloatArray) -> FloatArray:
    """Without optics: the style's pigment colour over its skin, weakened by the ink fraction. [-]"""
    base = np.clip(srgb_to_linear(style.pigment_rgb) / np.maximum(srgb_to_linear(style.skin_rgb), 1e-6), 0, 1)
    ink = np.clip(np.asarray(ink_fraction, dtype=np.float64), 0.0, 1.0)[:, None]
    return np.asarray(1.0 - ink * (1.0 - base[None, :]), dtype=np.float64)


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
    canvas: PreviewCanvas | None = None,
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
        ``"before"``, ``"healed"`` or ``"plan"`` (see the module docstring).
    style
        Colours, the client's hair and skin type, the blur at the deposits' depth, the healed-dot model.
    dot_ratio : ndarray of shape (N, 3), optional
        Per dot, the linear reflectance of a wide deposit over the bare skin's (from the skin-optics
        appearance table); without it the healed look uses the style's pigment colour and the dots' ink.
    canvas
        A canvas already prepared for this scene and camera (:func:`prepare_canvas`), to reuse.
    """
    check_choice("look", look, LOOKS)
    style = style or RenderStyle()
    if canvas is None:
        canvas = prepare_canvas(head, grid, hair, dots, camera, style=style, scene=scene)
    if look == "before" or not len(dots):
        return encode_srgb_uint8(canvas.linear)
    diameter = np.asarray(dots.diameter_mm, dtype=np.float64)
    if look == "plan":
        # Plain discs as wide as the simple disc look, at least 2.4 px across whatever the view's scale.
        diameter = np.maximum(diameter, 2.4 / (style.apparent_spread * canvas.px_per_mm))
        rgb = SESSION_RGB[(dots.session - 1) % len(SESSION_RGB)]
        return to_uint8(canvas.draw(diameter, rgb, np.full(len(dots), 0.95), multiply=False))
    ratio = _default_ratio(style, dots.ink_fraction) if dot_ratio is None else np.asarray(dot_ratio)
    return canvas.spots_uint8(diameter, ratio)
