"""The analysis behind a stored repair map, pure: a close-up's bytes and the consultation's inputs in, the
map's JSON document out (every dot with its class, counts per zone, the added dots, the laser and re-SMP
plan), and the images rendered from the two.

The planning itself is :func:`smpstudio.services.repair_plan.plan_repair` (dot classes, target, zones,
laser and re-SMP from the care rules; the sources are in :mod:`smpstudio.repair.compare` and
:mod:`smpstudio.repair.plan`). This module adds what a stored map needs around it:

* the **target** the plan is made against: the hairline the practitioner drew, else the front edge of the
  dots as detected (the hairline kept where it is), else, when the dots reach the photo's front edge, that
  edge (the whole photo lies behind the hairline);
* each dot's class **as found** (the plan without corrections) beside its class now, so a correction can
  be undone; it is planned again only when the target changes;
* the detector's own findings a plan does not carry (the dots' front edge, the spots that are not dots).

Detection is deterministic: the same photo and scale give the same dots in the same order, so a dot's
index names it across corrections.
"""

from __future__ import annotations

import io
import math
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from smpstudio.care.rules import RuleSet
from smpstudio.errors import InputError
from smpstudio.services.repair import RepairDetectRequest, detect
from smpstudio.services.repair_plan import RepairPlanRequest, RepairPlanResult, plan_repair

__all__ = [
    "CLASSES",
    "FRONTS",
    "INKS",
    "SCARRING",
    "DotClass",
    "Front",
    "Ink",
    "Rendered",
    "RepairInputs",
    "Scarring",
    "analyse",
    "check_hairline",
    "class_counts",
    "render",
]

DotClass = Literal["keep", "remove", "watch"]
Front = Literal["top", "bottom", "left", "right"]
Ink = Literal["carbon", "iron-oxide", "titanium-dioxide", "unknown"]
Scarring = Literal["none", "minimal", "moderate", "significant"]
CLASSES: tuple[str, ...] = ("keep", "remove", "watch")
FRONTS: tuple[str, ...] = ("top", "bottom", "left", "right")
INKS: tuple[str, ...] = ("carbon", "iron-oxide", "titanium-dioxide", "unknown")
#: Scarring on the Kirby-Desai scale's steps [kirby2009].
SCARRING: tuple[str, ...] = ("none", "minimal", "moderate", "significant")
#: A target hairline: 2 to this many points.
MAX_HAIRLINE_POINTS = 200
_HAIRLINE_ALLOWED = f"[[x, y], ...]: 2 to {MAX_HAIRLINE_POINTS} points in pixels"
#: The images a map renders, and the plan's field that carries each (None: the photo itself).
IMAGES: dict[str, str | None] = {
    "photo": None,
    "plan": "plan_png",
    "after-removal": "after_removal_png",
    "after-resmp": "after_resmp_png",
}


def check_hairline(value: object) -> list[list[float]] | None:
    """A hairline polyline as ``[[x, y], ...]`` in pixels (None stays None), or an :class:`InputError`
    naming ``hairline_px``."""
    if value is None:
        return None

    def bad(what: str) -> InputError:
        return InputError(what, field="hairline_px", allowed=_HAIRLINE_ALLOWED)

    if not isinstance(value, list | tuple) or not 2 <= len(value) <= MAX_HAIRLINE_POINTS:
        raise bad("not a line of 2 or more points")
    points = []
    for point in value:
        if (
            not isinstance(point, list | tuple)
            or len(point) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in point)
            or not all(math.isfinite(v) and abs(v) <= 1e6 for v in point)
        ):
            raise bad("a point is not [x, y] in pixels")
        points.append([round(float(point[0]), 1), round(float(point[1]), 1)])
    return points


@dataclass(frozen=True)
class RepairInputs:
    """What the practitioner gave with the close-up: its scale [mm/px], the side towards the forehead, the
    ink, skin type (Fitzpatrick), scarring (Kirby-Desai step), the target hairline [px] and design."""

    mm_per_px: float
    front: str
    ink: str
    skin_type: str
    scarring: str
    hairline_px: list[list[float]] | None
    design_version: int | None

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> RepairInputs:
        return cls(**document["inputs"])

    def with_hairline(self, points: list[list[float]] | None) -> RepairInputs:
        return replace(self, hairline_px=points)


def class_counts(dots: list[dict[str, Any]]) -> dict[str, int]:
    """Dots per class, every class named."""
    counts = dict.fromkeys(CLASSES, 0)
    for dot in dots:
        counts[dot["dot_class"]] += 1
    return counts


def _edge(front: str, width: int, height: int) -> list[list[float]]:
    """The photo's front edge as a line (the whole photo behind it)."""
    w, h = float(width), float(height)
    return {
        "top": [[0.0, 0.0], [w, 0.0]],
        "bottom": [[0.0, h], [w, h]],
        "left": [[0.0, 0.0], [0.0, h]],
        "right": [[w, 0.0], [w, h]],
    }[front]


def _target(
    inputs: RepairInputs, detected: list[list[float]] | None, size: tuple[int, int]
) -> tuple[list[list[float]], str]:
    """The line the plan is made against, and where it comes from."""
    width, height = size
    if inputs.hairline_px:
        return inputs.hairline_px, "drawn"
    if detected and len(detected) >= 2:
        clamped = [[min(max(x, 0.0), width), min(max(y, 0.0), height)] for x, y in detected]
        xs, ys = [p[0] for p in clamped], [p[1] for p in clamped]
        if max(xs) - min(xs) + max(ys) - min(ys) >= 2.0:  # a line, not one place (the plan needs one)
            return clamped, "detected"
    return _edge(inputs.front, width, height), "photo edge"


def _plan(
    image: bytes,
    inputs: RepairInputs,
    target: list[list[float]],
    corrections: dict[str, str],
    rules: RuleSet,
    design: dict[str, Any] | None,
    *,
    max_pixels: int,
    images: bool = False,
) -> RepairPlanResult:
    request = RepairPlanRequest.of(
        image=image,
        mm_per_px=inputs.mm_per_px,
        design=design,
        hairline_px=target,
        skin_type=inputs.skin_type,
        front=inputs.front,
        ink=inputs.ink,
        scarring=inputs.scarring,
        corrections={int(k): v for k, v in corrections.items()},
        images=images,
    )
    return plan_repair(request, rules=rules, max_pixels=max_pixels)


def analyse(
    image: bytes,
    inputs: RepairInputs,
    corrections: dict[str, str],
    rules: RuleSet,
    design: dict[str, Any] | None,
    *,
    max_pixels: int,
    previous: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The repair map's document for the close-up ``image`` (no image bytes in it); ``previous``, the
    map's document so far, spares what does not change (detection; the classes as found, when the target
    is the same)."""
    if previous is None:
        found = detect(
            RepairDetectRequest.of(image=image, mm_per_px=inputs.mm_per_px, front=inputs.front),
            max_pixels=max_pixels,
        )
        detection: dict[str, Any] = {
            "width_px": found.width,
            "height_px": found.height,
            "detected_hairline_px": found.hairline.points_px if found.hairline is not None else None,
            "not_dots": [n.to_json() for n in found.not_dots],
            "density_per_cm2": found.density_per_cm2,
            "helmet_regions": [h.to_json() for h in found.helmet_regions],
        }
    else:
        detection = {k: previous[k] for k in ("width_px", "height_px", "detected_hairline_px", "not_dots",
                                               "density_per_cm2", "helmet_regions")}  # fmt: skip
    size = (int(detection["width_px"]), int(detection["height_px"]))
    target, source = _target(inputs, detection["detected_hairline_px"], size)
    if previous is not None and previous.get("target_px") == target:
        as_found = [d["detected_class"] for d in previous["dots"]]
    else:
        as_found = [
            d.dot_class for d in _plan(image, inputs, target, {}, rules, design, max_pixels=max_pixels).dots
        ]
    planned = _plan(image, inputs, target, corrections, rules, design, max_pixels=max_pixels)
    dots = [
        {
            "index": d.index,
            "x_px": d.x_px,
            "y_px": d.y_px,
            "diameter_mm": d.diameter_mm,
            "flags": list(d.flags),
            "dot_class": d.dot_class,
            "detected_class": as_found[d.index] if d.index < len(as_found) else d.dot_class,
            "reasons": list(d.reasons),
            "zone": d.zone,
            "corrected": str(d.index) in corrections,
        }
        for d in planned.dots
    ]
    plan = planned.to_json()
    zones = {
        z["zone"]: {k: z[k] for k in ("keep", "remove", "watch", "added", "before", "after")}
        for z in plan["zones"]
    }
    return {
        "revision": 0,
        "inputs": asdict(inputs),
        **detection,
        "target_px": target,
        "target_source": source,
        "dots": dots,
        "corrections": dict(corrections),
        "zone_counts": zones,
        "plan": {k: v for k, v in plan.items() if k not in ("dots", "files")},
        "warnings": list(planned.warnings),
    }


@dataclass(frozen=True)
class Rendered:
    media_type: str
    width_px: int
    height_px: int
    data: bytes


def render(
    image: bytes,
    document: dict[str, Any],
    which: str,
    rules: RuleSet,
    design: dict[str, Any] | None,
    *,
    max_width_px: int,
    image_format: str = "png",
    max_pixels: int,
) -> Rendered:
    """The photo, the plan drawn over it, or the looks after the removal and after the re-SMP, at most
    ``max_width_px`` wide, as a fresh PNG or JPEG (``image_format``) without metadata."""
    from PIL import Image

    field = IMAGES[which]
    source = image
    if field is not None:
        inputs = RepairInputs.from_document(document)
        planned = _plan(image, inputs, document["target_px"], document.get("corrections", {}), rules, design,
                        max_pixels=max_pixels, images=True)  # fmt: skip
        drawn = getattr(planned, field)
        assert drawn is not None, "a plan asked for images carries them"
        source = drawn
    with Image.open(io.BytesIO(source)) as opened:
        picture = opened.convert("RGB")
    scale = min(1.0, max_width_px / picture.width)
    if scale < 1.0:
        picture = picture.resize(
            (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
        )
    out = io.BytesIO()
    if image_format == "jpeg":
        picture.save(out, format="JPEG", quality=90)
    else:
        picture.save(out, format="PNG")
    media = "image/jpeg" if image_format == "jpeg" else "image/png"
    return Rendered(media, picture.width, picture.height, out.getvalue())
