"""Repair, second use case: plan the repair of an existing SMP against a target.

:func:`plan_repair` finds the dots (:func:`smpstudio.services.repair.detect`), builds the target from a new
hairline drawn on a close-up (``hairline_px``) or from a design placed on a wider photo by its anchors
(``landmarks``, :mod:`smpstudio.repair.target`), classifies every dot (:mod:`smpstudio.repair.compare`)
and finds where dots must be added (:mod:`smpstudio.repair.fill`), plans the laser and the re-SMP sessions
from the care rules (:mod:`smpstudio.repair.plan`) and, when asked, draws the plan map and the two
previews on the photo (:mod:`smpstudio.repair.after_preview`). Pure: nothing is stored; the face stores
the images the result carries and says where with :meth:`RepairPlanResult.stored_at`. The request and
result models are in :mod:`smpstudio.services.repair_plan_models`.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from smpstudio.care.rules import RuleSet, load_rules
from smpstudio.design.document import DesignDocument, load_design
from smpstudio.design.hairline import STYLES
from smpstudio.design.maps import DEFAULT_DENSITY_PER_CM2, DEFAULT_SESSIONS, MapSettings
from smpstudio.errors import DocumentError, InputError
from smpstudio.services.repair import MM_PER_PX_RANGE, RepairDetectRequest, RepairDetectResult, detect
from smpstudio.services.repair_plan_models import (
    AddedDot,
    LaserPlanResult,
    PlanDot,
    RepairPlanRequest,
    RepairPlanResult,
    ResmpPlanResult,
    ZoneCounts,
)

if TYPE_CHECKING:
    from smpstudio.repair.compare import ExistingDots
    from smpstudio.repair.plan import LaserPlan
    from smpstudio.repair.target import Target

__all__ = ["RepairPlanRequest", "RepairPlanResult", "plan_repair"]

#: Style of the default target when no design is given.
DEFAULT_STYLE = "soft"
#: Smallest facing cosine a projected dot is foreshortened by, as the photo preview clips it (a dot seen
#: edge-on keeps sqrt(0.02), a seventh of its size, :mod:`smpstudio.services.photo_preview`). [-]
FACING_COSINE_MIN = 0.02


def _design(request: RepairPlanRequest) -> DesignDocument | None:
    if request.design is None:
        return None
    try:
        return load_design(json.dumps(request.design))
    except DocumentError as exc:
        raise InputError(exc.message, field=f"design{(exc.field or '$')[1:]}", allowed=exc.allowed) from None


def _check_target(request: RepairPlanRequest) -> None:
    if request.hairline_px is not None and request.landmarks is not None:
        raise InputError(
            "give one target", field="hairline_px", allowed="hairline_px (a close-up) or landmarks, not both"
        )
    if request.hairline_px is None and request.landmarks is None:
        raise InputError(
            "the target is missing",
            field="hairline_px",
            allowed="a new hairline in image pixels (a close-up) or landmarks with a design",
        )
    if request.landmarks is not None and request.design is None:
        raise InputError(
            "a design is needed to place on the photo", field="design", allowed="a design document"
        )


def _projected(
    doc: DesignDocument, request: RepairPlanRequest, photo: NDArray[np.uint8]
) -> tuple[NDArray[np.float64], NDArray[np.float64], list[str], float, list[str]]:
    """The design's dots that face the camera inside the photo ([x, y] with pixel centres at integers),
    the scale each is drawn at [px/mm] (the fit's there times the square root of the facing cosine, as the
    photo preview foreshortens its dots, :mod:`smpstudio.services.photo_preview`), their zones, the fit's
    scale at the head centre [mm/px] and its warnings."""
    from smpstudio.design.maps import ZONES
    from smpstudio.photo.anchors import parse_anchors
    from smpstudio.photo.fit import fit_head

    rows, cols = photo.shape[:2]
    anchors = parse_anchors(request.landmarks or {}, width=cols, height=rows)
    ctx = doc.context
    fit = fit_head(anchors, ctx.grid.head, hairline_height_mm=ctx.hairline_height_mm)
    facing, cosine = fit.facing(doc.dots.position_mm)
    xy, px_per_mm = fit.project(doc.dots.position_mm)
    xy = xy - 0.5
    seen = facing & (xy[:, 0] >= 0) & (xy[:, 0] < cols) & (xy[:, 1] >= 0) & (xy[:, 1] < rows)
    zones = [ZONES[z] for z in doc.dots.zone[seen]]
    drawn_px_per_mm = px_per_mm[seen] * np.sqrt(np.clip(cosine[seen], FACING_COSINE_MIN, 1.0))
    return xy[seen], drawn_px_per_mm, zones, fit.mm_per_px, list(fit.warnings)


def _existing(found: RepairDetectResult) -> ExistingDots:
    from smpstudio.repair.compare import ExistingDots

    return ExistingDots(
        x_px=np.array([d.x_px for d in found.dots], dtype=np.float64),
        y_px=np.array([d.y_px for d in found.dots], dtype=np.float64),
        diameter_mm=np.array([d.diameter_mm for d in found.dots], dtype=np.float64),
        contrast=np.array([d.contrast for d in found.dots], dtype=np.float64),
        flags=tuple(tuple(d.flags) for d in found.dots),
        typical_contrast=found.typical_contrast,
    )


def _laser_result(laser: LaserPlan, rules: RuleSet) -> LaserPlanResult:
    est = laser.estimate or {}
    inputs = asdict(laser.inputs)
    inputs["pigment_contains"] = list(inputs["pigment_contains"])
    return LaserPlanResult(
        needed=laser.needed,
        dots=laser.dots,
        inputs=inputs,
        kirby_desai_score=est.get("kirby_desai_score"),
        sessions_kirby_desai=est.get("sessions_kirby_desai"),
        sessions_expected=len(laser.schedule_days),
        sessions_expected_range=est.get("sessions_expected_smp_range"),
        interval_weeks=est.get("interval_weeks"),
        interval_weeks_range=est.get("interval_weeks_range"),
        wavelength_nm=est.get("wavelength_nm"),
        test_spot=laser.test_spot,
        schedule_days=list(laser.schedule_days),
        recommendation=est.get("recommendation"),
        warnings=list(est.get("warnings", [])),
        sources=list(est.get("sources", [])),
        rules_version=str(est.get("rules_version", rules.version)),
    )


def _placed_target(
    request: RepairPlanRequest, doc: DesignDocument, photo: NDArray[np.uint8], warnings: list[str]
) -> tuple[Target, float, dict[str, Any]]:
    """The target of a design placed on the photo by its anchors, the scale (the request's, else the
    fit's at the head centre) and what it is, for the result."""
    from smpstudio.repair.target import target_from_points

    maps = doc.header.maps
    body = float(maps.density_per_cm2)
    xy, px_per_mm, zones, fit_mm_per_px, fit_warnings = _projected(doc, request, photo)
    warnings += fit_warnings
    mm_per_px = request.mm_per_px or fit_mm_per_px
    coarsest = MM_PER_PX_RANGE[1]
    if mm_per_px > coarsest:
        raise InputError(
            f"the photo shows the head at {mm_per_px:.3f} mm per pixel, too coarse to see its dots",
            field="landmarks",
            allowed=f"at least {1.0 / coarsest:g} px per mm on the head (a closer or larger photo)",
            code="photo_too_coarse",
        )
    rows, cols = photo.shape[:2]
    about = {
        "source": "design placed by its anchors",
        "body_density_per_cm2": body,
        "dot_diameter_mm": maps.dot_diameter_mm,
        "design_dots_in_photo": int(xy.shape[0]),
    }
    target = target_from_points(
        xy, zones, (rows, cols), mm_per_px, body_density_per_cm2=body, px_per_mm=px_per_mm
    )
    return target, mm_per_px, about


def plan_repair(
    request: RepairPlanRequest, *, rules: RuleSet | None = None, max_pixels: int = 50_000_000
) -> RepairPlanResult:
    """Plan the repair of the SMP in ``request.image`` (see the module docstring).

    ``rules`` are the care rules in force (the packaged ones by default); ``max_pixels`` the largest photo
    accepted, checked from its header before decoding.
    """
    from smpstudio.photo.image_io import read_photo
    from smpstudio.repair.after_preview import after_removal, after_resmp, new_dot_spots, plan_image, png
    from smpstudio.repair.compare import compare_dots
    from smpstudio.repair.plan import laser_plan, removal_inputs, resmp_plan
    from smpstudio.repair.target import CompareRules, check_polyline, target_from_hairline

    care = rules if rules is not None else load_rules("care")
    _check_target(request)
    doc = _design(request)
    photo = read_photo(request.image, max_pixels=max_pixels, field="photo").srgb8
    rows, cols = photo.shape[:2]
    warnings: list[str] = []
    maps = doc.header.maps if doc is not None else MapSettings()
    target: Target | None = None
    scale = request.mm_per_px
    if request.landmarks is not None and doc is not None:
        target, scale, about = _placed_target(request, doc, photo, warnings)
    else:
        check_polyline(request.hairline_px or [], (rows, cols), "hairline_px")
        style = doc.header.hairline.style if doc is not None else DEFAULT_STYLE
        about = {
            "source": "new hairline on a close-up",
            "body_density_per_cm2": float(maps.density_per_cm2),
            "dot_diameter_mm": maps.dot_diameter_mm,
            "style": style,
            "front": request.front,
        }
        if doc is None:
            warnings.append(
                f"no design: the target is the default design's ({DEFAULT_DENSITY_PER_CM2:g} per cm², "
                f"{DEFAULT_STYLE} hairline)"
            )
    found = detect(
        RepairDetectRequest.of(
            image=request.image,
            mm_per_px=scale,
            ruler_mm=request.ruler_mm if scale is None else None,
            front=request.front,
        ),
        max_pixels=max_pixels,
    )
    mm_per_px = found.mm_per_px
    warnings += found.warnings
    compare_rules = CompareRules(over_dense_margin=request.over_dense_margin)
    if target is None:
        target = target_from_hairline(
            request.hairline_px or [],
            (rows, cols),
            mm_per_px,
            front=request.front,
            body_density_per_cm2=float(maps.density_per_cm2),
            style=STYLES[about["style"]],
            rules=compare_rules,
        )
    dots = _existing(found)
    comparison = compare_dots(
        dots, target, corrections=request.corrections, rules=compare_rules, seed=request.seed
    )
    inputs = removal_inputs(
        x_px=dots.x_px,
        y_px=dots.y_px,
        diameter_mm=dots.diameter_mm,
        contrast=dots.contrast,
        flags=dots.flags,
        classes=comparison.classes,
        mm_per_px=mm_per_px,
        ink=request.ink,
        scarring=request.scarring,
    )
    n_remove = sum(1 for c in comparison.classes if c == "remove")
    laser = laser_plan(care, skin_type=request.skin_type, inputs=inputs, dots=n_remove)
    treated = [z for z in comparison.zone_counts if z.zone != "outside"]
    sessions = list(doc.header.maps.sessions) if doc is not None else list(DEFAULT_SESSIONS)
    resmp = resmp_plan(
        care,
        added=int(comparison.added_xy_px.shape[0]),
        after=sum(z.after for z in treated),
        sessions=sessions,
        laser=laser,
    )
    if dots.count == 0:
        warnings.append("no dots found: nothing to classify; the plan is a new SMP")
    images: dict[str, bytes | None] = {"plan": None, "after_removal": None, "after_resmp": None}
    if request.images:
        go = np.array([c == "remove" for c in comparison.classes], dtype=bool)
        images["plan"] = plan_image(
            photo,
            dots.x_px,
            dots.y_px,
            dots.diameter_mm,
            comparison.classes,
            comparison.corrected,
            comparison.added_xy_px,
            mm_per_px,
            hairline_px=target.hairline_px,
        )
        cleared = after_removal(photo, dots.x_px[go], dots.y_px[go], dots.diameter_mm[go], mm_per_px)
        images["after_removal"] = png(cleared)
        fwhm, peak = new_dot_spots(
            comparison.added_zones,
            dot_diameter_mm=maps.dot_diameter_mm,
            ink_fraction=maps.ink_fraction,
            skin_type=request.skin_type,
            seed=request.seed,
        )
        images["after_resmp"] = png(
            after_resmp(cleared, comparison.added_xy_px, fwhm, peak, comparison.added_px_per_mm)
        )
    counts = {c: sum(1 for k in comparison.classes if k == c) for c in ("keep", "remove", "watch")}
    return RepairPlanResult(
        width=cols,
        height=rows,
        mm_per_px=mm_per_px,
        scale_from="anchors"
        if request.landmarks is not None and request.mm_per_px is None
        else ("given" if request.mm_per_px is not None else "ruler"),
        ruler=None if found.ruler is None else found.ruler.to_json(),
        count=dots.count,
        target=about,
        classes=counts | {"added": int(comparison.added_xy_px.shape[0])},
        dots=[
            PlanDot.model_validate(
                {
                    "index": i,
                    "x_px": round(float(dots.x_px[i]), 2),
                    "y_px": round(float(dots.y_px[i]), 2),
                    "diameter_mm": round(float(dots.diameter_mm[i]), 4),
                    "flags": list(dots.flags[i]),
                    "class": comparison.classes[i],
                    "reasons": list(comparison.reasons[i]),
                    "zone": comparison.zones[i],
                    "corrected": comparison.corrected[i],
                }
            )
            for i in range(dots.count)
        ],
        zones=[ZoneCounts.model_validate(asdict(z)) for z in comparison.zone_counts],
        added=[
            AddedDot(x_px=round(float(x), 2), y_px=round(float(y), 2), zone=z)
            for (x, y), z in zip(comparison.added_xy_px, comparison.added_zones, strict=True)
        ],
        density_before_per_cm2=comparison.density_before_per_cm2,
        density_after_per_cm2=comparison.density_after_per_cm2,
        target_density_per_cm2=comparison.target_density_per_cm2,
        after_over_target_max=comparison.after_over_target_max,
        laser=_laser_result(laser, care),
        resmp=ResmpPlanResult.model_validate(asdict(resmp)),
        rules={k: float(v) for k, v in asdict(compare_rules).items()},
        warnings=warnings,
        plan_png=images["plan"],
        after_removal_png=images["after_removal"],
        after_resmp_png=images["after_resmp"],
    )
