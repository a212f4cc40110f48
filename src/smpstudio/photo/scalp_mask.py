"""The scalp mask: where the photo shows the skin of the scalp, against remaining hair, face and background.

Classical methods only (no model is downloaded or bundled), on a copy of the photo reduced to at most
:data:`WORK_SIDE_PX` pixels on its long side:

1. the head's scalp: the chart cells of the design's scalp (where hair remains or dots go) placed on the
   photo by the fitted head (:mod:`smpstudio.photo.fit`), facing the camera, closed and filled into a
   region; the face and the background lie outside it;
2. the background the fitted head overlaps (the fit is seldom exact at the head's edge): when OpenCV is
   installed, GrabCut ([rother2004]) separates the head from the background, seeded with the photo beyond
   the fitted head's outline (background) and the middle of the head (head); the region keeps the head's
   pixels. Without it, a white wall beside the head would pass for lit skin and pull the estimate of the
   light up;
3. skin against remaining hair, by colour: the light falling on the skin is estimated locally (a wide
   normalised blur of the luminance of the brighter half of the scalp's pixels), and a pixel whose luminance
   falls below :data:`HAIR_LUMINANCE_RATIO` of that is hair; the share between is a soft edge;
4. when OpenCV is installed (the ``photo`` extra) and the colour model finds remaining hair, GrabCut
   ([rother2004] in docs/references.md) decides the pixels the colour model was unsure of, seeded with its
   confident skin and hair inside the scalp region.

The mask is 8-bit: 255 scalp skin, 0 elsewhere, values between where skin and hair share a pixel, so a dot
fades into the remaining hair. A mask drawn by the practitioner replaces it (:func:`mask_from_image`);
the practitioner's brush strokes (:class:`~smpstudio.photo.anchors.MaskStroke`) are painted on top of it
(:func:`apply_strokes`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw
from scipy import ndimage
from scipy.spatial import ConvexHull

from smpstudio.design.chart import ChartGrid
from smpstudio.design.head import surface_points_from_directions
from smpstudio.errors import InputError
from smpstudio.photo.anchors import MaskStroke
from smpstudio.photo.fit import HeadFit
from smpstudio.photo.image_io import linear_rgb

__all__ = [
    "HAIR_LUMINANCE_RATIO",
    "WORK_SIDE_PX",
    "ScalpMask",
    "apply_strokes",
    "mask_from_image",
    "scalp_mask",
]

#: Long side of the reduced copy the mask is computed on (the mask's edges are soft over the rest). [px]
WORK_SIDE_PX = 400
#: A scalp pixel darker than this share of the local skin luminance is remaining hair: dark hair over skin
#: removes most of the light, shaved stubble at most about a fifth of it (:mod:`smpstudio.skin.stubble`).
#: Configurable default, range 0.4-0.8 [M]. [-]
HAIR_LUMINANCE_RATIO = 0.6
#: Width of the soft edge between hair and skin, in the same ratio. [-]
EDGE_WIDTH = 0.08
#: Width of the blur that estimates the light on the skin, as a share of the scalp region's size. [-]
LIGHT_BLUR_SHARE = 0.08
GRABCUT_ITERATIONS = 2
#: The background's seeds lie beyond the fitted head's outline by this share of the head's size, the
#: head's seeds within the head's middle, this share of its size in from its outline. [-]
BACKGROUND_MARGIN_SHARE, HEAD_CORE_SHARE = 0.12, 0.3
#: The head is separated from the background only when its seeds cover this share of the copy. [-]
BACKGROUND_MIN_SHARE = 0.03
#: GrabCut refines the split only when the colour model finds at least this share of hair in the region. [-]
GRABCUT_MIN_HAIR = 0.05


@dataclass(frozen=True, eq=False)
class ScalpMask:
    """The full-resolution mask (uint8), and on the reduced copy: the head's scalp region, the hair
    share (0-1) and the reduction factor (full pixels per reduced pixel)."""

    mask: NDArray[np.uint8]
    region: NDArray[np.bool_]
    hair: NDArray[np.float64]
    factor: float
    method: str


def reduced(srgb8: NDArray[np.uint8], side_px: int = WORK_SIDE_PX) -> tuple[NDArray[np.uint8], float]:
    """A copy reduced to at most ``side_px`` on its long side (box filter), and the reduction factor."""
    rows, cols = srgb8.shape[:2]
    factor = max(rows, cols) / side_px
    if factor <= 1.0:
        return srgb8, 1.0
    size = (max(round(cols / factor), 1), max(round(rows / factor), 1))
    small = Image.fromarray(srgb8, "RGB").resize(size, Image.Resampling.BOX, reducing_gap=2.0)
    return np.asarray(small, dtype=np.uint8), cols / size[0]


def _scalp_region(
    fit: HeadFit, grid: ChartGrid, scalp_cells: NDArray[np.bool_], shape: tuple[int, int], factor: float
) -> NDArray[np.bool_]:
    points = grid.points_mm[scalp_cells]
    region = np.zeros(shape, dtype=np.bool_)
    if not len(points):
        return region
    facing, _ = fit.facing(points)
    xy, scale = fit.project(points[facing])
    cols = np.floor(xy[:, 0] / factor).astype(np.int64)
    rows = np.floor(xy[:, 1] / factor).astype(np.int64)
    inside = (rows >= 0) & (rows < shape[0]) & (cols >= 0) & (cols < shape[1])
    region[rows[inside], cols[inside]] = True
    if not region.any():
        return region
    cell_px = float(np.median(scale)) * grid.step_mm / factor
    reach = max(int(np.ceil(1.5 * cell_px)), 1)
    structure = np.ones((2 * reach + 1, 2 * reach + 1), dtype=np.bool_)
    region = ndimage.binary_closing(np.pad(region, reach), structure=structure)[reach:-reach, reach:-reach]
    return np.asarray(ndimage.binary_fill_holes(region), dtype=np.bool_)


def _head_outline(fit: HeadFit, shape: tuple[int, int], factor: float) -> NDArray[np.bool_]:
    """Pixels of the reduced copy inside the fitted head's outline (the whole head, face included)."""
    i = np.arange(800, dtype=np.float64) + 0.5
    z = 1.0 - 2.0 * i / 800.0
    phi = np.pi * (3.0 - np.sqrt(5.0)) * i
    r = np.sqrt(1.0 - z * z)
    directions = np.stack([r * np.cos(phi), r * np.sin(phi), z], axis=1)
    xy, _ = fit.project(surface_points_from_directions(fit.head, directions))
    hull = xy[ConvexHull(xy).vertices] / factor
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]] + 0.5
    side = np.ones(shape, dtype=np.bool_)  # left of every edge
    other = np.ones(shape, dtype=np.bool_)  # right of every edge (the hull's order, turned by y down)
    for a, b in zip(hull, np.roll(hull, -1, axis=0), strict=True):
        cross = (b[0] - a[0]) * (yy - a[1]) - (b[1] - a[1]) * (xx - a[0])
        side &= cross >= 0.0
        other &= cross <= 0.0
    return side if side.sum() >= other.sum() else other


def _head_foreground(
    small: NDArray[np.uint8], fit: HeadFit, region: NDArray[np.bool_], factor: float
) -> NDArray[np.bool_] | None:
    """The reduced copy's pixels GrabCut puts on the head rather than the background, seeded with the
    photo well beyond the fitted head's outline (background) and the middle of the head (head); ``None``
    without OpenCV or without enough of either seed."""
    try:
        import cv2
    except ImportError:
        return None
    outline = _head_outline(fit, region.shape, factor)
    rows, cols = np.nonzero(outline)
    if rows.size == 0:
        return None
    size = max(float(np.ptp(rows)), float(np.ptp(cols)), 1.0)
    margin = max(int(BACKGROUND_MARGIN_SHARE * size), 1)
    core = max(int(HEAD_CORE_SHARE * size), 1)
    grown = ndimage.binary_dilation(outline, iterations=margin)
    middle = ndimage.binary_erosion(outline, iterations=core)
    if (~grown).mean() < BACKGROUND_MIN_SHARE or middle.mean() < BACKGROUND_MIN_SHARE:
        return None
    gc = np.full(region.shape, cv2.GC_PR_BGD, dtype=np.uint8)
    gc[outline] = cv2.GC_PR_FGD
    gc[~grown] = cv2.GC_BGD
    gc[middle] = cv2.GC_FGD
    bgd, fgd = np.zeros((1, 65)), np.zeros((1, 65))
    cv2.setRNGSeed(0)
    cv2.grabCut(
        np.ascontiguousarray(small[:, :, ::-1]),
        gc,
        (0, 0, 0, 0),
        bgd,
        fgd,
        GRABCUT_ITERATIONS + 1,
        cv2.GC_INIT_WITH_MASK,
    )
    head = (gc == cv2.GC_FGD) | (gc == cv2.GC_PR_FGD)
    # The head is one piece: keep what touches its middle.
    labels, _ = ndimage.label(head)
    keep = np.unique(labels[middle & head])
    return np.asarray(np.isin(labels, keep[keep > 0]), dtype=np.bool_)


def _hair_share(linear: NDArray[np.float32], region: NDArray[np.bool_]) -> NDArray[np.float64]:
    y = linear @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
    inside = y[region]
    if inside.size < 16:
        return np.zeros(region.shape)
    bright = region & (y >= np.median(inside))
    rows, cols = np.nonzero(region)
    size = max(float(np.ptp(rows)), float(np.ptp(cols)), 1.0)
    sigma = max(LIGHT_BLUR_SHARE * size, 1.0)
    num = ndimage.gaussian_filter(np.where(bright, y, 0.0).astype(np.float64), sigma)
    den = ndimage.gaussian_filter(bright.astype(np.float64), sigma)
    light = num / np.maximum(den, 1e-6)
    ratio = y / np.maximum(light, 1e-6)
    share = np.clip((HAIR_LUMINANCE_RATIO + EDGE_WIDTH / 2 - ratio) / EDGE_WIDTH, 0.0, 1.0)
    return np.where(region, share, 0.0)


def _grabcut(
    small: NDArray[np.uint8], region: NDArray[np.bool_], hair: NDArray[np.float64]
) -> NDArray[np.float64] | None:
    """The hair share with GrabCut's decision where the colour model was unsure (0.2-0.8), seeded with its
    confident skin and hair inside the region; ``None`` without OpenCV or without both classes."""
    try:
        import cv2
    except ImportError:
        return None
    skin, dark = region & (hair < 0.2), region & (hair > 0.8)
    unsure = region & ~skin & ~dark
    if dark.sum() < GRABCUT_MIN_HAIR * region.sum() or skin.sum() < 32 or not unsure.any():
        return None  # no remaining hair to separate (or no skin), or nothing left to decide
    rows, cols = np.nonzero(region)
    r0, r1, c0, c1 = int(rows.min()), int(rows.max()) + 1, int(cols.min()), int(cols.max()) + 1
    box = (slice(r0, r1), slice(c0, c1))
    # Outside the region (face, background) is painted the skin's mean colour and called skin, so the face's
    # skin does not teach GrabCut that skin is background.
    image = np.array(small[box], dtype=np.uint8)
    inside = region[box]
    image[~inside] = np.mean(small[skin], axis=0).astype(np.uint8)
    gc = np.full(inside.shape, cv2.GC_FGD, dtype=np.uint8)
    gc[unsure[box]] = cv2.GC_PR_FGD
    gc[dark[box]] = cv2.GC_BGD
    bgd, fgd = np.zeros((1, 65)), np.zeros((1, 65))
    cv2.setRNGSeed(0)
    cv2.grabCut(
        np.ascontiguousarray(image[:, :, ::-1]),
        gc,
        (0, 0, 0, 0),
        bgd,
        fgd,
        GRABCUT_ITERATIONS,
        cv2.GC_INIT_WITH_MASK,
    )
    out = hair.copy()
    decided = (gc == cv2.GC_BGD) | (gc == cv2.GC_PR_BGD)
    out[box] = np.where(unsure[box], decided.astype(np.float64), hair[box])
    return out


def scalp_mask(
    srgb8: NDArray[np.uint8],
    fit: HeadFit,
    grid: ChartGrid,
    scalp_cells: NDArray[np.bool_],
    *,
    refine: bool = True,
) -> ScalpMask:
    """The automatic scalp mask of a photo (see the module docstring).

    Parameters
    ----------
    srgb8 : ndarray of shape (rows, cols, 3), uint8
        The photo.
    fit : HeadFit
        The head placed on it.
    grid : ChartGrid
        The design's chart raster (its cells' surface points).
    scalp_cells : ndarray of bool, the grid's shape
        The cells of the scalp: where hair remains or the design puts dots.
    refine : bool, default True
        Refine with GrabCut when OpenCV is installed.
    """
    small, factor = reduced(srgb8)
    region = _scalp_region(fit, grid, scalp_cells, small.shape[:2], factor)
    method = "colour"
    if refine:
        head = _head_foreground(small, fit, region, factor)
        if head is not None:
            region = region & head
            method = "head+colour"
    hair = _hair_share(linear_rgb(small), region)
    if refine:
        refined = _grabcut(small, region, hair)
        if refined is not None:
            hair, method = refined, f"{method}+grabcut"
    soft = np.where(region, 1.0 - hair, 0.0)
    mask8 = np.clip(np.rint(soft * 255.0), 0, 255).astype(np.uint8)
    rows, cols = srgb8.shape[:2]
    if mask8.shape != (rows, cols):
        mask8 = np.asarray(Image.fromarray(mask8, "L").resize((cols, rows), Image.Resampling.BILINEAR))
    return ScalpMask(np.ascontiguousarray(mask8), region, hair, factor, method)


def mask_from_image(srgb8_or_grey: NDArray[np.uint8], rows: int, cols: int) -> NDArray[np.uint8]:
    """A practitioner's mask image (white: scalp skin where dots go; black: elsewhere; grey: in between) as
    the 8-bit mask, or an :class:`InputError` when its size is not the photo's."""
    a = np.asarray(srgb8_or_grey)
    if a.shape[:2] != (rows, cols):
        raise InputError(
            f"the mask is {a.shape[1]} x {a.shape[0]} pixels, the photo {cols} x {rows}",
            field="mask",
            allowed="an image of the photo's size: white where dots may go, black elsewhere",
        )
    grey = a if a.ndim == 2 else np.rint(a[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114]))
    return np.ascontiguousarray(np.clip(grey, 0, 255).astype(np.uint8))


def apply_strokes(
    mask: NDArray[np.uint8], strokes: tuple[MaskStroke, ...] | list[MaskStroke], scale: float = 1.0
) -> NDArray[np.uint8]:
    """``mask`` (8-bit, 255 scalp skin) with the brush ``strokes`` painted on it in order: each a
    round-capped, round-jointed polyline of its radius, 255 for a ``"skin"`` stroke and 0 for a
    ``"not_skin"`` one. Strokes are in the photo's own pixels, ``mask`` is the photo scaled by ``scale``
    (mask pixels per photo pixel). A new array; ``mask`` is left as it is."""
    if not strokes:
        return mask
    im = Image.fromarray(np.ascontiguousarray(mask, dtype=np.uint8), "L")
    draw = ImageDraw.Draw(im)
    for stroke in strokes:
        fill = 255 if stroke.mode == "skin" else 0
        r = max(stroke.radius_px * scale, 0.5)
        # pixel centres at half-integers in the landmarks file, at integers for the drawing
        pts = [(x * scale - 0.5, y * scale - 0.5) for x, y in stroke.points_px]
        if len(pts) > 1:
            draw.line(pts, fill=fill, width=max(round(2.0 * r), 1), joint="curve")
        for x, y in pts:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)
    return np.asarray(im, dtype=np.uint8).copy()
