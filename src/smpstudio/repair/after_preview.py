"""The repair plan on the photo itself: the plan map, the look after removal and after the new SMP.

* **Plan map** (:func:`plan_image`): each existing dot ringed by its class (keep green, remove red, watch
  amber; a practitioner's correction drawn with a thicker ring), each dot to add as a small cyan cross,
  the new hairline as a white line, and below the photo a legend and a scale bar
  (:func:`smpstudio.repair.annotate.draw_band`).
* **After removal** (:func:`after_removal`): each removed dot is taken as a Gaussian darkening of its
  measured FWHM that multiplies the skin's linear light by ``1 - D_k g(r)`` (as the healed-dot model
  draws dots, :mod:`smpstudio.skin.healed_dot`), ``D_k`` per channel from its core against the skin
  around it (a high percentile of a ring just outside it); the pixels are divided by that factor and
  multiplied by ``1 - ρ D_k g(r)``, leaving the share ρ = :data:`RESIDUAL_SHARE` of it, and no other
  pixel changes: laser clears most of an SMP dot but not always all (1-3 picosecond
  sessions cleared SMP in the one case series [wu2020], which gives no residual: a labelled default [M],
  range 0-0.5).
* **After the new SMP** (:func:`after_resmp`): the added dots drawn on the after-removal image by
  :func:`smpstudio.photo.draw.draw_spots` as settled healed dots of the target design
  (:func:`smpstudio.photo.day_look.day_spots`: the design's dot diameter and ink fraction, scaled per zone
  as the design's maps scale them), each at the scale it is seen at: the photo's on a close-up; on a wider
  photo placed by anchors the fit's scale at the dot times the square root of its facing cosine, so dots
  shrink towards the head's outline as the photo preview draws them
  (:mod:`smpstudio.services.photo_preview`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from smpstudio.design.document import DotTable
from smpstudio.design.maps import (
    BODY_DIAMETER_MM,
    BODY_INK_FRACTION,
    ZONE_CODE,
    ZONE_DIAMETER_MM,
    ZONE_INK_FRACTION,
)
from smpstudio.errors import check_range
from smpstudio.photo.day_look import day_spots
from smpstudio.photo.draw import draw_spots
from smpstudio.repair.annotate import band_px, draw_band
from smpstudio.repair.contrast import SRGB_DECODE
from smpstudio.skin.healed_dot import linear_to_srgb

__all__ = [
    "CLASS_RGB",
    "RESIDUAL_SHARE",
    "after_removal",
    "after_resmp",
    "new_dot_spots",
    "plan_image",
    "png",
]

FloatArray = NDArray[np.float64]
#: Share of a removed dot's darkening left after the laser course (a labelled default, see the module
#: docstring). [-]
RESIDUAL_SHARE = 0.15
#: zlib level of the PNGs: photos' noise barely compresses, and level 1 encodes several times faster. [-]
PNG_LEVEL = 1
#: Ring colours of the classes and the added dots' cross, sRGB.
CLASS_RGB: dict[str, tuple[int, int, int]] = {
    "keep": (60, 220, 90),
    "remove": (255, 50, 50),
    "watch": (255, 190, 0),
    "add": (0, 220, 255),
}
#: A removed dot's darkening is taken back out to this many FWHM from its centre (the Gaussian is under
#: 0.2 % of its peak there). [-]
REACH_FWHM = 1.5
#: The skin a removed dot sits on: this percentile, per channel, of the linear light in a ring this wide
#: just outside its reach (the bright skin between the neighbours' dots; [D], as the detector's local skin
#: is a high percentile, :mod:`smpstudio.repair.contrast`). [%], [mm]
SKIN_PERCENTILE, SKIN_RING_MM = 80.0, 0.4
#: How the plan's zones map to the design's zones for the new dots' size and ink.
_DESIGN_ZONE = {"hairline": "hairline", "front": "frontal", "body": "midscalp", "outside": "midscalp"}


def png(image: NDArray[np.uint8]) -> bytes:
    """An 8-bit sRGB image as PNG bytes."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image)).save(buffer, format="PNG", compress_level=PNG_LEVEL)
    return buffer.getvalue()


def after_removal(
    image: NDArray[np.uint8],
    x_px: FloatArray,
    y_px: FloatArray,
    fwhm_mm: FloatArray,
    mm_per_px: float,
    *,
    residual: float = RESIDUAL_SHARE,
) -> NDArray[np.uint8]:
    """The photo with the removed dots faded towards the local skin, leaving ``residual`` of each.

    Parameters
    ----------
    image : ndarray of shape (M, N, 3), uint8
        The photo, sRGB.
    x_px, y_px : ndarray of shape (K,)
        Centres of the dots to fade, pixel centres at integers. [px]
    fwhm_mm : ndarray of shape (K,)
        Their apparent FWHM. [mm]
    mm_per_px : float
        Scale. [mm/px]
    residual : float
        Share of each dot's darkening left, 0-0.5. [-]

    Returns
    -------
    ndarray of shape (M, N, 3), uint8
        A new image; pixels outside the footprints keep their values exactly.
    """
    check_range("residual", residual, 0.0, 0.5)
    out = np.array(image[:, :, :3], dtype=np.uint8, copy=True)
    if x_px.size == 0:
        return out
    rows, cols = out.shape[:2]
    ring_px = SKIN_RING_MM / mm_per_px
    reach = np.ceil(REACH_FWHM * np.maximum(fwhm_mm / mm_per_px, 1.5) + ring_px).astype(np.int64) + 1
    top, left = max(int(np.min(y_px - reach)), 0), max(int(np.min(x_px - reach)), 0)
    bottom, right = min(int(np.max(y_px + reach)) + 1, rows), min(int(np.max(x_px + reach)) + 1, cols)
    if top >= bottom or left >= right:
        return out
    # First every dot's darkening, from the photo as it is; then the factors, applied once.
    windows = []
    for x, y, w_mm, k in zip(x_px, y_px, fwhm_mm, reach, strict=True):
        w = max(float(w_mm) / mm_per_px, 1.5)
        r0, r1 = max(int(y) - k, 0), min(int(y) + k + 1, rows)
        c0, c1 = max(int(x) - k, 0), min(int(x) + k + 1, cols)
        if r0 >= r1 or c0 >= c1:
            continue
        rr, cc = np.mgrid[r0:r1, c0:c1]
        dist = np.hypot(rr - y, cc - x)
        ring = (dist >= REACH_FWHM * w) & (dist < REACH_FWHM * w + ring_px)
        core = dist <= max(0.15 * w, 1.0)
        if ring.sum() < 8 or not core.any():
            continue
        window = SRGB_DECODE[out[r0:r1, c0:c1]]
        skin = np.percentile(window[ring], SKIN_PERCENTILE, axis=0)
        dark = np.clip(1.0 - window[core].mean(axis=0) / np.maximum(skin, 1e-6), 0.0, 0.98)
        g = np.exp(-4.0 * np.log(2.0) * (dist / w) ** 2) * (dist <= REACH_FWHM * w)
        windows.append((r0 - top, r1 - top, c0 - left, c1 - left, dark, g))
    factor = np.ones((bottom - top, right - left, 3), dtype=np.float32)
    for r0, r1, c0, c1, dark, g in windows:
        dg = dark[None, None, :] * g[:, :, None]
        factor[r0:r1, c0:c1] *= ((1.0 - residual * dg) / (1.0 - dg)).astype(np.float32)
    changed = np.any(factor != 1.0, axis=2)
    patch = out[top:bottom, left:right]
    lin = SRGB_DECODE[patch[changed]] * factor[changed]
    patch[changed] = np.round(255.0 * linear_to_srgb(lin)).astype(np.uint8)
    return out


def new_dot_spots(
    zones: Sequence[str],
    *,
    dot_diameter_mm: float,
    ink_fraction: float,
    skin_type: str,
    seed: int,
) -> tuple[FloatArray, FloatArray]:
    """FWHM [mm] and per-channel peak darkening [-] of new settled dots of the target design in the
    plan's ``zones``, their size and ink scaled per zone from the design's body values."""
    n = len(zones)
    names = [_DESIGN_ZONE.get(z, "midscalp") for z in zones]
    diameter = np.array([ZONE_DIAMETER_MM[z] / BODY_DIAMETER_MM * dot_diameter_mm for z in names])
    ink = np.array([ZONE_INK_FRACTION[z] / BODY_INK_FRACTION * ink_fraction for z in names]).clip(0.05, 1.0)
    table = DotTable(
        position_mm=np.zeros((n, 3)),
        diameter_mm=diameter.reshape(n),
        ink_fraction=ink.reshape(n),
        zone=np.array([ZONE_CODE[z] for z in names], dtype=np.uint8).reshape(n),
        session=np.ones(n, dtype=np.int32),
    )
    spots = day_spots(table, seed=seed, skin_type=skin_type)
    return spots.fwhm_mm, spots.peak


def after_resmp(
    image: NDArray[np.uint8],
    added_xy_px: FloatArray,
    fwhm_mm: FloatArray,
    peak: FloatArray,
    px_per_mm: FloatArray | float,
) -> NDArray[np.uint8]:
    """``image`` (the after-removal look) with the added dots drawn as healed dots.

    Parameters
    ----------
    image : ndarray of shape (M, N, 3), uint8
        The after-removal look, sRGB.
    added_xy_px : ndarray of shape (K, 2)
        ``[x, y]`` of the dots, pixel centres at integers, as the detector gives them. [px]
    fwhm_mm, peak : ndarray of shape (K,) and (K, 3)
        Their FWHM on the skin [mm] and per-channel peak darkening [-] (:func:`new_dot_spots`).
    px_per_mm : ndarray of shape (K,) or float
        The scale each dot is seen at, foreshortened on a wider photo (one number: the photo's). [px/mm]
    """
    out = np.array(image[:, :, :3], dtype=np.uint8, copy=True)
    if added_xy_px.shape[0] == 0:
        return out
    scale = np.broadcast_to(np.asarray(px_per_mm, dtype=np.float64), (added_xy_px.shape[0],))
    mask = np.full(out.shape[:2], 255, dtype=np.uint8)
    draw_spots(out, mask, np.asarray(added_xy_px, dtype=np.float64) + 0.5, fwhm_mm * scale, peak)
    return out


def plan_image(
    image: NDArray[np.uint8],
    x_px: FloatArray,
    y_px: FloatArray,
    fwhm_mm: FloatArray,
    classes: Sequence[str],
    corrected: Sequence[bool],
    added_xy_px: FloatArray,
    mm_per_px: float,
    *,
    hairline_px: Sequence[tuple[float, float]] | None = None,
) -> bytes:
    """The plan map as PNG: the photo with each dot ringed by its class, the dots to add crossed, the
    new hairline, and a legend with the counts and a scale bar in a band below."""
    rows, cols = image.shape[:2]
    canvas = Image.new("RGB", (cols, rows + band_px(rows, cols)), (0, 0, 0))
    canvas.paste(Image.fromarray(np.ascontiguousarray(image[:, :, :3])).convert("RGB"), (0, 0))
    draw = ImageDraw.Draw(canvas)
    line = max(1, round(min(rows, cols) / 600))
    if hairline_px:
        draw.line([(float(x), float(y)) for x, y in hairline_px], fill=(255, 255, 255), width=line)
    for x, y, w, cls, fixed in zip(x_px, y_px, fwhm_mm, classes, corrected, strict=True):
        radius = max(3.0, 0.5 * w / mm_per_px + 2 * line)
        width = 2 * line if fixed else line
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), outline=CLASS_RGB[cls], width=width)
    half = max(2.0, 0.15 / mm_per_px)
    for x, y in np.asarray(added_xy_px, dtype=np.float64).reshape(-1, 2):
        draw.line((x - half, y, x + half, y), fill=CLASS_RGB["add"], width=line)
        draw.line((x, y - half, x, y + half), fill=CLASS_RGB["add"], width=line)
    counts = {c: sum(1 for k in classes if k == c) for c in ("keep", "remove", "watch")}
    entries = [(f"{name} {counts[name]}", CLASS_RGB[name], "ring") for name in ("keep", "remove", "watch")]
    entries.append((f"add {len(added_xy_px)}", CLASS_RGB["add"], "cross"))
    note = f"{sum(corrected)} corrected" if any(corrected) else ""
    draw_band(draw, rows, cols, mm_per_px, entries, note)
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", compress_level=PNG_LEVEL)
    return buffer.getvalue()
