"""The preview's canvas: a lit head scene and where each dot of a design lands on it, with the kernels
that draw on it (plain discs, the calibrated healed spots), and the preview's style.

The canvas keeps the scene once, in linear light as float32, and a float32 z-buffer, so a preview's memory
follows its size at about 31 bytes a pixel (docs/benchmarks.md, "Previews in bounded memory").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from smpstudio.render.dots import splat_discs, splat_spots
from smpstudio.render.shading import encode_srgb, encode_srgb_uint8
from smpstudio.skin.healed_dot import (
    DEFAULT_MODEL,
    HealedDotModel,
    spot_fwhm_mm,
    spot_peak_darkening,
    srgb_to_linear,
)
from smpstudio.skin.stubble import DEFAULT_HAIR, Hair

__all__ = ["PreviewCanvas", "RenderStyle", "default_blur_fwhm_mm", "to_uint8"]

FloatArray = NDArray[np.float64]
#: An image plane in float32 or float64 (the canvas keeps float32 planes).
ImageFloat = NDArray[np.floating[Any]]


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


class PreviewCanvas:
    """A lit head without dots, and where each dot of a design lands on it: draw many dot states
    (healing frames) over one rasterised scene. ``linear`` is the scene in linear light (float32 from
    :func:`prepare_canvas`); ``image`` the same as sRGB (0-1), encoded when asked for (the canvas keeps
    no second full-size copy); ``px_per_mm`` the true scale at each dot.

    ``foreshortening``: per dot, the cosine between the skin's normal and the line of sight (0-1): a spot
    on skin seen obliquely covers that share of its area in the image. [-]
    """

    __slots__ = (
        "_image",
        "cols_px",
        "depth_mm",
        "facing",
        "foreshortening",
        "linear",
        "px_per_mm",
        "rows_px",
        "style",
        "zbuf",
    )

    def __init__(
        self,
        image: FloatArray | None,
        zbuf: ImageFloat,
        rows_px: FloatArray,
        cols_px: FloatArray,
        depth_mm: FloatArray,
        px_per_mm: FloatArray,
        facing: NDArray[np.bool_],
        linear: ImageFloat | None = None,
        style: RenderStyle | None = None,
        foreshortening: FloatArray | None = None,
    ) -> None:
        if linear is None:
            if image is None:
                raise ValueError("a canvas needs its scene: image or linear")
            linear = srgb_to_linear(image)
        self._image = image
        self.linear: ImageFloat = linear
        self.zbuf = zbuf
        self.rows_px = rows_px
        self.cols_px = cols_px
        self.depth_mm = depth_mm
        self.px_per_mm = px_per_mm
        self.facing = facing
        self.style = style or RenderStyle()
        self.foreshortening = np.ones(0) if foreshortening is None else foreshortening

    @property
    def image(self) -> FloatArray:
        """The scene as sRGB (0-1), float64: a fresh array on each call (free to draw on)."""
        return self._image.copy() if self._image is not None else _encode(self.linear)

    def draw(
        self,
        diameter_mm: FloatArray,
        rgb: FloatArray,
        alpha: FloatArray,
        *,
        multiply: bool,
        onto: ImageFloat | None = None,
    ) -> ImageFloat:
        """Splat plain discs (``apparent_spread`` times the diameters [mm] on the skin) with colours and
        opacities over a copy of the sRGB scene, or over ``onto`` in place; returns the float image."""
        img = self.image if onto is None else onto
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

    def spots_into(
        self,
        linear: ImageFloat,
        deposit_diameter_mm: FloatArray,
        dot_ratio_linear: FloatArray,
        *,
        blur_fwhm_mm: float | None = None,
        select: NDArray[np.bool_] | None = None,
    ) -> ImageFloat:
        """Multiply ``linear`` (rows, cols, 3; this canvas's scene or a frame of it, in linear light) in
        place by every dot's apparent healed spot (see :meth:`spot_transmission`); ``select`` keeps only
        some dots (the others' values are ignored). Returns ``linear``."""
        if not self.rows_px.size:
            return linear
        blur = blur_fwhm_mm if blur_fwhm_mm is not None else self.style.blur_fwhm_mm
        blur = default_blur_fwhm_mm(self.style.skin_type) if blur is None else blur
        model = self.style.dot_model
        d = np.asarray(deposit_diameter_mm, dtype=np.float64)
        fwhm = spot_fwhm_mm(d, blur, model=model)
        peak = spot_peak_darkening(dot_ratio_linear, d, fwhm, model=model)
        facing = self.facing if select is None else self.facing & np.asarray(select, dtype=np.bool_)
        splat_spots(
            linear,
            self.zbuf,
            self.rows_px,
            self.cols_px,
            self.depth_mm,
            np.ascontiguousarray(fwhm * self.px_per_mm * np.sqrt(self._foreshortening())),
            np.ascontiguousarray(peak),
            np.ascontiguousarray(facing),
        )
        return linear

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
        trans: FloatArray = np.ones(self.linear.shape)
        self.spots_into(trans, deposit_diameter_mm, dot_ratio_linear, blur_fwhm_mm=blur_fwhm_mm)
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
        linear = self.linear.copy() if onto is None else srgb_to_linear(onto)
        self.spots_into(linear, deposit_diameter_mm, dot_ratio_linear, blur_fwhm_mm=blur_fwhm_mm)
        if onto is None:
            return _encode(linear)
        onto[...] = _encode(linear)
        return onto

    def spots_uint8(
        self,
        deposit_diameter_mm: FloatArray,
        dot_ratio_linear: FloatArray,
        *,
        blur_fwhm_mm: float | None = None,
    ) -> NDArray[np.uint8]:
        """:meth:`draw_spots` over the lit scene as 8-bit sRGB, in bounded memory: one copy of the linear
        scene (float32) and the 8-bit output."""
        linear = self.spots_into(
            self.linear.copy(), deposit_diameter_mm, dot_ratio_linear, blur_fwhm_mm=blur_fwhm_mm
        )
        return encode_srgb_uint8(linear)

    def linear_ratio(self, ratio_srgb: FloatArray) -> FloatArray:
        """Dot-to-skin ratios of sRGB values (as :meth:`draw` takes them) as ratios of linear reflectance,
        for :meth:`draw_spots`, on this canvas's skin. [-]"""
        skin = np.asarray(self.style.skin_rgb, dtype=np.float64)
        dot = np.clip(np.asarray(ratio_srgb, dtype=np.float64) * skin, 0.0, 1.0)
        return np.asarray(srgb_to_linear(dot) / np.maximum(srgb_to_linear(skin), 1e-9), dtype=np.float64)


def _encode(linear: ImageFloat) -> FloatArray:
    return encode_srgb(np.ascontiguousarray(linear))


#: Rows converted at a time by :func:`to_uint8` (bounded temporaries on large images).
_BAND_ROWS = 256


def to_uint8(img: ImageFloat) -> NDArray[np.uint8]:
    """A float sRGB image in 0-1 as 8-bit sRGB (converted in bands of rows: no full-size temporaries)."""
    out = np.empty(img.shape, dtype=np.uint8)
    for r in range(0, img.shape[0], _BAND_ROWS):
        band = img[r : r + _BAND_ROWS]
        out[r : r + _BAND_ROWS] = np.clip(np.rint(band * 255.0), 0, 255)
    return out
