"""The consultation preview on the client's own photo: the design placed on their head from clicked anchors
and drawn, on any day of the healing timeline, in the photo's own light and at its full resolution.

One call: :func:`photo_preview` reads the photo (refused before decoding when it is not an image or declares
too many pixels), checks the anchors, fits the canonical head (:mod:`smpstudio.photo.fit`), builds or takes
the scalp mask (a mask image replaces it; else the landmarks' brush strokes are painted on it), draws
the dots on scalp skin only, and encodes the preview, the fit overlay and the
before/after pair it was asked for. Nothing is stored: the face stores what the result carries.
"""

from __future__ import annotations

import time
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field
from scipy import ndimage

from smpstudio.design.document import DesignDocument
from smpstudio.design.landmarks import landmarks
from smpstudio.photo.anchors import parse_anchors
from smpstudio.photo.day_look import DAY_RANGE, day_spots
from smpstudio.photo.draw import draw_spots
from smpstudio.photo.fit import fit_head
from smpstudio.photo.image_io import encode_rgb, linear_rgb, read_photo, read_photo_header
from smpstudio.photo.overlay import before_after, draw_overlay
from smpstudio.photo.scalp_mask import apply_strokes, mask_from_image, reduced, scalp_mask
from smpstudio.services.models import Request, Result
from smpstudio.skin.cielab import delta_e2000, linear_srgb_to_xyz, xyz_to_lab
from smpstudio.skin.stubble import stubble_reflectance_rgb
from smpstudio.skin.technique import SETTLED_DAY

__all__ = [
    "DEFAULT_MAX_PHOTO_PIXELS",
    "PhotoPreviewRequest",
    "PhotoPreviewResult",
    "check_photo",
    "photo_preview",
]

ImageFormat = Literal["png", "jpeg", "webp"]
#: The default pixel limit of a photo (width x height), as the settings' ``max_photo_pixels``. [px]
DEFAULT_MAX_PHOTO_PIXELS = 120_000_000
#: Remaining hair must cover this share of the head's scalp region for the photo's tone match. [-]
MIN_HAIR_SHARE = 0.005


class PhotoPreviewRequest(Request):
    """The photo and its landmarks document (JSON text or object), an optional practitioner's mask image
    (white: scalp skin), the client's skin, the day of the timeline and which images to make."""

    photo: bytes = Field(repr=False)
    landmarks: str | dict[str, Any]
    mask: bytes | None = Field(None, repr=False)
    skin_type: str = "III"
    day: float = Field(float(SETTLED_DAY), ge=DAY_RANGE[0], le=DAY_RANGE[1])
    depth_mm: float = Field(0.2, ge=0.0, le=3.0)
    pigment: str = "carbon-black"
    max_photo_pixels: int = Field(DEFAULT_MAX_PHOTO_PIXELS, ge=1)
    format: ImageFormat = "png"
    overlay_format: ImageFormat | None = None
    before_after_format: ImageFormat | None = None


class PhotoPreviewResult(Result):
    """What was drawn (the ``--json`` object); the encoded images are carried, not printed.

    ``landmarks_px`` are the fitted head's landmarks that face the camera and fall in the photo, ``[x, y]``
    in image pixels; ``mm_per_px`` is the scale at the head centre; ``tone_match_delta_e00`` compares the
    treated scalp in the preview with the remaining hair in the photo (with the stubble of the design's hair
    on the photo's skin, and a warning, when the photo shows too little hair; ``null`` when no dot was
    drawn).
    """

    out: str
    overlay: str | None
    before_after: str | None
    width: int
    height: int
    day: float
    dots_drawn: int
    dots_hidden: int
    mm_per_px: float
    fit_error_px: float
    fit_error_mm: float
    tone_match_delta_e00: float | None
    landmarks_px: dict[str, list[float]]
    mask_method: str
    fit: dict[str, Any]
    warnings: list[str]
    elapsed_s: float
    image: bytes = Field(exclude=True, repr=False)
    overlay_image: bytes | None = Field(None, exclude=True, repr=False)
    before_after_image: bytes | None = Field(None, exclude=True, repr=False)

    def stored_at(self, out: str, overlay: str | None = None, pair: str | None = None) -> PhotoPreviewResult:
        """The same result, saying where the face stored the images."""
        return self.model_copy(update={"out": out, "overlay": overlay, "before_after": pair})


_NAMES = {"png": "png", "jpeg": "jpg", "webp": "webp"}


def _lab(rgb_linear: NDArray[np.float64]) -> NDArray[np.float64]:
    return xyz_to_lab(linear_srgb_to_xyz(rgb_linear))


def _photo_tone(
    doc: DesignDocument,
    skin_type: str,
    small_before: NDArray[np.uint8],
    after: NDArray[np.uint8],
    hair_share: NDArray[np.float64],
    region: NDArray[np.bool_],
    drawn_xy: NDArray[np.float64],
) -> tuple[float, str | None]:
    """CIEDE2000 between the treated scalp in the preview and the stubble to match, on the reduced copies
    (``small_before``: the photo's, reduced before the dots were drawn).

    The stubble is the remaining hair the photo shows; when it shows too little, the stubble the design's
    hair would make on the photo's own skin there (:func:`smpstudio.skin.stubble.stubble_reflectance_rgb`),
    with a note. ``nan`` when no dot was drawn on the scalp.
    """
    small_after, factor = reduced(after)
    region = ndimage.binary_erosion(region, iterations=3)  # not the shaded rim of the head's outline
    marks = np.zeros(region.shape, dtype=np.bool_)
    r = np.clip((drawn_xy[:, 1] / factor).astype(np.int64), 0, region.shape[0] - 1)
    c = np.clip((drawn_xy[:, 0] / factor).astype(np.int64), 0, region.shape[1] - 1)
    marks[r, c] = True
    treated = ndimage.binary_closing(marks, iterations=2) & region & (hair_share < 0.2)
    if treated.sum() < 4:
        return float("nan"), "too few dots on the photo's scalp to measure the tone match"
    treated_rgb = linear_rgb(small_after)[treated].astype(np.float64).mean(axis=0)
    hair = region & (hair_share > 0.8)
    if hair.sum() >= max(MIN_HAIR_SHARE * region.sum(), 4):
        target = linear_rgb(small_before)[hair].astype(np.float64).mean(axis=0)
        note = None
    else:
        skin = linear_rgb(small_before)[treated].astype(np.float64).mean(axis=0)
        target = np.asarray(stubble_reflectance_rgb(doc.header.hair.hair(), skin, skin_type=skin_type))
        note = "the photo shows too little remaining hair: the tone match is against the design's hair"
    return round(float(delta_e2000(_lab(treated_rgb), _lab(target))), 2), note


def check_photo(data: bytes, *, max_pixels: int, field: str = "photo") -> tuple[int, int]:
    """``(width, height)`` of a photo from its header, or the refusal :func:`photo_preview` would give for
    what is not an image or declares too many pixels; lets a face refuse before any other work."""
    width, height, _ = read_photo_header(data, max_pixels=max_pixels, field=field)
    return width, height


def photo_preview(doc: DesignDocument, request: PhotoPreviewRequest) -> PhotoPreviewResult:
    """Draw ``doc`` on the client's photo (see the module docstring)."""
    t0 = time.perf_counter()
    photo = read_photo(request.photo, max_pixels=request.max_photo_pixels, field="photo")
    rows, cols = photo.rows, photo.cols
    anchors = parse_anchors(request.landmarks, width=cols, height=rows)
    user_mask = None
    if request.mask is not None:
        mask_photo = read_photo(request.mask, max_pixels=request.max_photo_pixels, field="mask")
        user_mask = mask_from_image(mask_photo.srgb8, rows, cols)
    ctx = doc.context
    head, grid, maps = ctx.grid.head, ctx.grid, ctx.maps
    fit = fit_head(anchors, head, hairline_height_mm=ctx.hairline_height_mm)
    warnings = list(fit.warnings)
    scalp_cells = (grid.area_mm2 > 0.0) & ((maps.hair > 0.0) | (maps.density_per_mm2 > 0.0))
    auto = scalp_mask(photo.srgb8, fit, grid, scalp_cells, refine=user_mask is None)
    # A mask image replaces the automatic mask and the landmarks' brush strokes; else the strokes paint on it.
    brushed = user_mask is None and bool(anchors.mask_strokes)
    mask = user_mask if user_mask is not None else apply_strokes(auto.mask, anchors.mask_strokes)
    mask_name = "drawn" if user_mask is not None else auto.method + ("+brush" if brushed else "")
    dots = doc.dots
    spots = day_spots(
        dots,
        seed=doc.seed,
        skin_type=request.skin_type,
        day=request.day,
        depth_mm=request.depth_mm,
        pigment=request.pigment,
    )
    facing, cosine = fit.facing(dots.position_mm)
    xy, px_per_mm = fit.project(dots.position_mm)
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < cols) & (xy[:, 1] >= 0) & (xy[:, 1] < rows)
    visible = facing & inside
    idx = np.flatnonzero(visible)
    on_skin = mask[xy[idx, 1].astype(np.int64), xy[idx, 0].astype(np.int64)] > 0
    idx = idx[on_skin]
    small_before, _ = reduced(photo.srgb8)
    # The dots are drawn on the decoded photo itself (it is this call's own) unless the pair needs it.
    out = photo.srgb8.copy() if request.before_after_format is not None else photo.srgb8
    shrink = px_per_mm[idx] * np.sqrt(np.clip(cosine[idx], 0.02, 1.0))
    if spots.halo_fwhm_mm is not None and spots.halo_peak is not None:
        draw_spots(out, mask, xy[idx], spots.halo_fwhm_mm[idx] * shrink, spots.halo_peak[idx])
    drawn = draw_spots(out, mask, xy[idx], spots.fwhm_mm[idx] * shrink, spots.peak[idx])
    if len(dots) and not drawn:
        warnings.append("no dot of the design falls on scalp skin in this photo: check the view and the mask")
    delta, note = _photo_tone(doc, request.skin_type, small_before, out, auto.hair, auto.region, xy[idx])
    if note is not None:
        warnings.append(note)
    marks = landmarks(head, ctx.hairline_height_mm)
    names = list(marks)
    pts = np.array([marks[n] for n in names])
    m_xy, _ = fit.project(pts)
    m_facing, _ = fit.facing(pts)
    shown = {
        n: [round(float(m_xy[i, 0]), 2), round(float(m_xy[i, 1]), 2)]
        for i, n in enumerate(names)
        if m_facing[i] and 0 <= m_xy[i, 0] <= cols and 0 <= m_xy[i, 1] <= rows
    }
    overlay_image = pair_image = None
    if request.overlay_format is not None:
        legend = [
            f"{anchors.view} view, day {request.day:g}, skin type {request.skin_type}",
            f"fit error {fit.error_px:.1f} px = {fit.error_mm:.1f} mm; {fit.mm_per_px:.3f} mm/px",
            f"dots drawn {drawn}, hidden {len(dots) - drawn}; mask: {mask_name}",
        ]
        overlay_image = encode_rgb(
            draw_overlay(out, fit, anchors, hairline_height_mm=ctx.hairline_height_mm, legend=legend),
            request.overlay_format,
        )
    if request.before_after_format is not None:
        pair_image = encode_rgb(before_after(photo.srgb8, out), request.before_after_format)
    image = encode_rgb(out, request.format)
    return PhotoPreviewResult(
        out=f"preview.{_NAMES[request.format]}",
        overlay=None if request.overlay_format is None else f"overlay.{_NAMES[request.overlay_format]}",
        before_after=None
        if request.before_after_format is None
        else f"before-after.{_NAMES[request.before_after_format]}",
        width=cols,
        height=rows,
        day=request.day,
        dots_drawn=drawn,
        dots_hidden=len(dots) - drawn,
        mm_per_px=round(fit.mm_per_px, 5),
        fit_error_px=round(fit.error_px, 2),
        fit_error_mm=round(fit.error_mm, 2),
        tone_match_delta_e00=None if np.isnan(delta) else delta,
        landmarks_px=shown,
        mask_method=mask_name,
        fit=fit.to_json(),
        warnings=warnings,
        elapsed_s=round(time.perf_counter() - t0, 3),
        image=image,
        overlay_image=overlay_image,
        before_after_image=pair_image,
    )
