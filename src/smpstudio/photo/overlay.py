"""The fit overlay: the fitted head's wire-frame, the clicked anchors against the fitted landmarks, a
legend and a scale bar, drawn on a copy of the photo (the preview itself stays free of them)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from smpstudio.design.head import surface_points_from_directions
from smpstudio.design.landmarks import landmarks
from smpstudio.photo.anchors import Anchors
from smpstudio.photo.fit import HeadFit

__all__ = ["before_after", "draw_overlay"]

#: Wire-frame lines: circles of latitude every 15 degrees and meridians every 30 degrees of the vault.
LATITUDE_STEP_DEG, MERIDIAN_STEP_DEG = 15, 30
WIRE_RGB, ANCHOR_RGB, FIT_RGB = (40, 200, 255), (255, 60, 40), (255, 230, 40)


def _polyline(fit: HeadFit, directions: NDArray[np.float64]) -> list[list[tuple[float, float]]]:
    """The facing runs of a line on the head, as image polylines."""
    pts = surface_points_from_directions(fit.head, directions)
    facing, _ = fit.facing(pts)
    xy, _ = fit.project(pts)
    runs: list[list[tuple[float, float]]] = []
    run: list[tuple[float, float]] = []
    for ok, p in zip(facing, xy, strict=True):
        if ok:
            run.append((float(p[0]), float(p[1])))
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return [r for r in runs if len(r) > 1]


def _wire_lines(fit: HeadFit) -> list[list[tuple[float, float]]]:
    lines: list[list[tuple[float, float]]] = []
    az = np.radians(np.arange(0, 361, 3))
    for lat in range(-30, 90, LATITUDE_STEP_DEG):
        e = np.radians(lat)
        d = np.stack([np.cos(e) * np.sin(az), np.cos(e) * np.cos(az), np.full_like(az, np.sin(e))], axis=1)
        lines += _polyline(fit, d)
    el = np.radians(np.arange(-30, 91, 3))
    for mer in range(0, 360, MERIDIAN_STEP_DEG):
        a = np.radians(mer)
        d = np.stack([np.cos(el) * np.sin(a), np.cos(el) * np.cos(a), np.sin(el)], axis=1)
        lines += _polyline(fit, d)
    return lines


def draw_overlay(
    srgb8: NDArray[np.uint8],
    fit: HeadFit,
    anchors: Anchors,
    *,
    hairline_height_mm: float,
    legend: list[str],
) -> NDArray[np.uint8]:
    """A copy of the photo with the wire-frame, anchors (red rings: clicked; yellow crosses: the fitted
    head's landmarks), the legend lines and a scale bar of the head centre's scale."""
    im = Image.fromarray(srgb8, "RGB")
    draw = ImageDraw.Draw(im)
    rows, cols = srgb8.shape[:2]
    lw = max(1, round(min(rows, cols) / 500))
    for line in _wire_lines(fit):
        draw.line(line, fill=WIRE_RGB, width=lw)
    marks = landmarks(fit.head, hairline_height_mm)
    r = 4 * lw
    for name, (x, y) in anchors.points_px.items():
        fitted, _ = fit.project(marks[name][None, :])
        fx, fy = float(fitted[0, 0]), float(fitted[0, 1])
        draw.line([(x, y), (fx, fy)], fill=FIT_RGB, width=lw)
        draw.ellipse([x - r, y - r, x + r, y + r], outline=ANCHOR_RGB, width=lw)
        draw.line([(fx - r, fy), (fx + r, fy)], fill=FIT_RGB, width=lw)
        draw.line([(fx, fy - r), (fx, fy + r)], fill=FIT_RGB, width=lw)
    font = ImageFont.load_default(size=max(10, round(min(rows, cols) / 45)))
    pad = 3 * lw
    y = pad
    for text in legend:
        box = draw.textbbox((pad, y), text, font=font)
        draw.rectangle([box[0] - lw, box[1] - lw, box[2] + lw, box[3] + lw], fill=(0, 0, 0))
        draw.text((pad, y), text, fill=(255, 255, 255), font=font)
        y = box[3] + 2 * lw
    bar_mm = next((mm for mm in (100, 50, 20, 10, 5, 2, 1) if mm * fit.scale_px_per_mm <= 0.3 * cols), 1)
    bar_px = bar_mm * fit.scale_px_per_mm
    x0, y0 = pad, rows - pad - 3 * lw
    draw.rectangle([x0 - lw, y0 - 3 * lw, x0 + bar_px + lw, y0 + 3 * lw], fill=(0, 0, 0))
    draw.rectangle([x0, y0 - lw, x0 + bar_px, y0 + lw], fill=(255, 255, 255))
    label = f"{bar_mm} mm at the head centre"
    box = draw.textbbox((x0, 0), label, font=font)
    ty = y0 - 4 * lw - (box[3] - box[1]) - 2 * lw
    draw.rectangle(
        [x0 - lw, ty - lw, x0 + box[2] - box[0] + lw, ty + box[3] - box[1] + 2 * lw], fill=(0, 0, 0)
    )
    draw.text((x0, ty - box[1]), label, fill=(255, 255, 255), font=font)
    return np.asarray(im, dtype=np.uint8)


def before_after(before: NDArray[np.uint8], after: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """The two images side by side (before on the left), each at full resolution, with a thin divider."""
    rows, cols = before.shape[:2]
    gap = max(2, round(cols / 400))
    out = np.full((rows, 2 * cols + gap, 3), 255, dtype=np.uint8)
    out[:, :cols] = before
    out[:, cols + gap :] = after
    return out
