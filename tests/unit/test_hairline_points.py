"""The hairline's named control points: shifts along the chart's radial direction, their 3-D positions, and a
dragged point turned back into a shift."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from smpstudio.design.build import build_design
from smpstudio.design.document import dump_design, load_design
from smpstudio.design.hairline import (
    HAIRLINE_POINTS,
    HAIRLINE_SHIFT_RANGE_MM,
    STYLES,
    control_points_mm,
    design_edge,
    hairline_height_of_edge_mm,
    shift_of_point_mm,
)
from smpstudio.design.head import chart_from_points_mm, head_preset
from smpstudio.design.maps import MapSettings
from smpstudio.design.patterns import Pattern
from smpstudio.design.spec import DesignSpec, design_context
from smpstudio.errors import InputError

HEAD = head_preset("male")


def _beta_psi(p: np.ndarray) -> tuple[float, float]:
    uv = chart_from_points_mm(HEAD, p)
    return float(np.arctan2(uv[0], uv[1])), float(np.hypot(uv[0], uv[1]) / HEAD.chart_radius_mm)


def test_the_names_are_the_frontal_control_points_from_the_right_temple_to_the_left() -> None:
    points = control_points_mm(HEAD, "soft", 80.0)
    assert tuple(points) == HAIRLINE_POINTS and len(HAIRLINE_POINTS) == 7
    x = [float(points[name][0]) for name in HAIRLINE_POINTS]
    assert x == sorted(x, reverse=True)  # the client's right (+x) first
    assert points["mid_frontal_point"][0] == 0.0
    for side in ("temporal_peak", "fronto_temporal", "frontal"):
        right, left = points[f"{side}_right"], points[f"{side}_left"]
        np.testing.assert_allclose(right * [-1, 1, 1], left, atol=1e-9)  # mirror images
    # The curve passes through its control points.
    edge = design_edge(HEAD, "soft", 80.0)
    for p in points.values():
        beta, psi = _beta_psi(p)
        assert float(edge.psi(np.array([beta]))[0]) == pytest.approx(psi, abs=1e-9)


def test_no_shift_is_the_style_curve() -> None:
    plain = design_edge(HEAD, "mature", 95.0)
    for shifts in ({}, {"frontal_left": 0.0}, None):
        same = design_edge(HEAD, "mature", 95.0, shifts)
        np.testing.assert_array_equal(same.psi_ctrl, plain.psi_ctrl)
        np.testing.assert_array_equal(same.beta_ctrl, plain.beta_ctrl)


@pytest.mark.parametrize("shift", [-20.0, -5.0, 7.5, 25.0])
def test_the_mid_frontal_point_moves_by_the_shift_over_the_forehead(shift: float) -> None:
    edge = design_edge(HEAD, "natural", 80.0, {"mid_frontal_point": shift})
    assert hairline_height_of_edge_mm(HEAD, edge) == pytest.approx(80.0 - shift, abs=0.2)


@pytest.mark.parametrize("name", HAIRLINE_POINTS)
def test_a_positive_shift_moves_a_point_forward_and_lower_by_that_arc_and_leaves_the_others(
    name: str,
) -> None:
    before = control_points_mm(HEAD, "soft", 80.0)
    after = control_points_mm(HEAD, "soft", 80.0, {name: 12.0})
    beta0, psi0 = _beta_psi(before[name])
    beta1, psi1 = _beta_psi(after[name])
    assert (
        beta1 == pytest.approx(beta0, abs=1e-9) and psi1 > psi0
    )  # along the radial line, away from the vertex
    assert after[name][2] < before[name][2]  # lower
    chord = float(np.linalg.norm(after[name] - before[name]))
    assert 11.0 < chord <= 12.0 + 1e-6  # 12 mm over the curved surface: a chord a little shorter
    for other in HAIRLINE_POINTS:
        if other != name:
            np.testing.assert_array_equal(after[other], before[other])


def test_one_side_moves_alone_and_the_other_keeps_the_style_curve() -> None:
    plain = design_edge(HEAD, "soft", 80.0)
    moved = design_edge(HEAD, "soft", 80.0, {"fronto_temporal_right": 10.0, "temporal_peak_right": -8.0})
    left = np.linspace(-1.6, -0.05, 200)
    np.testing.assert_allclose(moved.psi(left), plain.psi(left), atol=1e-12)
    right = np.linspace(0.3, 1.2, 200)
    assert np.max(np.abs(moved.psi(right) - plain.psi(right))) > 5.0 / HEAD.chart_radius_mm


def test_a_fuller_hairline_treats_more_of_the_forehead() -> None:
    spec = DesignSpec(
        HEAD, Pattern("norwood-6"), style="soft", maps=MapSettings(density_per_cm2=80.0), seed=1
    )
    fuller = replace(
        spec, hairline_shift_mm=tuple((n, 8.0) for n in HAIRLINE_POINTS if n != "mid_frontal_point")
    )
    area = design_context(spec).maps.treated_area_cm2
    assert design_context(fuller).maps.treated_area_cm2 > area + 5.0


@given(
    shifts=st.fixed_dictionaries(
        {name: st.floats(*HAIRLINE_SHIFT_RANGE_MM, allow_nan=False) for name in HAIRLINE_POINTS}
    )
)
def test_the_curve_does_not_overshoot_its_control_points(shifts: dict[str, float]) -> None:
    edge = design_edge(HEAD, "natural", 80.0, shifts)
    for (b0, b1), (p0, p1) in zip(
        zip(edge.beta_ctrl[:-1], edge.beta_ctrl[1:], strict=True),
        zip(edge.psi_ctrl[:-1], edge.psi_ctrl[1:], strict=True),
        strict=True,
    ):
        inner = edge.psi(np.linspace(b0, b1, 41)[1:-1])
        assert np.all(inner >= min(p0, p1) - 1e-12) and np.all(inner <= max(p0, p1) + 1e-12)


@pytest.mark.parametrize(
    ("shifts", "field", "allowed"),
    [
        ({"corner_right": 5.0}, "hairline_shift_mm.corner_right", "mid_frontal_point"),
        ({"frontal_left": 31.0}, "hairline_shift_mm.frontal_left", "-30 to 30 mm"),
        ({"temporal_peak_right": -30.5}, "hairline_shift_mm.temporal_peak_right", "-30 to 30 mm"),
        ({"frontal_right": float("nan")}, "hairline_shift_mm.frontal_right", "-30 to 30 mm"),
    ],
)
def test_unknown_points_and_shifts_out_of_range_are_refused_by_name(
    shifts: dict[str, float], field: str, allowed: str
) -> None:
    for call in (
        lambda: design_edge(HEAD, "soft", 80.0, shifts),
        lambda: control_points_mm(HEAD, "soft", 80.0, shifts),
        lambda: DesignSpec(HEAD, Pattern("full"), hairline_shift_mm=tuple(shifts.items())),
    ):
        with pytest.raises(InputError) as info:
            call()
        assert info.value.field == field and allowed in (info.value.allowed or "")


@given(
    name=st.sampled_from(HAIRLINE_POINTS),
    shift=st.floats(*HAIRLINE_SHIFT_RANGE_MM, allow_nan=False),
    style=st.sampled_from(sorted(STYLES)),
    height=st.floats(65.0, 100.0),
)
def test_a_shifted_point_dragged_back_gives_its_shift(
    name: str, shift: float, style: str, height: float
) -> None:
    point = control_points_mm(HEAD, style, height, {name: shift})[name]
    assert shift_of_point_mm(HEAD, style, height, name, point) == pytest.approx(shift, abs=0.1)


def test_a_drag_off_the_line_lands_on_its_nearest_point_and_is_clipped_to_the_range() -> None:
    points = control_points_mm(HEAD, "soft", 80.0, {"frontal_right": 10.0})
    beside = points["frontal_right"] + np.array([0.0, 0.0, 0.0])
    sideways = np.cross(beside, [0.0, 0.0, 1.0])
    beside = beside + 3.0 * sideways / np.linalg.norm(sideways)  # 3 mm across the radial line
    assert shift_of_point_mm(HEAD, "soft", 80.0, "frontal_right", beside) == pytest.approx(10.0, abs=0.5)
    brow = np.array([0.0, HEAD.b_mm, 0.0])  # the glabella: 80 mm below the MFP, beyond the range
    assert shift_of_point_mm(HEAD, "soft", 80.0, "mid_frontal_point", brow) == HAIRLINE_SHIFT_RANGE_MM[1]
    vertex = np.array([0.0, 0.0, HEAD.c_up_mm])
    assert shift_of_point_mm(HEAD, "soft", 80.0, "mid_frontal_point", vertex) == HAIRLINE_SHIFT_RANGE_MM[0]
    with pytest.raises(InputError) as info:
        shift_of_point_mm(HEAD, "soft", 80.0, "corner", vertex)
    assert info.value.field == "hairline_point"
    with pytest.raises(InputError) as info:
        shift_of_point_mm(HEAD, "soft", 80.0, "frontal_left", np.array([1.0, np.nan, 2.0]))
    assert info.value.field == "point_mm"


def test_a_mid_frontal_point_moved_too_low_is_refused_unless_forced() -> None:
    spec = DesignSpec(
        HEAD, Pattern("full"), hairline_height_mm=75.0, hairline_shift_mm=(("mid_frontal_point", 20.0),)
    )
    with pytest.raises(InputError) as info:
        design_context(spec)
    assert info.value.code == "hairline_too_low" and info.value.field == "hairline_shift_mm.mid_frontal_point"
    assert "55 mm" in info.value.message
    forced = design_context(replace(spec, force=True))
    assert forced.hairline_height_mm == pytest.approx(55.0)
    assert any("forced" in w for w in forced.warnings)


def test_a_shifted_design_stores_its_shifts_and_reads_back_to_the_same_hairline() -> None:
    shifts = (("frontal_right", 6.0), ("mid_frontal_point", -4.0), ("temporal_peak_left", 3.5))
    spec = DesignSpec(
        HEAD, Pattern("norwood-5"), style="natural", maps=MapSettings(density_per_cm2=40.0), seed=4,
        hairline_shift_mm=shifts, chart_step_mm=2.0,
    )  # fmt: skip
    doc = build_design(spec)
    data = json.loads(dump_design(doc))
    assert data["schema_version"] == 4
    assert data["hairline"]["shift_mm"] == dict(shifts) and data["hairline"]["height_mm"] == 84.0
    read = load_design(dump_design(doc))
    assert read.spec.hairline_shift_mm == shifts and read.spec.hairline_height_mm == pytest.approx(80.0)
    assert read.context.hairline_height_mm == pytest.approx(84.0)
    np.testing.assert_array_equal(read.context.maps.density_per_mm2, doc.context.maps.density_per_mm2)
