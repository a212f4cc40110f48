"""Comparing detected dots with a target: render synthetic close-ups, detect, classify, fill."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree

from smpstudio.design.hairline import STYLES
from smpstudio.errors import InputError
from smpstudio.repair.compare import DOT_CLASSES, ExistingDots, compare_dots
from smpstudio.repair.detect import detect_dots
from smpstudio.repair.synthetic import SyntheticCloseup, synthetic_closeup
from smpstudio.repair.target import ZONE_NAMES, CompareRules, Target, target_from_hairline, target_from_points

MM_PER_PX = 1.0 / 30.0
SIZE = (450, 450)
#: The synthetic close-ups' lattice: dots 1 mm apart on a hexagonal grid. [per cm²]
LATTICE_PER_CM2 = 115.0


@cache
def closeup(*, helmet: bool = False, special: int = 0, seed: int = 1) -> SyntheticCloseup:
    return synthetic_closeup(
        size_px=SIZE,
        mm_per_px=MM_PER_PX,
        seed=seed,
        front_mm=3.0,
        special=special,
        decoys=False,
        helmet=helmet,
    )


def found(photo: SyntheticCloseup) -> ExistingDots:
    dots = detect_dots(photo.image, MM_PER_PX)
    return ExistingDots(
        dots.cols_px, dots.rows_px, dots.fwhm_mm, dots.contrast, dots.flags, dots.typical_contrast
    )


def straight(y_mm: float, style: str = "defined", density: float = LATTICE_PER_CM2) -> Target:
    line = [[0.0, y_mm / MM_PER_PX], [SIZE[1], y_mm / MM_PER_PX]]
    return target_from_hairline(
        line, SIZE, MM_PER_PX, front="top", body_density_per_cm2=density, style=STYLES[style]
    )


def along_truth(photo: SyntheticCloseup, ahead_mm: float = 0.6) -> Target:
    """The new hairline just ahead of the dots' own front edge."""
    cols = np.arange(0.0, SIZE[1] + 1, 30.0)
    edge = np.interp(cols, np.arange(SIZE[1]), photo.hairline_mm) - ahead_mm
    line = np.column_stack([cols.clip(0, SIZE[1]), edge / MM_PER_PX])
    return target_from_hairline(
        line.tolist(),
        SIZE,
        MM_PER_PX,
        front="top",
        body_density_per_cm2=LATTICE_PER_CM2,
        style=STYLES["defined"],
    )


def test_dots_ahead_of_the_new_hairline_are_removed() -> None:
    dots = found(closeup())
    result = compare_dots(dots, straight(8.0))
    y_mm = dots.y_px * MM_PER_PX
    ahead = y_mm < 8.0 - CompareRules().outside_tolerance_mm - 0.05
    behind = y_mm > 8.0
    assert ahead.sum() > 20 and behind.sum() > 100
    for i in np.flatnonzero(ahead):
        assert result.classes[i] == "remove" and "outside_hairline" in result.reasons[i]
        assert result.zones[i] == "outside"
    assert not any("outside_hairline" in result.reasons[i] for i in np.flatnonzero(behind))
    outside = next(z for z in result.zone_counts if z.zone == "outside")
    assert outside.after == 0 and outside.remove == outside.before == int(
        np.sum(np.array(result.zones) == "outside")
    )


def test_the_front_edge_follows_the_front_argument() -> None:
    """A vertical line with the front on the left: the dots left of it are ahead."""
    dots = found(closeup())
    line = [[6.0 / MM_PER_PX, 0.0], [6.0 / MM_PER_PX, SIZE[0]]]
    target = target_from_hairline(
        line, SIZE, MM_PER_PX, front="left", body_density_per_cm2=LATTICE_PER_CM2, style=STYLES["defined"]
    )
    result = compare_dots(dots, target)
    x_mm = dots.x_px * MM_PER_PX
    assert all("outside_hairline" in result.reasons[i] for i in np.flatnonzero(x_mm < 4.9))
    assert not any("outside_hairline" in result.reasons[i] for i in np.flatnonzero(x_mm > 6.0))


def test_a_helmet_is_thinned_to_target_with_removals_only_there() -> None:
    photo = closeup(helmet=True)
    dots = found(photo)
    rules = CompareRules()
    result = compare_dots(dots, along_truth(photo), rules=rules)
    dense = [i for i, r in enumerate(result.reasons) if "over_dense" in r]
    assert len(dense) >= 10
    box_mm = (SIZE[0] * MM_PER_PX - 5.0, SIZE[1] * MM_PER_PX - 5.0)  # the synthetic helmet patch's corner
    for i in dense:
        assert dots.y_px[i] * MM_PER_PX > box_mm[0] - 1.0 and dots.x_px[i] * MM_PER_PX > box_mm[1] - 1.0
    inside = (dots.y_px * MM_PER_PX > box_mm[0]) & (dots.x_px * MM_PER_PX > box_mm[1])
    staying = np.array([c != "remove" for c in result.classes])
    area_cm2 = (SIZE[0] * MM_PER_PX - box_mm[0]) * (SIZE[1] * MM_PER_PX - box_mm[1]) / 100.0
    before = inside.sum() / area_cm2
    added = result.added_xy_px * MM_PER_PX
    in_box_added = np.sum((added[:, 1] > box_mm[0]) & (added[:, 0] > box_mm[1]))
    after = (np.sum(inside & staying) + in_box_added) / area_cm2
    assert before > 1.4 * LATTICE_PER_CM2
    assert after <= LATTICE_PER_CM2 * (1.0 + rules.over_dense_margin)
    assert result.after_over_target_max <= rules.over_dense_margin + 1e-9


def test_the_same_plan_comes_back_for_the_same_seed() -> None:
    photo = closeup(helmet=True)
    dots = found(photo)
    a = compare_dots(dots, along_truth(photo), seed=3)
    b = compare_dots(dots, along_truth(photo), seed=3)
    assert a.classes == b.classes and a.reasons == b.reasons
    np.testing.assert_array_equal(a.added_xy_px, b.added_xy_px)


def test_blue_and_blown_out_dots_are_removed() -> None:
    photo = closeup(special=3, seed=2)
    dots = found(photo)
    result = compare_dots(dots, along_truth(photo))
    bad = [i for i, flags in enumerate(dots.flags) if {"blue", "blowout"} & set(flags)]
    assert len(bad) >= 2
    for i in bad:
        assert result.classes[i] == "remove"
        assert {"blue", "blowout"} & set(result.reasons[i])
    for i, flags in enumerate(dots.flags):
        if "oversize" in flags:
            assert result.classes[i] == "remove" and "oversize" in result.reasons[i]


def test_a_clean_smp_at_target_density_is_almost_all_kept() -> None:
    photo = closeup()
    dots = found(photo)
    result = compare_dots(dots, along_truth(photo))
    assert result.classes.count("keep") >= 0.95 * dots.count
    assert "remove" not in result.classes


def test_corrections_override_and_are_marked() -> None:
    photo = closeup()
    dots = found(photo)
    target = straight(8.0)
    auto = compare_dots(dots, target)
    gone = auto.classes.index("remove")
    kept = auto.classes.index("keep")
    fixed = compare_dots(dots, target, corrections={gone: "keep", kept: "remove"})
    assert fixed.classes[gone] == "keep" and fixed.classes[kept] == "remove"
    assert fixed.corrected[gone] and fixed.corrected[kept] and sum(fixed.corrected) == 2
    with pytest.raises(InputError) as err:
        compare_dots(dots, target, corrections={dots.count: "keep"})
    assert err.value.field == "corrections"
    with pytest.raises(InputError) as err:
        compare_dots(dots, target, corrections={0: "laser"})
    assert err.value.field == "corrections"


def test_no_dots_gives_an_empty_classification_and_a_full_fill() -> None:
    empty = ExistingDots(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), ())
    result = compare_dots(empty, straight(3.0, density=100.0))
    assert result.classes == () and result.density_before_per_cm2 == 0.0
    # Nothing is added within one spacing (0.8 mm at 100 per cm²) of the photo's edge, where the dots
    # beyond the frame are unseen ...
    spacing_px = (0.64 / 1.0) ** 0.5 / MM_PER_PX
    xy = result.added_xy_px
    edge_px = np.minimum.reduce([xy[:, 0], xy[:, 1], SIZE[1] - 1 - xy[:, 0], SIZE[0] - 1 - xy[:, 1]])
    assert edge_px.min() >= spacing_px - 1e-6
    # ... and inside, the fill's packing constant holds the target on a bare area (within 10 %: about 100
    # dots counted): behind the defined hairline's 3 mm transition, away from the edges' strip.
    lo, hi = 2 * spacing_px, SIZE[1] - 2 * spacing_px
    top, bottom = 7.0 / MM_PER_PX, SIZE[0] - 2 * spacing_px
    inner = (xy[:, 1] > top) & (xy[:, 1] < bottom) & (xy[:, 0] > lo) & (xy[:, 0] < hi)
    area_cm2 = (hi - lo) * (bottom - top) * MM_PER_PX**2 / 100.0
    assert inner.sum() / area_cm2 == pytest.approx(100.0, rel=0.1)


@pytest.mark.parametrize(
    "points",
    [
        [[10.0, 10.0]],
        [[10.0, 10.0], [500.0, 10.0]],
        [[10.0, float("nan")], [300.0, 10.0]],
        [[10.0, 10.0], [10.0, 10.0]],
        [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
    ],
)
def test_a_bad_hairline_is_refused_naming_it(points: list[list[float]]) -> None:
    with pytest.raises(InputError) as err:
        target_from_hairline(
            points, SIZE, MM_PER_PX, front="top", body_density_per_cm2=80.0, style=STYLES["soft"]
        )
    assert err.value.field == "hairline_px"


def test_the_hairline_band_rises_to_the_body_density() -> None:
    style = STYLES["soft"]
    target = straight(2.0, style="soft", density=80.0)
    x = np.full(5, 200.0)
    depth_mm = np.array([-0.5, 0.5, 3.0, 5.9, 8.0])
    d = target.density_at(np.column_stack([x, (2.0 + depth_mm) / MM_PER_PX]))
    assert d[0] == 0.0 and 80.0 * style.edge_density <= d[1] < d[2] < d[3] <= d[4] == 80.0
    zones = [ZONE_NAMES[z] for z in target.zone_at(np.column_stack([x, (2.0 + depth_mm) / MM_PER_PX]))]
    assert zones == ["hairline", "hairline", "hairline", "hairline", "front"]


def test_a_placed_design_gives_its_density_and_zones() -> None:
    rng = np.random.default_rng(0)
    xy = rng.uniform([0, 150], [450, 450], size=(1600, 2))  # 15 x 10 mm: about 1067 per cm²
    zones = ["hairline" if y < 200 else "midscalp" for y in xy[:, 1]]
    target = target_from_points(xy, zones, SIZE, MM_PER_PX, body_density_per_cm2=100.0)
    assert ZONE_NAMES[int(target.zone_at(np.array([[200.0, 50.0]]))[0])] == "outside"
    assert ZONE_NAMES[int(target.zone_at(np.array([[200.0, 170.0]]))[0])] == "hairline"
    assert ZONE_NAMES[int(target.zone_at(np.array([[200.0, 350.0]]))[0])] == "body"
    assert target.density_at(np.array([[225.0, 350.0]]))[0] == pytest.approx(1067.0, rel=0.15)


def test_the_design_dots_added_keep_the_scale_they_are_seen_at() -> None:
    # A design lattice 1 mm apart whose scale falls from the photo's to half of it across the photo, as a
    # head's outline foreshortens it: each added dot carries its own design dot's scale.
    g = (np.arange(0.0, 450.0, 1.0 / MM_PER_PX) + 15.0).clip(0, 449)
    gx, gy = np.meshgrid(g, g)
    xy = np.column_stack([gx.ravel(), gy.ravel()])
    scale = (1.0 - 0.5 * xy[:, 0] / 450.0) / MM_PER_PX
    target = target_from_points(
        xy, ["midscalp"] * len(xy), SIZE, MM_PER_PX, body_density_per_cm2=100.0, px_per_mm=scale
    )
    empty = ExistingDots(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), ())
    result = compare_dots(empty, target)
    assert result.added_xy_px.shape[0] > 0.8 * len(xy)
    _, k = cKDTree(xy).query(result.added_xy_px)
    np.testing.assert_array_equal(result.added_px_per_mm, scale[k])
    # Random candidates on a close-up are all seen at the photo's scale.
    line = [[0.0, 100.0], [450.0, 100.0]]
    flat = target_from_hairline(
        line, SIZE, MM_PER_PX, front="top", body_density_per_cm2=80.0, style=STYLES["soft"]
    )
    filled = compare_dots(empty, flat)
    assert filled.added_xy_px.shape[0] > 0
    np.testing.assert_allclose(filled.added_px_per_mm, 30.0)


@st.composite
def dot_sets(draw: st.DrawFn) -> tuple[ExistingDots, float, float]:
    n = draw(st.integers(0, 120))
    seed = draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    clumps = rng.uniform(0, 300, size=(3, 2))
    spread = draw(st.floats(5.0, 150.0))
    xy = (clumps[rng.integers(0, 3, n)] + rng.normal(0, spread, size=(n, 2))).clip(0, 299)
    flag_pool = [(), (), (), ("blue",), ("merged",), ("oversize",)]
    flags = tuple(flag_pool[k] for k in rng.integers(0, len(flag_pool), n))
    dots = ExistingDots(xy[:, 0], xy[:, 1], np.full(n, 0.4), rng.uniform(0.1, 0.8, n), flags, 0.5)
    return dots, draw(st.floats(0.0, 200.0)), draw(st.floats(0.2, 1.0))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dot_sets())
def test_classes_partition_the_dots_and_the_after_density_keeps_to_the_margin(
    case: tuple[ExistingDots, float, float],
) -> None:
    dots, line_y, margin = case
    rules = CompareRules(over_dense_margin=margin)
    target = target_from_hairline(
        [[0.0, line_y], [300.0, line_y + 30.0]],
        (300, 300),
        MM_PER_PX,
        front="top",
        body_density_per_cm2=90.0,
        style=STYLES["natural"],
        rules=rules,
    )
    result = compare_dots(dots, target, rules=rules)
    assert len(result.classes) == dots.count and set(result.classes) <= set(DOT_CLASSES)
    for cls, why in zip(result.classes, result.reasons, strict=True):
        assert (cls == "keep") == (not why)
    counted = sum(z.keep + z.remove + z.watch for z in result.zone_counts)
    assert counted == dots.count == sum(z.before for z in result.zone_counts)
    assert sum(z.added for z in result.zone_counts) == result.added_xy_px.shape[0]
    assert result.after_over_target_max <= margin + 1e-9
