"""Render, then fit: synthetic photos made by the project's renderer with a known pose, lighting, noise and
view; the head fitted to their landmarks recovers the pose, and the design lands on the scalp only.

Tolerances: the fitted head's scalp points land within 1.5 % of the head's image size (median) and 4 %
(95th percentile) of where the true camera puts them, and its turn is within 6 degrees of the true one
(10 for views with three or four anchors), with anchors clicked to within a pixel (Gaussian, sigma 0.7 px).
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image
from scipy import ndimage
from scipy.spatial import ConvexHull
from scipy.spatial.transform import Rotation

from smpstudio.design.head import surface_points_from_directions
from smpstudio.errors import InputError
from smpstudio.photo.anchors import parse_anchors
from smpstudio.photo.fit import fit_head, vault_points
from smpstudio.render.camera import Camera, view_camera
from smpstudio.render.landmarks_px import landmarks_px
from smpstudio.render.preview import render_preview
from smpstudio.services.photo_preview import PhotoPreviewRequest, photo_preview
from tests.conftest import make_design

SIZE_PX = 288


def turned_camera(camera: Camera, turn_deg: tuple[float, float, float]) -> Camera:
    """The camera moved around the head by ``turn_deg`` (xyz Euler angles): the head seen turned."""
    r = Rotation.from_euler("xyz", turn_deg, degrees=True).as_matrix()
    return Camera(
        r @ camera.eye_mm,
        r @ camera.right,
        r @ camera.up,
        r @ camera.forward,
        camera.focal_px,
        camera.rows,
        camera.cols,
    )


def synthetic_photo(
    view: str,
    *,
    turn_deg: tuple[float, float, float] = (0.0, 0.0, 0.0),
    light: float = 1.0,
    noise: float = 0.0,
    size_px: int = SIZE_PX,
    seed: int = 0,
) -> tuple[NDArray[np.uint8], dict[str, list[float]], Camera, Any, Any]:
    """A rendered 'photo' of the Norwood-6 client (no dots), its true landmarks and camera, the design and its
    context. ``light`` scales the light with a left-to-right gradient; ``noise`` is sensor noise in 8-bit
    codes."""
    _, ctx, doc = make_design("norwood-6", "soft")
    head = ctx.grid.head
    camera = turned_camera(view_camera(head, view, size_px), turn_deg)
    lit = render_preview(head, ctx.grid, ctx.maps.hair, doc.dots, camera, look="before").astype(np.float64)
    gradient = light * np.linspace(0.8, 1.1, size_px)[None, :, None]
    rng = np.random.default_rng(seed)
    img = np.clip(lit * gradient + rng.normal(0.0, noise, lit.shape), 0, 255).astype(np.uint8)
    marks = landmarks_px(head, camera, hairline_height_mm=ctx.hairline_height_mm)
    marks.pop("vertex", None)  # the top of the outline, not a surface point
    return img, marks, camera, doc, ctx


def _jpeg(img: NDArray[np.uint8]) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=92)
    return buf.getvalue()


CASES = [
    ("front", (8.0, -10.0, 12.0), 1.0, 2.0),
    ("front", (-15.0, 5.0, -6.0), 0.7, 4.0),
    ("three-quarter", (5.0, 5.0, -8.0), 1.1, 2.0),
    ("left", (0.0, 10.0, 6.0), 0.9, 3.0),
    ("right", (6.0, -6.0, 0.0), 1.0, 2.0),
    ("back", (-8.0, 0.0, 10.0), 0.8, 2.0),
    ("top", (10.0, 0.0, 0.0), 1.0, 2.0),
]


@pytest.mark.parametrize(("view", "turn", "light", "noise"), CASES)
def test_the_fitted_head_recovers_the_known_pose(
    view: str, turn: tuple[float, float, float], light: float, noise: float
) -> None:
    _, marks, camera, _, ctx = synthetic_photo(view, turn_deg=turn, light=light, noise=noise)
    head = ctx.grid.head
    rng = np.random.default_rng(3)
    clicked = {k: [v[0] + rng.normal(0, 0.7), v[1] + rng.normal(0, 0.7)] for k, v in marks.items()}
    anchors = parse_anchors({"view": view, "points_px": clicked}, width=SIZE_PX, height=SIZE_PX)
    fit = fit_head(anchors, head, hairline_height_mm=ctx.hairline_height_mm)
    # The scalp's points: where the fit puts them against where the true camera does.
    d = np.random.default_rng(0).normal(size=(800, 3))
    d[:, 2] = np.abs(d[:, 2])
    pts = surface_points_from_directions(head, d / np.linalg.norm(d, axis=1, keepdims=True))
    sight = camera.eye_mm - pts
    from smpstudio.design.head import surface_normals

    seen = np.einsum("ij,ij->i", surface_normals(head, pts), sight) > 0.2 * np.linalg.norm(sight, axis=1)
    rc, _ = camera.project(pts[seen])
    xy, _ = fit.project(pts[seen])
    err = np.linalg.norm(xy - rc[:, ::-1], axis=1)
    head_px = float(np.ptp(rc[:, 0]) + np.ptp(rc[:, 1])) / 2.0
    assert np.median(err) < 0.015 * head_px, (np.median(err), head_px)
    assert np.percentile(err, 95) < 0.04 * head_px
    # The turn: the true camera basis against the view's canonical one.
    base = view_camera(head, view, SIZE_PX)
    true_turn = Rotation.from_matrix(
        np.stack([camera.right, camera.up, camera.forward]) @ np.stack([base.right, base.up, base.forward]).T
    )
    off_deg = np.degrees((fit.turn.inv() * true_turn).magnitude())
    assert off_deg < (6.0 if len(marks) >= 5 else 10.0), (off_deg, len(marks))
    assert fit.error_px < 3.0 and 0.8 < fit.scale_px_per_mm * 650.0 / camera.focal_px < 1.25


def test_a_ruler_fixes_the_scale_and_an_impossible_one_is_refused() -> None:
    _, marks, _, _, ctx = synthetic_photo("front", turn_deg=(5.0, 0.0, 0.0))
    head = ctx.grid.head
    a, b = marks["lateral_canthus_right"], marks["lateral_canthus_left"]
    true_mm = float(
        np.linalg.norm(ctx_points(ctx, "lateral_canthus_right") - ctx_points(ctx, "lateral_canthus_left"))
    )
    doc = {"view": "front", "points_px": marks, "ruler": {"a": a, "b": b, "mm": true_mm}}
    fit = fit_head(parse_anchors(doc, width=SIZE_PX, height=SIZE_PX), head)
    assert fit.size == pytest.approx(1.0, abs=0.05)
    assert not any("no ruler" in w for w in fit.warnings)
    doc["ruler"] = {"a": a, "b": b, "mm": 3.0 * true_mm}  # a head three times too large
    with pytest.raises(InputError) as info:
        fit_head(parse_anchors(doc, width=SIZE_PX, height=SIZE_PX), head)
    assert info.value.code == "impossible_head_scale" and info.value.field == "landmarks.ruler"


def ctx_points(ctx: Any, name: str) -> NDArray[np.float64]:
    from smpstudio.design.landmarks import landmarks

    return landmarks(ctx.grid.head, ctx.hairline_height_mm)[name]


def _true_scalp(ctx: Any, camera: Camera) -> NDArray[np.bool_]:
    """The scalp region the true camera shows (where hair remains or the design puts dots)."""
    grid, maps = ctx.grid, ctx.maps
    cells = (grid.area_mm2 > 0) & ((maps.hair > 0) | (maps.density_per_mm2 > 0))
    pts = grid.points_mm[cells]
    from smpstudio.design.head import surface_normals

    pts = pts[np.einsum("ij,ij->i", surface_normals(grid.head, pts), camera.eye_mm - pts) > 0]
    rc, _ = camera.project(pts)
    r, c = np.floor(rc[:, 0]).astype(int), np.floor(rc[:, 1]).astype(int)
    ok = (r >= 0) & (r < camera.rows) & (c >= 0) & (c < camera.cols)
    region = np.zeros((camera.rows, camera.cols), dtype=bool)
    region[r[ok], c[ok]] = True
    region = ndimage.binary_closing(region, iterations=3)
    return np.asarray(ndimage.binary_dilation(ndimage.binary_fill_holes(region), iterations=3), dtype=bool)


@pytest.mark.parametrize(("view", "turn"), [("front", (8.0, -6.0, 10.0)), ("top", (6.0, 0.0, -8.0))])
def test_dots_land_on_the_scalp_only_and_the_size_is_kept(
    view: str, turn: tuple[float, float, float]
) -> None:
    img, marks, camera, doc, ctx = synthetic_photo(view, turn_deg=turn, noise=2.0)
    result = photo_preview(
        doc, PhotoPreviewRequest.of(photo=_jpeg(img), landmarks={"view": view, "points_px": marks})
    )
    before = np.asarray(Image.open(io.BytesIO(_jpeg(img))).convert("RGB"), dtype=np.int16)
    after = np.asarray(Image.open(io.BytesIO(result.image)).convert("RGB"), dtype=np.int16)
    assert after.shape == before.shape and (result.width, result.height) == (SIZE_PX, SIZE_PX)
    changed = np.abs(after - before).max(axis=2) > 2
    assert changed.sum() > 200 and result.dots_drawn > 1000
    assert result.dots_drawn + result.dots_hidden == len(doc.dots)
    off = changed & ~_true_scalp(ctx, camera)
    assert off.sum() == 0, off.sum()
    # The treated scalp is darker, as healed SMP is, and not black.
    ratio = after[changed].mean() / before[changed].mean()
    assert 0.6 < ratio < 1.0


def test_the_healing_day_changes_the_look() -> None:
    img, marks, _, doc, _ = synthetic_photo("top", turn_deg=(4.0, 0.0, 0.0))
    photo, lm = _jpeg(img), {"view": "top", "points_px": marks}
    before = np.asarray(Image.open(io.BytesIO(photo)).convert("RGB"), dtype=np.int16)
    frames, touched = {}, {}
    for day in (0.0, 3.0, 30.0):
        res = photo_preview(doc, PhotoPreviewRequest.of(photo=photo, landmarks=lm, day=day))
        frames[day] = np.asarray(Image.open(io.BytesIO(res.image)), dtype=np.int16)
        touched[day] = int((np.abs(frames[day] - before).max(axis=2) > 2).sum())
        assert res.day == day
    assert not np.array_equal(frames[3.0], frames[30.0])  # scabs on day 3, healed dots on day 30
    assert touched[0.0] > touched[30.0]  # the redness halo around every fresh dot


def _scalp_error(fit: Any, camera: Camera, head: Any) -> NDArray[np.float64]:
    """Where the fit puts the visible scalp's points against where the true camera does, over the head's
    image size. [-]"""
    from smpstudio.design.head import surface_normals

    d = np.random.default_rng(0).normal(size=(800, 3))
    d[:, 2] = np.abs(d[:, 2])
    pts = surface_points_from_directions(head, d / np.linalg.norm(d, axis=1, keepdims=True))
    sight = camera.eye_mm - pts
    seen = np.einsum("ij,ij->i", surface_normals(head, pts), sight) > 0.2 * np.linalg.norm(sight, axis=1)
    rc, _ = camera.project(pts[seen])
    xy, _ = fit.project(pts[seen])
    head_px = float(np.ptp(rc[:, 0]) + np.ptp(rc[:, 1])) / 2.0
    return np.asarray(np.linalg.norm(xy - rc[:, ::-1], axis=1) / head_px, dtype=np.float64)


def test_outline_points_hold_the_scalp_where_three_face_anchors_drift() -> None:
    """Three face anchors clicked to within 2 px leave the scalp loose (a short lever far from it); seven
    points on the outline of the skull pull the fitted scalp back onto the true one."""
    errors: dict[bool, list[float]] = {False: [], True: []}
    for turn in ((20.0, 0.0, 0.0), (-15.0, 8.0, 5.0)):
        _, marks, camera, _, ctx = synthetic_photo("front", turn_deg=turn)
        head = ctx.grid.head
        rc, _ = camera.project(vault_points(head))
        xy = rc[:, ::-1]
        hull = xy[ConvexHull(xy).vertices]
        upper = hull[
            (hull[:, 1] < np.median(xy[:, 1])) & (hull.min(axis=1) > 1) & (hull.max(axis=1) < SIZE_PX - 1)
        ]
        picked = upper[np.linspace(0, len(upper) - 1, 7).round().astype(int)]
        for seed in range(3):
            rng = np.random.default_rng(seed)
            face = {
                k: [marks[k][0] + rng.normal(0, 2.0), marks[k][1] + rng.normal(0, 2.0)]
                for k in ("lateral_canthus_right", "lateral_canthus_left", "glabella")
            }
            outline = (picked + rng.normal(0, 1.0, picked.shape)).tolist()
            for with_outline in (False, True):
                doc = {"view": "front", "points_px": face, "outline_px": outline if with_outline else []}
                fit = fit_head(parse_anchors(doc, width=SIZE_PX, height=SIZE_PX), head)
                errors[with_outline].append(float(np.percentile(_scalp_error(fit, camera, head), 95)))
                if with_outline:
                    assert fit.outline_error_px is not None and fit.outline_error_px < 3.0
    assert np.mean(errors[True]) < 0.75 * np.mean(errors[False]), errors
    assert np.mean(errors[True]) < 0.04, errors


def test_the_background_beside_a_too_large_fit_gets_no_dots() -> None:
    """Anchors spread 20 % too wide place the head over the background; the mask keeps the dots on the
    head."""
    view = "front"
    img, marks, camera, doc, ctx = synthetic_photo(view, turn_deg=(6.0, 0.0, -8.0), noise=2.0)
    centre = np.mean(list(marks.values()), axis=0)
    wide = {k: (centre + 1.2 * (np.array(v) - centre)).tolist() for k, v in marks.items()}
    d = np.random.default_rng(0).normal(size=(3000, 3))
    rc, _ = camera.project(
        surface_points_from_directions(ctx.grid.head, d / np.linalg.norm(d, axis=1)[:, None])
    )
    hull = rc[ConvexHull(rc).vertices]
    yy, xx = np.mgrid[0:SIZE_PX, 0:SIZE_PX] + 0.5
    on_head = np.ones((SIZE_PX, SIZE_PX), dtype=bool)
    for a, b in zip(hull, np.roll(hull, -1, axis=0), strict=True):
        on_head &= (b[1] - a[1]) * (yy - a[0]) - (b[0] - a[0]) * (xx - a[1]) <= 0
    if on_head.mean() < 0.05:  # the hull came out clockwise
        on_head = ~on_head
    result = photo_preview(
        doc, PhotoPreviewRequest.of(photo=_jpeg(img), landmarks={"view": view, "points_px": wide})
    )
    before = np.asarray(Image.open(io.BytesIO(_jpeg(img))).convert("RGB"), dtype=np.int16)
    after = np.asarray(Image.open(io.BytesIO(result.image)).convert("RGB"), dtype=np.int16)
    changed = np.abs(after - before).max(axis=2) > 2
    assert changed.sum() > 500
    assert (changed & ~ndimage.binary_dilation(on_head, iterations=2)).sum() == 0
