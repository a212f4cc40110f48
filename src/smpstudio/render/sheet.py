"""Contact sheets and animations of a sequence of frames, with captions, and image encoding.

A sheet is a grid: one row per technique (or one row wrapped into several when there is a single
technique), one column per day, each cell a thumbnail with its caption underneath. Animations are
GIF or WebP, one frame per day, every technique side by side, the caption printed on each frame.
Everything returns arrays or encoded bytes; writing files is the caller's business.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from smpstudio.errors import check_choice

__all__ = [
    "ANIMATION_FORMATS",
    "IMAGE_FORMATS",
    "contact_sheet",
    "downscaled",
    "encode_animation",
    "encode_image",
    "with_inset",
]

ImageArray = NDArray[np.uint8]

#: Encodings of still images and of animations, by name (Pillow's format names).
IMAGE_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
ANIMATION_FORMATS = {"gif": "GIF", "webp": "WEBP"}
BACKGROUND = (250, 250, 250)
INK = (25, 25, 30)
MUTED = (90, 90, 100)
ALERT = (170, 40, 30)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _thumbnail(frame: ImageArray, size_px: int) -> Image.Image:
    image = Image.fromarray(frame)
    return image.resize((size_px, size_px), Image.Resampling.LANCZOS) if image.width != size_px else image


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.ImageFont | ImageFont.FreeTypeFont, width: int
) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            trial = f"{line} {word}".strip()
            if draw.textlength(trial, font=font) <= width or not line:
                line = trial
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def contact_sheet(
    rows: Sequence[Sequence[ImageArray]],
    captions: Sequence[Sequence[str]],
    *,
    title: str,
    row_labels: Sequence[str] = (),
    alerts: Sequence[Sequence[bool]] = (),
    cell_px: int = 360,
    columns: int | None = None,
) -> ImageArray:
    """A grid of thumbnails with captions under each and a title on top; an ``alerts`` cell gets a red
    frame and caption (the touch-up date, a helmet). With ``columns``, every row wraps after that many
    cells, its label on its first line."""
    if columns and any(len(r) > columns for r in rows):
        wrapped: tuple[list[Sequence[ImageArray]], list[Sequence[str]], list[Sequence[bool]], list[str]] = (
            [],
            [],
            [],
            [],
        )
        for i, row in enumerate(rows):
            flags = list(alerts[i]) if alerts else [False] * len(row)
            for start in range(0, len(row), columns):
                wrapped[0].append(list(row)[start : start + columns])
                wrapped[1].append(list(captions[i])[start : start + columns])
                wrapped[2].append(flags[start : start + columns])
                wrapped[3].append(row_labels[i] if start == 0 and i < len(row_labels) else "")
        rows, captions, alerts, row_labels = wrapped
    n_cols = max(len(r) for r in rows)
    pad, caption_px, title_px = 12, 58, 44
    label_px = 110 if any(row_labels) else 0
    width = label_px + pad + n_cols * (cell_px + pad)
    height = title_px + len(rows) * (cell_px + caption_px + pad) + pad
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    draw.text((pad, 10), title, fill=INK, font=_font(22))
    caption_font, label_font = _font(15), _font(18)
    for i, row in enumerate(rows):
        top = title_px + i * (cell_px + caption_px + pad)
        if i < len(row_labels) and row_labels[i]:
            for k, line in enumerate(_wrap(draw, row_labels[i], label_font, label_px - 8)):
                draw.text((pad, top + cell_px // 2 - 20 + 22 * k), line, fill=INK, font=label_font)
        for j, frame in enumerate(row):
            left = label_px + pad + j * (cell_px + pad)
            sheet.paste(_thumbnail(frame, cell_px), (left, top))
            alert = bool(alerts and alerts[i][j])
            if alert:
                draw.rectangle(
                    (left - 3, top - 3, left + cell_px + 2, top + cell_px + 2), outline=ALERT, width=3
                )
            lines = _wrap(draw, captions[i][j], caption_font, cell_px)
            for k, line in enumerate(lines[:3]):
                colour = ALERT if alert else (INK if k == 0 else MUTED)
                draw.text((left, top + cell_px + 4 + 18 * k), line, fill=colour, font=caption_font)
    return np.asarray(sheet, dtype=np.uint8)


def encode_image(image: ImageArray, fmt: str = "png") -> bytes:
    """An image of shape ``(rows, cols, 3)`` uint8 encoded as PNG (fast compression), JPEG or WebP."""
    check_choice("format", fmt, IMAGE_FORMATS)
    buffer = io.BytesIO()
    options: dict[str, Any] = {"compress_level": 1} if fmt == "png" else {"quality": 92}
    Image.fromarray(image).save(buffer, format=IMAGE_FORMATS[fmt], **options)
    return buffer.getvalue()


def encode_animation(
    frames: Sequence[Sequence[ImageArray]],
    captions: Sequence[str],
    fmt: str = "gif",
    *,
    frame_px: int = 640,
    frame_ms: int = 900,
    labels: Sequence[str] = (),
) -> bytes:
    """One animation frame per step, the techniques of each step side by side with ``labels`` above
    them and the step's caption below, encoded as GIF or WebP."""
    check_choice("animation", fmt, ANIMATION_FORMATS)
    font, label_font = _font(18), _font(16)
    pictures = []
    for step, caption in zip(frames, captions, strict=True):
        head = 26 if labels else 0
        canvas = Image.new("RGB", (len(step) * frame_px, frame_px + head + 30), BACKGROUND)
        draw = ImageDraw.Draw(canvas)
        for k, frame in enumerate(step):
            canvas.paste(_thumbnail(frame, frame_px), (k * frame_px, head))
            if k < len(labels):
                draw.text((k * frame_px + 8, 4), labels[k], fill=INK, font=label_font)
        draw.text((8, head + frame_px + 5), caption, fill=INK, font=font)
        pictures.append(canvas)
    options: dict[str, Any] = {"loop": 0, "duration": frame_ms}
    if fmt == "webp":
        options["quality"] = 85
    buffer = io.BytesIO()
    pictures[0].save(
        buffer, format=ANIMATION_FORMATS[fmt], save_all=True, append_images=pictures[1:], **options
    )
    return buffer.getvalue()


def downscaled(image: ImageArray, side_px: int) -> ImageArray:
    """``image`` resized (Lanczos) so that its longer side is ``side_px``."""
    rows, cols = image.shape[:2]
    scale = side_px / max(rows, cols)
    size = (max(round(cols * scale), 1), max(round(rows * scale), 1))
    resized = Image.fromarray(image).resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    return np.asarray(resized, dtype=np.uint8)


def with_inset(
    frame: ImageArray, inset: ImageArray, *, margin_px: int = 12, border_px: int = 3
) -> ImageArray:
    """``frame`` with ``inset`` pasted into its lower right corner inside a white border."""
    out = frame.copy()
    h, w = inset.shape[:2]
    bottom, right = out.shape[0] - margin_px, out.shape[1] - margin_px
    out[bottom - h - 2 * border_px : bottom, right - w - 2 * border_px : right] = 255
    out[bottom - h - border_px : bottom - border_px, right - w - border_px : right - border_px] = inset
    return out
