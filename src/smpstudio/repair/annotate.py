"""The annotated dot map: each deposit ringed by its class and the spots that are not dots crossed out,
over the photo; a legend and a scale bar in a band below it, so that they hide nothing."""

from __future__ import annotations

import io

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from smpstudio.repair.dotmap import DotMap

__all__ = ["CLASS_COLOURS", "annotate", "band_px", "dot_class", "draw_band"]

#: Ring colour of each class (the first flag that applies, in this order), sRGB.
CLASS_COLOURS: dict[str, tuple[int, int, int]] = {
    "blowout": (255, 60, 200),
    "blue": (0, 170, 255),
    "oversize": (255, 140, 0),
    "merged": (255, 230, 0),
    "ok": (60, 220, 90),
    "not a dot": (200, 200, 200),
}


def dot_class(flags: tuple[str, ...]) -> str:
    """The class a deposit is drawn as: its most serious flag, or ``ok``."""
    for name in ("blowout", "blue", "oversize", "merged"):
        if name in flags:
            return name
    return "ok"


def _scale_bar_mm(width_mm: float) -> float:
    """A round length near a fifth of the photo's width. [mm]"""
    for length in (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0):
        if length >= width_mm / 6.0:
            return length
    return 100.0


def band_px(rows: int, cols: int) -> int:
    """Height of the legend band below a photo of ``rows`` x ``cols`` pixels. [px]"""
    text_h = 11 * max(1, round(min(rows, cols) / 900))
    return 2 * (text_h + 8) + 8


def draw_band(
    draw: ImageDraw.ImageDraw,
    rows: int,
    cols: int,
    mm_per_px: float,
    entries: list[tuple[str, tuple[int, int, int], str]],
    note: str,
) -> None:
    """The legend (each entry a name, a colour and a marker, ``ring`` or ``cross``, then ``note``) and a
    scale bar, in the band below a photo of ``rows`` x ``cols`` pixels."""
    scale = max(1, round(min(rows, cols) / 900))
    text_h = 11 * scale
    line = max(1, round(min(rows, cols) / 600))
    x, y = 8, rows + 6
    for name, colour, marker in entries:
        if marker == "cross":
            draw.line((x, y, x + text_h, y + text_h), fill=colour, width=line)
            draw.line((x, y + text_h, x + text_h, y), fill=colour, width=line)
        else:
            draw.ellipse((x, y, x + text_h, y + text_h), outline=colour, width=line)
        draw.text((x + text_h + 4, y), name, fill=(255, 255, 255))
        x += text_h + 12 + int(draw.textlength(name)) * scale
    draw.text((x + 8, y), note, fill=(255, 255, 255))
    length_mm = _scale_bar_mm(cols * mm_per_px)
    length_px = length_mm / mm_per_px
    y = rows + text_h + 14
    draw.rectangle((8, y + text_h // 2 - 2, 8 + length_px, y + text_h // 2 + 2), fill=(255, 255, 255))
    draw.text((16 + length_px, y), f"{length_mm:g} mm", fill=(255, 255, 255))


def annotate(image: NDArray[np.uint8], dots: DotMap) -> bytes:
    """The photo with every deposit ringed by its class and, in a band below it, a legend and a scale bar,
    as PNG.

    Parameters
    ----------
    image : ndarray of shape (M, N, 3), uint8
        The photo.
    dots : DotMap
        What :func:`~smpstudio.repair.detect.detect_dots` found in it.

    Returns
    -------
    bytes
        A PNG file, N pixels wide and M plus the band's height high.
    """
    rows, cols = dots.shape
    canvas = Image.new("RGB", (cols, rows + band_px(rows, cols)), (0, 0, 0))
    canvas.paste(Image.fromarray(np.ascontiguousarray(image[:, :, :3])).convert("RGB"), (0, 0))
    draw = ImageDraw.Draw(canvas)
    line = max(1, round(min(rows, cols) / 600))
    for r, c, w, flags in zip(dots.rows_px, dots.cols_px, dots.fwhm_mm, dots.flags, strict=True):
        radius = max(3.0, 0.5 * w / dots.mm_per_px + 2 * line)
        colour = CLASS_COLOURS[dot_class(flags)]
        draw.ellipse((c - radius, r - radius, c + radius, r + radius), outline=colour, width=line)
    grey = CLASS_COLOURS["not a dot"]
    for r, c, w in zip(dots.rejected_rows_px, dots.rejected_cols_px, dots.rejected_fwhm_mm, strict=True):
        half = max(3.0, min(0.5 * w / dots.mm_per_px, 20.0))
        draw.line((c - half, r - half, c + half, r + half), fill=grey, width=line)
        draw.line((c - half, r + half, c + half, r - half), fill=grey, width=line)
    entries = [(name, colour, "ring") for name, colour in CLASS_COLOURS.items()]
    draw_band(draw, rows, cols, dots.mm_per_px, entries, f"{dots.count} dots")
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return buffer.getvalue()
