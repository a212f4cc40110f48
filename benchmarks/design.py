"""A full-head design of about 50k dots, from pattern to written JSON; and its 1600 px preview.

The issue's budgets are one second each. Peers on the same work: for the design, the ``bridson``
package (k = 30) placing as many points in a flat square, sampling only (no maps, no surface, no
file); for the preview, against the budget, and, dots only, our alpha-blended sub-pixel splatting
against OpenCV's anti-aliased ``cv2.circle`` drawing the same dots on the same blank canvas.
"""

from __future__ import annotations

import math
import random
import tempfile
from pathlib import Path

import numpy as np

from benchmarks._timing import Row, best_of
from smpstudio.render.camera import view_camera
from smpstudio.render.preview import RenderStyle, _splat
from smpstudio.services.design import DesignRequest, create_design
from smpstudio.services.preview import PreviewRequest, preview

DENSITY_FOR_50K = 92.0  # dots/cm² over the full scalp of the male head gives about 50k dots


def run_design() -> list[Row]:
    import bridson

    request = DesignRequest(pattern="full", style="soft", density_per_cm2=DENSITY_FOR_50K, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "design.json"

        def ours(i: int) -> int:
            result = create_design(request)
            path.write_bytes(result.content())
            return result.dot_count

        ours_s, n = best_of(ours, warmup=True)
        size_mb = path.stat().st_size / 1e6
    r = math.sqrt(0.60 / n)

    def peer(i: int) -> int:
        random.seed(i)
        return len(bridson.poisson_disc_samples(1.0, 1.0, r, k=30))

    peer_s, n_peer = best_of(peer)
    params = {"pattern": "full", "dots": n, "json_mb": round(size_mb, 1)}
    return [
        Row("design-50k", params, ours_s, "budget 1 s", 1.0),
        Row(
            "design-50k",
            {**params, "peer_points": n_peer},
            ours_s,
            "bridson k=30, sampling only (flat)",
            peer_s,
        ),
    ]


def run_preview() -> list[Row]:
    import cv2

    doc = create_design(
        DesignRequest(pattern="full", style="soft", density_per_cm2=DENSITY_FOR_50K, seed=1)
    ).document
    ctx = doc.context  # computed when the design was built
    request = PreviewRequest(view="front", size_px=1600)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "preview.png"

        def ours(i: int) -> None:
            path.write_bytes(preview(doc, request).image)

        ours_s, _ = best_of(ours, warmup=True)
    camera = view_camera(ctx.grid.head, "front", 1600)
    rc, depth = camera.project(doc.dots.position_mm)
    radius_px = 0.5 * RenderStyle().apparent_spread * doc.dots.diameter_mm * camera.focal_px / depth
    alpha = np.clip(0.35 + 0.6 * doc.dots.ink_fraction, 0.0, 0.95)
    rgb = np.tile(np.array([0.16, 0.17, 0.19]), (len(doc.dots), 1))
    rows, cols = np.ascontiguousarray(rc[:, 0]), np.ascontiguousarray(rc[:, 1])
    everywhere = np.ones(len(doc.dots), dtype=bool)

    def ours_dots(i: int) -> np.ndarray:
        canvas = np.full((1600, 1600, 3), 230 / 255.0)
        _splat(
            canvas, np.full((1600, 1600), np.inf), rows, cols, depth, radius_px, alpha, rgb, everywhere, False
        )
        return canvas

    ours_dots_s, _ = best_of(ours_dots, warmup=True)
    # OpenCV draws whole pixels: the same discs with radii rounded to at least 1 px.
    cv_radius = np.maximum(np.rint(radius_px), 1).astype(int)
    centres = np.rint(rc[:, ::-1]).astype(int)

    def peer(i: int) -> np.ndarray:
        canvas = np.full((1600, 1600, 3), 230, dtype=np.uint8)
        for (x, y), rad in zip(centres.tolist(), cv_radius.tolist(), strict=True):
            cv2.circle(canvas, (x, y), rad, (40, 40, 45), -1, lineType=cv2.LINE_AA)
        return canvas

    peer_s, _ = best_of(peer)
    params = {"view": "front", "size_px": 1600, "dots": len(doc.dots)}
    return [
        Row(
            "preview-1600",
            {**params, "includes": "head render + dots + PNG write"},
            ours_s,
            "budget 1 s",
            1.0,
        ),
        Row(
            "preview-1600-dots",
            {**params, "includes": "dots only, blank canvas"},
            ours_dots_s,
            "cv2.circle LINE_AA, dots only",
            peer_s,
        ),
    ]
