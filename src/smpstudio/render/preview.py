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

from dataclasses import dataclass, field
from functools import cache

import numpy as np
from numpy.typing import NDArray

from smpstudio.design.chart import ChartGrid
from smpstudio.design.document import DotTable
from smpstudio.design.head import Head, surface_normals
from smpstudio.errors import check_choice
from smpstudio.render.camera import Camera
from smpstudio.render.dots import splat_discs, splat_segments, splat_spots
from smpstudio.render.hair import HairSegments, brow_segments, stubble_segments
from smpstudio.render.landmarks_px import landmarks_px
from smpstudio.render.mesh import Mesh, head_scene
from smpstudio.render.shading import WRAP_RGB, encode_srgb, face_features, rasterise, shade
from smpstudio.skin.healed_dot import (
    DEFAULT_MODEL,
    HealedDotModel,
    spot_fwhm_mm,
    spot_peak_darkening,
    srgb_to_linear,
)
from smpstudio.skin.stubble import DEFAULT_HAIR, Hair, stubble_texture

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

LOOKS = ("before", "healed", "plan")

#: Session colours of the plan look (sRGB, 0-1): blue, green, amber, purple, red.
SESSION_RGB = np.array(
    [[0.10, 0.35, 0.85], [0.10, 0.62, 0.30], [0.92, 0.55, 0.05], [0.55, 0.20, 0.70], [0.85, 0.15, 0.15]]
)
#: The disc kernel under its former name (benchmarks time it directly).
_splat = splat_discs
#: Seed of the hair shafts' placement (the stubble is the same in every view and look).
HAIR_SEED = 2024


@cache
def default_blur_fwhm_mm(skin_type: str = "III", depth_mm: float = 0.2) -> float:
    """The light-transport blur FWHM of the packaged appearance table (undiluted ink). [mm]"""
    from smpstudio.skin.appearance_table import packaged_table

    return float(packaged_table().lookup(skin_type, depth_mm, 1.0)[8])


@dataclass(frozen=True, slots=True)
class RenderStyle:
    """Colours (sRGB, 0-1), the client's hair and skin type, and the healed-dot model of the preview."""

    skin_rgb: tuple[float, float, float] = (0.86, 0.68, 0.56)
    hair_rgb: tuple[float, float, float] = (0.08, 0.07, 0.07)
    pigment_rgb: tuple[float, float, float] = (0.16, 0.17, 0.19)
    background_rgb: tuple[float, float, float] = (0.93, 0.94, 0.95)
    #: Width of the plain discs :meth:`PreviewCanvas.draw` splats over the deposit's diameter: the simple
    #: disc look kept for callers that draw discs (rendering default, range 1-3, [M]); the healed look
    #: draws light-transport spots instead (:meth:`PreviewCanvas.draw_spots`).
    apparent_spread: float = 2.5
    #: The client's hair, whose stubble is drawn where hair remains.
    hair: Hair = DEFAULT_HAIR
    #: Fitzpatrick type of the skin (the stubble model's under-skin shafts).
    skin_type: str = "III"
    #: Light-transport blur FWHM at the deposits' depth; ``None`` takes the packaged table's for
    #: ``skin_type`` at 0.2 mm. [mm]
    blur_fwhm_mm: float | None = None
    #: The calibrated healed-dot model.
    dot_model: HealedDotModel = DEFAULT_MODEL


@dataclass(frozen=True, eq=False)
class PreviewCanvas:
    """A lit head without dots, and where each dot of a design lands on it: draw many dot states
    (healing frames) over one rasterised scene. ``image`` is sRGB (0-1); ``linear`` the same in linear
    light; ``px_per_mm`` the true scale at each dot."""

    image: FloatArray
    zbuf: FloatArray
    rows_px: FloatArray
    cols_px: FloatArray
    depth_mm: FloatArray
    px_per_mm: FloatArray
    facing: NDArray[np.bool_]
    linear: FloatArray = field(repr=False, default_factory=lambda: np.zeros((0, 0, 3)))
    style: RenderStyle = field(default_factory=RenderStyle)
    #: Per dot, the cosine between the skin's normal and the line of sight (0-1): a spot on skin seen
    #: obliquely covers that share of its area in the image. [-]
    foreshortening: FloatArray = field(repr=False, default_factory=lambda: np.ones(0))

    def draw(
        self,
        diameter_mm: FloatArray,
        rgb: FloatArray,
        alpha: FloatArray,
        *,
        multiply: bool,
        onto: FloatArray | None = None,
    ) -> FloatArray:
        """Splat plain discs (``apparent_spread`` times the diameters [mm] on the skin) with colours and
        opacities over a copy of the sRGB scene, or over ``onto`` in place; returns the float image."""
        img = self.image.copy() if onto is None else onto
        if self.rows_px.size:
            radius = (
                0.5 * self.style.apparent_spread * np.asarray(diameter_mm, dtype=np.float64) * self.px_per_mm
            )
            splat_discs(
                img,
                self.zbuf,
                self.rows_px,
                self.cols_px,
                self.depth_mm,
                np.ascontiguousarray(radius),
                np.ascontiguousarray(alpha, dtype=np.float64),
                np.ascontiguousarray(rgb, dtype=np.float64),
                self.facing,
                multiply,
            )
        return img

    def spot_transmission(
        self,
        deposit_diameter_mm: FloatArray,
        dot_ratio_linear: FloatArray,
        *,
        blur_fwhm_mm: float | None = None,
    ) -> FloatArray:
        """The factor (rows, cols, 3) by which the healed spots multiply the linear image.

        Parameters
        ----------
        deposit_diameter_mm : ndarray of shape (N,)
            The dots' healed deposit diameters. [mm]
        dot_ratio_linear : ndarray of shape (N, 3)
            Per dot, the linear reflectance of a wide deposit over the bare skin's (appearance table). [-]
        blur_fwhm_mm : float, optional
            The skin's light-transport blur at the deposits' depth; the style's when ``None``. [mm]
        """
        trans = np.ones_like(self.linear)
        if not self.rows_px.size:
            return trans
        blur = blur_fwhm_mm if blur_fwhm_mm is not None else self.style.blur_fwhm_mm
        blur = default_blur_fwhm_mm(self.style.skin_type) if blur is None else blur
        model = self.style.dot_model
        d = np.asarray(deposit_diameter_mm, dtype=np.float64)
        fwhm = spot_fwhm_mm(d, blur, model=model)
        peak = spot_peak_darkening(dot_ratio_linear, d, fwhm, model=model)
        splat_spots(
            trans,
            self.zbuf,
            self.rows_px,
            self.cols_px,
            self.depth_mm,
            np.ascontiguousarray(fwhm * self.px_per_mm * np.sqrt(self._foreshortening())),
            np.ascontiguousarray(peak),
            self.facing,
        )
        return trans

    def _foreshortening(self) -> FloatArray:
        if self.foreshortening.size == self.rows_px.size:
            return self.foreshortening
        return np.ones(self.rows_px.size)

    def draw_spots(
        self,
        deposit_diameter_mm: FloatArray,
        dot_ratio_linear: FloatArray,
        *,
        blur_fwhm_mm: float | None = None,
        onto: FloatArray | None = None,
    ) -> FloatArray:
        """The sRGB image (0-1) with every dot drawn as its apparent healed spot (see
        :meth:`spot_transmission`), over the lit scene or over ``onto`` (an sRGB image of the scene, in
        place: a frame that already holds other marks)."""
        trans = self.spot_transmission(deposit_diameter_mm, dot_ratio_linear, blur_fwhm_mm=blur_fwhm_mm)
        if onto is None:
            return _encode(self.linear * trans)
        onto[...] = _encode(srgb_to_linear(onto) * trans)
        return onto

    def linear_ratio(self, ratio_srgb: FloatArray) -> FloatArray:
        """Dot-to-skin ratios of sRGB values (as :meth:`draw` takes them) as ratios of linear reflectance,
        for :meth:`draw_spots`, on this canvas's skin. [-]"""
        skin = np.asarray(self.style.skin_rgb, dtype=np.float64)
        dot = np.clip(np.asarray(ratio_srgb, dtype=np.float64) * skin, 0.0, 1.0)
        return np.asarray(srgb_to_linear(dot) / np.maximum(srgb_to_linear(skin), 1e-9), dtype=np.float64)


def _encode(linear: FloatArray) -> FloatArray:
    return encode_srgb(np.ascontiguousarray(linear))


def to_uint8(img: FloatArray) -> NDArray[np.uint8]:
    """A float sRGB image in 0-1 as 8-bit sRGB."""
    return np.clip(np.rint(img * 255.0), 0, 255).astype(np.uint8)


def _draw_hair(
    linear: FloatArray, zbuf: FloatArray, camera: Camera, head: Head, segments: HairSegments
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
        image=_encode(linear),
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
        return to_uint8(canvas.image)
    diameter = np.asarray(dots.diameter_mm, dtype=np.float64)
    if look == "plan":
        # Plain discs as wide as the simple disc look, at least 2.4 px across whatever the view's scale.
        diameter = np.maximum(diameter, 2.4 / (style.apparent_spread * canvas.px_per_mm))
        rgb = SESSION_RGB[(dots.session - 1) % len(SESSION_RGB)]
        return to_uint8(canvas.draw(diameter, rgb, np.full(len(dots), 0.95), multiply=False))
    ratio = _default_ratio(style, dots.ink_fraction) if dot_ratio is None else np.asarray(dot_ratio)
    return to_uint8(canvas.draw_spots(diameter, ratio))
