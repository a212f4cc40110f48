"""The repair plan: the laser inputs from the photo, the laser and re-SMP sessions, and the use case end to
end on synthetic close-ups (render, then plan)."""

from __future__ import annotations

import io
import json
from functools import cache
from typing import Any

import numpy as np
import pytest
from PIL import Image

from smpstudio.care.rules import load_rules
from smpstudio.design.document import dump_design
from smpstudio.errors import InputError
from smpstudio.repair.plan import (
    INK_BOUNDS,
    TEST_SPOT_READ_DAYS,
    laser_plan,
    removal_inputs,
    resmp_plan,
)
from smpstudio.repair.synthetic import SyntheticCloseup, synthetic_closeup
from smpstudio.services.repair_plan import RepairPlanRequest, RepairPlanResult, plan_repair
from tests.conftest import make_design

MM_PER_PX = 1.0 / 30.0
RULES = load_rules("care")


def grid(spacing_mm: float, n: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Dot centres [px] on a square grid."""
    k = np.arange(n) * spacing_mm / MM_PER_PX + 30.0
    x, y = np.meshgrid(k, k)
    return x.ravel(), y.ravel()


def inputs_for(
    spacing_mm: float, *, contrast: float = 0.6, flags: tuple[str, ...] = (), ink: str = "carbon"
) -> Any:
    x, y = grid(spacing_mm)
    n = x.size
    return removal_inputs(
        x_px=x,
        y_px=y,
        diameter_mm=np.full(n, 0.4),
        contrast=np.full(n, contrast),
        flags=[flags] * n,
        classes=["remove"] * n,
        mm_per_px=MM_PER_PX,
        ink=ink,
        scarring="none",
    )


def test_the_amount_of_ink_grows_with_density_and_contrast() -> None:
    sparse = inputs_for(3.0, contrast=0.2)
    usual = inputs_for(1.0)
    helmet = inputs_for(0.6)
    assert sparse.ink_amount == "minimal" and sparse.ink_light_share < INK_BOUNDS[0]
    assert usual.ink_amount == "moderate"
    assert helmet.ink_amount == "significant" and helmet.ink_light_share > INK_BOUNDS[1]
    # A healed SMP at 1 mm spacing takes 8-20 % of the light, as the healed-look calibration expects.
    assert INK_BOUNDS[0] <= usual.ink_light_share <= INK_BOUNDS[1]


def test_colour_layering_and_pigment_come_from_the_photo_and_the_ink() -> None:
    blue = inputs_for(1.0, flags=("blue",), ink="unknown")
    assert blue.colour == "black" and blue.colour_seen == "blue-black" and blue.blue_share == 1.0
    assert blue.pigment_contains == ("iron-oxide", "titanium-dioxide")
    merged = inputs_for(1.0, flags=("merged",), ink="iron-oxide")
    assert merged.layering == "cover-up" and merged.pigment_contains == ("iron-oxide",)
    plain = inputs_for(1.0)
    assert plain.layering == "none" and plain.colour_seen == "black" and plain.pigment_contains == ()
    with pytest.raises(InputError) as err:
        inputs_for(1.0, ink="soot")
    assert err.value.field == "ink"


def test_the_laser_plan_follows_the_removal_estimate_and_the_test_spot() -> None:
    plain = laser_plan(RULES, skin_type="III", inputs=inputs_for(1.0), dots=100)
    assert plain.needed and not plain.test_spot and plain.estimate is not None
    assert plain.estimate["wavelength_nm"] == 1064
    assert plain.schedule_days[0] == 0
    assert np.all(np.diff(plain.schedule_days) == 7 * plain.estimate["interval_weeks"])
    tested = laser_plan(RULES, skin_type="V", inputs=inputs_for(1.0, ink="unknown"), dots=100)
    assert tested.test_spot and tested.schedule_days[0] == TEST_SPOT_READ_DAYS
    assert (
        tested.estimate is not None and tested.estimate["interval_weeks"] > plain.estimate["interval_weeks"]
    )
    none = laser_plan(RULES, skin_type="III", inputs=inputs_for(1.0), dots=0)
    assert not none.needed and none.estimate is None and none.schedule_days == []


@pytest.mark.parametrize(("added", "sessions"), [(0, 0), (30, 1), (45, 1), (70, 2), (95, 3)])
def test_resmp_sessions_follow_the_design_sessions(added: int, sessions: int) -> None:
    laser = laser_plan(RULES, skin_type="III", inputs=inputs_for(1.0), dots=10)
    plan = resmp_plan(RULES, added=added, after=100, sessions=[0.45, 0.8, 1.0], laser=laser)
    assert plan.sessions == sessions and sum(plan.dots_per_session) == added
    if sessions:
        assert plan.wait_after_laser_days == 90 and "90 days" in plan.wait_source
        assert plan.schedule_days[0] == laser.last_day + 90
        assert np.all(np.diff(plan.schedule_days) == plan.interval_days)
    no_laser = laser_plan(RULES, skin_type="III", inputs=inputs_for(1.0), dots=0)
    straight_away = resmp_plan(RULES, added=added, after=100, sessions=[0.45, 0.8, 1.0], laser=no_laser)
    assert straight_away.wait_after_laser_days == 0


# --- the use case ------------------------------------------------------------------------------------


@cache
def design(density: float = 115.0) -> dict[str, Any]:
    """A design's document with its dots left out (a close-up's target needs only its header)."""
    _, _, doc = make_design("norwood-6", "defined", density=density)
    data: dict[str, Any] = json.loads(dump_design(doc))
    data["dots"] = []
    data["summary"]["dot_count"] = 0
    return data


@cache
def photo(*, special: int = 0) -> SyntheticCloseup:
    return synthetic_closeup(
        size_px=(360, 360),
        mm_per_px=MM_PER_PX,
        seed=2,
        front_mm=3.0,
        special=special,
        decoys=False,
        helmet=False,
    )


def hairline_of(shot: SyntheticCloseup, ahead_mm: float = 0.6) -> list[list[float]]:
    cols = np.arange(0.0, 361.0, 30.0)
    edge = np.interp(cols, np.arange(360), shot.hairline_mm) - ahead_mm
    depth_px = edge.clip(0.0, 12.0) / MM_PER_PX
    points: list[list[float]] = np.column_stack([cols.clip(0, 360), depth_px]).tolist()
    return points


def request(**values: Any) -> RepairPlanRequest:
    shot = photo()
    base: dict[str, Any] = {
        "image": shot.jpeg,
        "mm_per_px": MM_PER_PX,
        "design": design(),
        "hairline_px": hairline_of(shot),
        "ink": "carbon",
    }
    return RepairPlanRequest.of(**(base | values))


def test_a_clean_smp_at_the_design_density_needs_no_laser() -> None:
    result = plan_repair(request())
    assert result.count > 80
    assert result.classes["keep"] >= 0.95 * result.count and result.classes["remove"] == 0
    assert not result.laser.needed and result.laser.schedule_days == []
    assert result.resmp.wait_after_laser_days == 0
    assert result.target["style"] == "defined" and result.target["body_density_per_cm2"] == 115.0


def test_the_plan_json_holds_every_dot_once_and_the_images_when_asked() -> None:
    shot = photo(special=2)
    line = [[0.0, 6.0 / MM_PER_PX], [360.0, 6.0 / MM_PER_PX]]
    result = plan_repair(request(image=shot.jpeg, hairline_px=line, ink="unknown", images=True))
    body = result.to_json()
    assert {"plan_png", "after_removal_png", "after_resmp_png"}.isdisjoint(body)
    assert [d["index"] for d in body["dots"]] == list(range(result.count))
    for dot in body["dots"]:
        assert dot["class"] in ("keep", "remove", "watch") and set(dot) >= {
            "x_px",
            "y_px",
            "reasons",
            "corrected",
        }
    assert sum(body["classes"][c] for c in ("keep", "remove", "watch")) == result.count
    assert body["laser"]["needed"] and body["laser"]["test_spot"]
    assert body["resmp"]["schedule_days"][0] >= body["laser"]["schedule_days"][-1] + 90
    for png in (result.plan_png, result.after_removal_png, result.after_resmp_png):
        assert png is not None
        with Image.open(io.BytesIO(png)) as im:
            assert im.format == "PNG" and im.width == 360
    # After removal the removed dots' places are lighter; elsewhere nothing changes.
    before = np.asarray(Image.open(io.BytesIO(shot.jpeg)).convert("L"), dtype=np.float64)
    assert result.after_removal_png is not None
    after = np.asarray(Image.open(io.BytesIO(result.after_removal_png)).convert("L"), dtype=np.float64)
    gone = [d for d in result.dots if d.dot_class == "remove"]
    lift = [after[round(d.y_px), round(d.x_px)] - before[round(d.y_px), round(d.x_px)] for d in gone]
    assert np.median(lift) > 10.0
    kept = [d for d in result.dots if d.dot_class == "keep"][:20]
    assert all(after[round(d.y_px), round(d.x_px)] == before[round(d.y_px), round(d.x_px)] for d in kept)
    assert result.stored_at({"plan": "p.png"}).to_json()["files"] == {"plan": "p.png"}


def test_corrections_override_the_automatic_classes() -> None:
    line = [[0.0, 6.0 / MM_PER_PX], [360.0, 6.0 / MM_PER_PX]]
    auto = plan_repair(request(hairline_px=line))
    gone = next(d.index for d in auto.dots if d.dot_class == "remove")
    fixed = plan_repair(request(hairline_px=line, corrections={str(gone): "keep"}))
    dot = fixed.dots[gone]
    assert dot.dot_class == "keep" and dot.corrected and "outside_hairline" in dot.reasons
    assert fixed.classes["remove"] == auto.classes["remove"] - 1
    with pytest.raises(InputError) as err:
        plan_repair(request(corrections={"100000": "keep"}))
    assert err.value.field == "corrections"


def bare_skin_png() -> bytes:
    """A photo of bare skin: one colour with a little sensor noise."""
    rng = np.random.default_rng(0)
    skin = np.array([205.0, 160.0, 130.0]) + rng.normal(0.0, 1.5, size=(360, 360, 3))
    buffer = io.BytesIO()
    Image.fromarray(np.round(skin).clip(0, 255).astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_photo_without_dots_gives_an_empty_plan() -> None:
    result = plan_repair(
        request(image=bare_skin_png(), hairline_px=[[0.0, 30.0], [360.0, 30.0]], images=True)
    )
    assert result.count == 0 and result.dots == [] and not result.laser.needed
    assert result.resmp.needed and result.resmp.dots == len(result.added) > 50
    assert any("no dots" in w for w in result.warnings)
    assert result.after_resmp_png is not None


@pytest.mark.parametrize(
    "hairline",
    [[[10.0, 10.0]], [[10.0, 10.0], [900.0, 10.0]], [[10.0, float("nan")], [200.0, 10.0]], []],
)
def test_a_bad_hairline_is_refused_naming_it(hairline: list[list[float]]) -> None:
    with pytest.raises(InputError) as err:
        plan_repair(request(hairline_px=hairline))
    assert err.value.field is not None and err.value.field.startswith("hairline")


def test_the_target_and_the_design_are_checked() -> None:
    with pytest.raises(InputError) as err:
        plan_repair(request(hairline_px=None))
    assert err.value.field == "hairline_px"
    with pytest.raises(InputError) as err:
        plan_repair(request(hairline_px=None, landmarks={"view": "front"}, design=None))
    assert err.value.field == "design"
    broken = design() | {"maps": {"density_per_cm2": 5000}}
    with pytest.raises(InputError) as err:
        plan_repair(request(design=broken))
    assert err.value.field is not None and err.value.field.startswith("design")
    with pytest.raises(InputError) as err:
        RepairPlanRequest.of(image=b"x", mm_per_px=MM_PER_PX, hairline_px=[[0, 0], [1, 1]], ink="soot")
    assert err.value.field == "ink"


def test_without_a_design_the_default_target_is_used_and_said() -> None:
    result = plan_repair(request(design=None))
    assert result.target["body_density_per_cm2"] == 80.0
    assert any("no design" in w for w in result.warnings)


@cache
def placed() -> tuple[RepairPlanResult, tuple[Any, Any], dict[str, Any], np.ndarray, np.ndarray]:
    """A bare scalp seen from above at about 0.15 mm/px with a defined norwood-6 design placed on it by
    its anchors, planned with its images: the result, the design's context and document, the anchors and
    the photo."""
    from smpstudio.render.camera import view_camera
    from smpstudio.render.landmarks_px import landmarks_px

    _, ctx, doc = make_design("norwood-6", "defined", density=115.0)
    width = 1600
    marks = landmarks_px(ctx.grid.head, view_camera(ctx.grid.head, "top", width))
    rng = np.random.default_rng(1)
    skin = np.array([205.0, 160.0, 130.0]) + rng.normal(0.0, 1.5, size=(width, width, 3))
    image = np.round(skin).clip(0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=1)
    result = plan_repair(
        RepairPlanRequest.of(
            image=buffer.getvalue(),
            design=json.loads(dump_design(doc)),
            landmarks={"view": "top", "points_px": marks},
            ink="carbon",
            images=True,
        )
    )
    return result, (ctx, doc), marks, image, skin


def test_a_design_placed_by_anchors_on_a_wider_photo_is_the_target() -> None:
    """A bare scalp seen from above at 0.15 mm/px: every dot of the design that shows is to be added, in
    the design's zones, up to about its density."""
    result, (_, doc), marks, _, skin = placed()
    assert result.target["source"] == "design placed by its anchors"
    assert 0.1 < result.mm_per_px < 0.2 and result.count == 0
    shown = result.target["design_dots_in_photo"]
    assert 0.85 * shown <= len(result.added) <= shown
    zones = {z.zone: z for z in result.zones}
    for name in ("hairline", "front", "body"):
        assert zones[name].added > 0
        assert zones[name].density_after_per_cm2 == pytest.approx(zones[name].target_per_cm2, rel=0.15)
    with pytest.raises(InputError) as err:
        small = io.BytesIO()
        Image.fromarray(np.round(skin[:800, :800]).astype(np.uint8)).save(small, format="PNG")
        plan_repair(
            RepairPlanRequest.of(
                image=small.getvalue(),
                design=json.loads(dump_design(doc)),
                landmarks={"view": "top", "points_px": {k: [v[0] / 2, v[1] / 2] for k, v in marks.items()}},
            )
        )
    assert err.value.field == "landmarks" and err.value.code == "photo_too_coarse"


def test_each_added_dot_is_drawn_at_its_own_scale() -> None:
    from smpstudio.repair.after_preview import after_resmp, new_dot_spots
    from smpstudio.repair.contrast import LUMINANCE_WEIGHTS, SRGB_DECODE

    grey = np.full((120, 240, 3), 190, dtype=np.uint8)
    xy = np.array([[60.0, 60.0], [180.0, 60.0]])
    fwhm, peak = new_dot_spots(
        ["body", "body"], dot_diameter_mm=0.45, ink_fraction=0.6, skin_type="III", seed=0
    )
    fwhm, peak = np.full(2, fwhm[0]), np.tile(peak[0], (2, 1))
    out = after_resmp(grey, xy, fwhm, peak, np.array([30.0, 15.0]))
    weights = np.array(LUMINANCE_WEIGHTS)
    lost = SRGB_DECODE[grey] @ weights - SRGB_DECODE[out] @ weights
    # Half the scale: a quarter of the area, a quarter of the light taken.
    assert lost[:, 120:].sum() / lost[:, :120].sum() == pytest.approx(0.25, rel=0.1)
    same = after_resmp(grey, xy, fwhm, peak, 30.0)
    np.testing.assert_array_equal(same[:, :120], out[:, :120])


def test_added_dots_on_a_wider_photo_shrink_towards_the_heads_outline() -> None:
    """The after-new-SMP preview draws each added dot at the fit's scale there times the square root of
    its facing cosine, as the photo preview does: the light a dot takes falls from the crown to the
    outline as the square of that scale, not as one head-centre scale would have it (the same)."""
    from scipy.spatial import cKDTree

    from smpstudio.photo.anchors import parse_anchors
    from smpstudio.photo.fit import fit_head
    from smpstudio.repair.contrast import LUMINANCE_WEIGHTS, SRGB_DECODE

    result, (ctx, doc), marks, image, _ = placed()
    rows, cols = image.shape[:2]
    fit = fit_head(
        parse_anchors({"view": "top", "points_px": marks}, width=cols, height=rows),
        ctx.grid.head,
        hairline_height_mm=ctx.hairline_height_mm,
    )
    _, cosine = fit.facing(doc.dots.position_mm)
    xy, px_per_mm = fit.project(doc.dots.position_mm)
    added = np.array([[d.x_px, d.y_px] for d in result.added])
    gap, k = cKDTree(xy - 0.5).query(added)
    assert gap.max() < 0.02  # every added dot is one of the design's own
    area_scale = px_per_mm[k] ** 2 * np.clip(cosine[k], 0.02, 1.0)  # [px²/mm²]
    assert result.after_resmp_png is not None
    after = np.asarray(Image.open(io.BytesIO(result.after_resmp_png)).convert("RGB"))
    weights = np.array(LUMINANCE_WEIGHTS)
    lost = SRGB_DECODE[image] @ weights - SRGB_DECODE[after] @ weights
    centre = added.mean(axis=0)
    dot_r = np.hypot(*(added - centre).T)
    reach = dot_r.max()
    yy, xx = np.mgrid[0:rows, 0:cols]
    pixel_r = np.hypot(xx - centre[0], yy - centre[1])
    per_dot, expected = [], []
    for lo, hi in ((0.0, 0.3), (0.6, 0.8)):
        band = (dot_r >= lo * reach) & (dot_r < hi * reach)
        per_dot.append(float(lost[(pixel_r >= lo * reach) & (pixel_r < hi * reach)].sum()) / band.sum())
        expected.append(float(area_scale[band].mean()))
    assert expected[1] / expected[0] < 0.6  # the outer band is foreshortened
    assert per_dot[1] / per_dot[0] == pytest.approx(expected[1] / expected[0], rel=0.1)
