"""The landmarks file: clicked anchors on a photo, named as the project's landmarks, optional points on the
head's outline and an optional ruler.

::

    {"view": "front",
     "points_px": {"glabella": [x, y], "lateral_canthus_right": [x, y], ...},
     "outline_px": [[x, y], [x, y], ...],
     "ruler": {"a": [x, y], "b": [x, y], "mm": 50},
     "mask_strokes": [{"mode": "not_skin", "radius_px": 12, "points_px": [[x, y], ...]}, ...]}

``outline_px`` (optional, up to :data:`MAX_OUTLINE_POINTS`) are points anywhere on the outline of the skull
above the ears, where the scalp's skin (not the hair) meets the background: they hold the head's size,
shape and tilt where the named anchors cannot (a bowed head, a shaved crown with no landmark on it).

``mask_strokes`` (optional, up to :data:`MAX_MASK_STROKES`) are the practitioner's brush strokes on the
scalp mask, in order: round-capped polylines of ``radius_px`` (1-500 px) through up to
:data:`MAX_STROKE_POINTS` points; a ``"skin"`` stroke marks scalp skin (dots may go there), a
``"not_skin"`` stroke removes it (hair, ear, background). :func:`smpstudio.photo.scalp_mask.apply_strokes`
paints them on the automatic mask.

Pixels are image pixels, ``x`` to the right and ``y`` down, the top-left pixel's centre at ``[0.5, 0.5]``.
Left and right are the client's own sides: in a front view ``lateral_canthus_right`` is on the image's left.
Every problem is an :class:`~smpstudio.errors.InputError` naming the field: a missing or unknown view, a
missing, duplicate or unknown point, a value that is not a finite number, a point outside the image, and two
points in an order no head shows in that view (the client's right on the wrong side, the glabella above the
vertex). The order check projects the canonical head's landmarks with the view's camera and compares only
pairs the view separates clearly, so a tilted or bowed head (up to about 45 degrees) passes.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from smpstudio.design.head import Head, surface_normals
from smpstudio.design.landmarks import LANDMARK_NAMES, landmarks
from smpstudio.errors import DocumentError, InputError, echo
from smpstudio.render.camera import VIEWS, view_camera
from smpstudio.render.landmarks_px import landmarks_px

__all__ = [
    "MAX_MASK_STROKES",
    "MAX_OUTLINE_POINTS",
    "MAX_STROKE_POINTS",
    "MIN_ANCHORS",
    "PHOTO_VIEWS",
    "STROKE_MODES",
    "STROKE_RADIUS_RANGE_PX",
    "Anchors",
    "MaskStroke",
    "Ruler",
    "check_order",
    "mask_strokes",
    "parse_anchors",
]

#: The views a photo can be taken from (the canonical cameras of :mod:`smpstudio.render.camera`).
PHOTO_VIEWS = tuple(VIEWS)
#: The fewest anchors the fit takes: pose, scale and position need at least three points off one line.
MIN_ANCHORS = 3
#: Most points on the head's outline a landmarks file may give. [-]
MAX_OUTLINE_POINTS = 64
#: Most brush strokes on the scalp mask, and most points in one stroke. [-]
MAX_MASK_STROKES, MAX_STROKE_POINTS = 200, 2000
#: Brush radii accepted, in the photo's own pixels. [px]
STROKE_RADIUS_RANGE_PX = (1.0, 500.0)
#: What a brush stroke paints: scalp skin (dots may go there) or not scalp skin.
STROKE_MODES = ("skin", "not_skin")
#: Ruler lengths accepted. [mm]
RULER_RANGE_MM = (5.0, 500.0)
#: Two projected landmarks are ordered along an image axis when they lie this share of the projected
#: head's size apart along it and at least twice as far along it as across it. [-]
ORDER_SEPARATION = 0.12
#: A landmark whose surface turns further than this from the view's camera (cosine between its normal and
#: the line of sight; about 110 degrees) cannot be clicked in that view, however the head is turned. [-]
HIDDEN_COSINE = -0.35

#: Views photographed at any turn in the image's plane (a top view with the face up, down or aside): their
#: canonical landmarks are first turned (no mirror) to match the clicked ones, so that only a mirrored
#: order (the client's right on the wrong side) is refused.
FREE_TURN_VIEWS = ("top",)

#: Keys a suggested landmarks document carries besides the anchors (``smp landmarks``); read and ignored.
INFORMATIONAL_KEYS = ("confidence", "mm_per_px", "width", "height", "method", "warnings")

_POINTS_ALLOWED = "{name: [x, y]} with names from " + ", ".join(LANDMARK_NAMES)


@dataclass(frozen=True, slots=True)
class Ruler:
    """Two image points [px] whose distance on the head is ``mm`` [mm]."""

    a_px: tuple[float, float]
    b_px: tuple[float, float]
    mm: float

    @property
    def length_px(self) -> float:
        return math.hypot(self.b_px[0] - self.a_px[0], self.b_px[1] - self.a_px[1])


@dataclass(frozen=True, slots=True)
class MaskStroke:
    """One brush stroke on the scalp mask: ``mode`` (``"skin"`` or ``"not_skin"``), its radius [px] and
    the points of its polyline [px], in the photo's own pixels."""

    mode: str
    radius_px: float
    points_px: tuple[tuple[float, float], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "radius_px": round(self.radius_px, 2),
            "points_px": [[round(x, 2), round(y, 2)] for x, y in self.points_px],
        }


@dataclass(frozen=True, slots=True)
class Anchors:
    """A photo's view, its clicked anchors ``{name: (x, y)}`` [px], points on the head's outline [px] and
    the optional ruler."""

    view: str
    points_px: dict[str, tuple[float, float]]
    ruler: Ruler | None = None
    outline_px: tuple[tuple[float, float], ...] = ()
    mask_strokes: tuple[MaskStroke, ...] = ()

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "view": self.view,
            "points_px": {k: [round(v[0], 2), round(v[1], 2)] for k, v in self.points_px.items()},
        }
        if self.outline_px:
            body["outline_px"] = [[round(x, 2), round(y, 2)] for x, y in self.outline_px]
        if self.ruler is not None:
            body["ruler"] = {"a": list(self.ruler.a_px), "b": list(self.ruler.b_px), "mm": self.ruler.mm}
        if self.mask_strokes:
            body["mask_strokes"] = [stroke.to_json() for stroke in self.mask_strokes]
        return body


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            field = f"landmarks.points_px.{key}" if key in LANDMARK_NAMES else f"landmarks.{key}"
            raise InputError(f"{echo(key)} is given twice", field=field, allowed="each name once")
        out[key] = value
    return out


def _reject_constant(name: str) -> float:
    raise InputError(f"{name} is not a number", field="landmarks", allowed="finite numbers")


def _point(value: object, field: str, width: int, height: int) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise InputError("not a point", field=field, allowed="[x, y] in image pixels")
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise InputError(
                f"{echo(v)} is not a finite number", field=field, allowed="[x, y] in image pixels"
            )
        out.append(float(v))
    x, y = out
    if not (0.0 <= x <= width and 0.0 <= y <= height):
        raise InputError(
            f"[{x:g}, {y:g}] is outside the {width} x {height} photo",
            field=field,
            allowed=f"0 <= x <= {width}, 0 <= y <= {height}",
            code="point_outside_image",
        )
    return x, y


def parse_anchors(document: str | bytes | dict[str, Any], *, width: int, height: int) -> Anchors:
    """Check a landmarks document (JSON text or the parsed object) against a ``width`` x ``height`` photo.

    Raises
    ------
    InputError
        Naming the field (``landmarks.view``, ``landmarks.points_px.glabella``, ``landmarks.ruler.mm``...).
    """
    if isinstance(document, str | bytes):
        try:
            raw = json.loads(document, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            raise DocumentError(
                f"not valid JSON (line {exc.lineno}, column {exc.colno})", field="landmarks"
            ) from None
        except (RecursionError, UnicodeDecodeError, ValueError):
            raise DocumentError("not a readable JSON document", field="landmarks") from None
    else:
        raw = document
    if not isinstance(raw, dict):
        raise InputError("not an object", field="landmarks", allowed='{"view": ..., "points_px": {...}}')
    known = {"view", "points_px", "outline_px", "ruler", "mask_strokes", *INFORMATIONAL_KEYS}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InputError(
            f"unknown key {echo(unknown[0])}",
            field="landmarks",
            allowed="view, points_px, outline_px, ruler, mask_strokes",
        )
    view = raw.get("view")
    if view is None:
        raise InputError("missing", field="landmarks.view", allowed=", ".join(PHOTO_VIEWS))
    if not isinstance(view, str) or view not in PHOTO_VIEWS:
        raise InputError(f"unknown view {echo(view)}", field="landmarks.view", allowed=", ".join(PHOTO_VIEWS))
    points = raw.get("points_px")
    if not isinstance(points, dict):
        what = "missing" if points is None else "not an object"
        raise InputError(what, field="landmarks.points_px", allowed=_POINTS_ALLOWED)
    parsed: dict[str, tuple[float, float]] = {}
    for name, value in points.items():
        if name not in LANDMARK_NAMES:
            raise InputError(
                f"unknown landmark {echo(name)}",
                field="landmarks.points_px",
                allowed=", ".join(LANDMARK_NAMES),
            )
        parsed[name] = _point(value, f"landmarks.points_px.{name}", width, height)
    if len(parsed) < MIN_ANCHORS:
        raise InputError(
            f"{len(parsed)} anchor{'s' if len(parsed) != 1 else ''} given",
            field="landmarks.points_px",
            allowed=f"at least {MIN_ANCHORS} named landmarks the {view} view shows",
            code="too_few_anchors",
        )
    seen: dict[tuple[float, float], str] = {}
    for name, xy in parsed.items():
        if xy in seen:
            raise InputError(
                f"{name} is at the same pixel as {seen[xy]}",
                field=f"landmarks.points_px.{name}",
                allowed="distinct points",
                code="duplicate_point",
            )
        seen[xy] = name
    ruler = _ruler(raw.get("ruler"), width, height)
    outline = _outline(raw.get("outline_px"), width, height)
    strokes = mask_strokes(raw.get("mask_strokes"), width, height)
    return Anchors(view=view, points_px=parsed, ruler=ruler, outline_px=outline, mask_strokes=strokes)


def mask_strokes(raw: object, width: int, height: int) -> tuple[MaskStroke, ...]:
    """Check the ``mask_strokes`` of a landmarks document (``None``: no stroke) against a ``width`` x
    ``height`` photo; each problem is an :class:`InputError` naming ``landmarks.mask_strokes.<i>...``."""
    if raw is None:
        return ()
    field = "landmarks.mask_strokes"
    allowed = (
        f'a list of up to {MAX_MASK_STROKES} strokes {{"mode": "skin" | "not_skin", "radius_px": r, '
        '"points_px": [[x, y], ...]}'
    )
    if not isinstance(raw, list) or len(raw) > MAX_MASK_STROKES:
        raise InputError("not a list of strokes in range", field=field, allowed=allowed)
    out = []
    for i, item in enumerate(raw):
        at = f"{field}.{i}"
        if not isinstance(item, dict) or set(item) != {"mode", "radius_px", "points_px"}:
            raise InputError("not a stroke", field=at, allowed=allowed)
        mode = item["mode"]
        if not isinstance(mode, str) or mode not in STROKE_MODES:
            raise InputError(
                f"unknown mode {echo(mode)}", field=f"{at}.mode", allowed=", ".join(STROKE_MODES)
            )
        radius = item["radius_px"]
        low, high = STROKE_RADIUS_RANGE_PX
        if (
            isinstance(radius, bool)
            or not isinstance(radius, int | float)
            or not math.isfinite(radius)
            or not low <= radius <= high
        ):
            raise InputError(
                f"{echo(radius)} is not a radius in range",
                field=f"{at}.radius_px",
                allowed=f"{low:g} to {high:g} px",
            )
        points = item["points_px"]
        if not isinstance(points, list) or not 1 <= len(points) <= MAX_STROKE_POINTS:
            raise InputError(
                "not a list of points in range",
                field=f"{at}.points_px",
                allowed=f"1 to {MAX_STROKE_POINTS} points [x, y] in image pixels",
            )
        xy = tuple(_point(v, f"{at}.points_px.{j}", width, height) for j, v in enumerate(points))
        out.append(MaskStroke(mode, float(radius), xy))
    return tuple(out)


def _outline(raw: object, width: int, height: int) -> tuple[tuple[float, float], ...]:
    if raw is None:
        return ()
    allowed = f"a list of up to {MAX_OUTLINE_POINTS} points [x, y] on the head's outline"
    if not isinstance(raw, list) or len(raw) > MAX_OUTLINE_POINTS:
        raise InputError("not a list of points in range", field="landmarks.outline_px", allowed=allowed)
    points = tuple(_point(v, f"landmarks.outline_px.{i}", width, height) for i, v in enumerate(raw))
    if len(set(points)) != len(points):
        raise InputError(
            "a point is given twice", field="landmarks.outline_px", allowed=allowed, code="duplicate_point"
        )
    return points


def _ruler(raw: object, width: int, height: int) -> Ruler | None:
    if raw is None:
        return None
    allowed = '{"a": [x, y], "b": [x, y], "mm": length}'
    if not isinstance(raw, dict) or set(raw) != {"a", "b", "mm"}:
        raise InputError("not a ruler", field="landmarks.ruler", allowed=allowed)
    a = _point(raw["a"], "landmarks.ruler.a", width, height)
    b = _point(raw["b"], "landmarks.ruler.b", width, height)
    mm = raw["mm"]
    if (
        isinstance(mm, bool)
        or not isinstance(mm, int | float)
        or not RULER_RANGE_MM[0] <= mm <= RULER_RANGE_MM[1]
    ):
        raise InputError(
            f"{echo(mm)} is not a length in range",
            field="landmarks.ruler.mm",
            allowed=f"{RULER_RANGE_MM[0]:g} to {RULER_RANGE_MM[1]:g} mm",
        )
    if math.hypot(b[0] - a[0], b[1] - a[1]) < 2.0:
        raise InputError("a and b are less than 2 px apart", field="landmarks.ruler", allowed=allowed)
    return Ruler(a, b, float(mm))


def _turned(canon: dict[str, list[float]], clicked: dict[str, tuple[float, float]]) -> dict[str, list[float]]:
    """``canon`` turned in the image's plane about its centroid by the rotation (no reflection) that best
    takes its points named in ``clicked`` onto them (the angle of the 2-D Procrustes fit)."""
    names = list(clicked)
    p = np.array([canon[n] for n in names], dtype=np.float64)
    q = np.array([clicked[n] for n in names], dtype=np.float64)
    pc, qc = p - p.mean(axis=0), q - q.mean(axis=0)
    angle = float(np.arctan2(np.sum(pc[:, 0] * qc[:, 1] - pc[:, 1] * qc[:, 0]), np.sum(pc * qc)))
    c, s = np.cos(angle), np.sin(angle)
    centre = p.mean(axis=0)
    out = {}
    for name, (x, y) in canon.items():
        dx, dy = x - centre[0], y - centre[1]
        out[name] = [float(centre[0] + c * dx - s * dy), float(centre[1] + s * dx + c * dy)]
    return out


def check_order(anchors: Anchors, head: Head, *, hairline_height_mm: float = 80.0) -> None:
    """Refuse anchors in an order no head shows in their view, or that the view cannot show.

    The canonical head's landmarks are projected with the view's camera; for every pair of given anchors
    that the projection separates clearly along the image's x (or y) axis, the clicked points must keep
    that order. A landmark the view does not show at all (the glabella in a back view) is refused too.
    """
    camera = view_camera(head, anchors.view, 1000)
    marks = landmarks(head, hairline_height_mm)
    names_all = list(marks)
    xyz = np.array([marks[n] for n in names_all])
    rc, _ = camera.project(xyz)
    sight = camera.eye_mm - xyz
    cos = np.einsum("ij,ij->i", surface_normals(head, xyz), sight) / np.linalg.norm(sight, axis=1)
    shown = {n: float(c) for n, c in zip(names_all, cos, strict=True)}
    canon = {n: [float(rc[i, 1]), float(rc[i, 0])] for i, n in enumerate(names_all)}
    if anchors.view != "top":  # the top of the outline, as landmarks_px places it
        canon.update({k: v for k, v in landmarks_px(head, camera).items() if k == "vertex"})
        shown["vertex"] = 1.0
    hidden = [n for n in anchors.points_px if shown[n] < HIDDEN_COSINE]
    if hidden:
        raise InputError(
            f"{hidden[0]} cannot be seen in a {anchors.view} view",
            field=f"landmarks.points_px.{hidden[0]}",
            allowed=", ".join(n for n in LANDMARK_NAMES if shown[n] >= HIDDEN_COSINE),
            code="impossible_anchor",
        )
    names = list(anchors.points_px)
    if anchors.view in FREE_TURN_VIEWS and len(names) >= 2:
        canon = _turned(canon, {n: anchors.points_px[n] for n in names})
    pts = np.array([canon[n] for n in LANDMARK_NAMES if shown[n] > 0.0])
    span = float(np.max(np.ptp(pts, axis=0)))
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            d = np.subtract(canon[b], canon[a])
            for axis, word in ((0, ("left", "right")), (1, ("above", "below"))):
                along, across = abs(float(d[axis])), abs(float(d[1 - axis]))
                if along < ORDER_SEPARATION * span or along < 2.0 * across:
                    continue
                clicked = anchors.points_px[b][axis] - anchors.points_px[a][axis]
                if np.sign(clicked) != np.sign(d[axis]):
                    side = word[0] if d[axis] > 0 else word[1]
                    sides = " (left and right are the client's own sides)" if axis == 0 else ""
                    raise InputError(
                        f"{a} must be {side} of {b} in a {anchors.view} view{sides}",
                        field=f"landmarks.points_px.{a}",
                        allowed=f"points in the order a {anchors.view} view shows them",
                        code="impossible_anchor_order",
                    )
