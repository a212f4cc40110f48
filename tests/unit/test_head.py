from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from smpstudio.design.head import (
    FACE_EXPONENT,
    HEAD_PRESETS,
    VAULT_EXPONENT,
    Head,
    chart_from_points_mm,
    head_preset,
    midline_arc_of_point_mm,
    midline_point_at_arc_mm,
    points_from_chart_mm,
    surface_normals,
    surface_points_from_directions,
)
from smpstudio.errors import InputError

MALE = head_preset("male")


def _level(head: Head, p: np.ndarray) -> np.ndarray:
    up = p[..., 2] >= 0
    c = np.where(up, head.c_up_mm, head.c_low_mm)
    q = np.where(up, VAULT_EXPONENT, FACE_EXPONENT)
    horiz = (p[..., 0] / head.a_mm) ** 2 + (p[..., 1] / head.b_mm) ** 2
    return horiz ** (q / 2) + np.abs(p[..., 2] / c) ** q


def test_presets_match_their_measurements() -> None:
    for name, (length, width, height) in HEAD_PRESETS.items():
        head = head_preset(name)
        assert (head.length_mm, head.width_mm, head.height_mm) == (length, width, height)
        assert head.preset == name
        # The vertex lies ear-height above the tragion.
        assert head.c_up_mm - head.tragion_z_mm == pytest.approx(height)


def test_overriding_a_measurement_makes_a_custom_head() -> None:
    head = head_preset("female", length_mm=185)
    assert head.preset == "custom" and head.length_mm == 185 and head.width_mm == HEAD_PRESETS["female"][1]


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("head.length_mm", {"length_mm": 90}),
        ("head.width_mm", {"width_mm": 250}),
        ("head.height_mm", {"height_mm": float("nan")}),
    ],
)
def test_out_of_range_measurements_name_the_field(field: str, kwargs: dict[str, float]) -> None:
    with pytest.raises(InputError) as info:
        head_preset("male", **kwargs)
    assert info.value.field == field and info.value.allowed


def test_width_must_be_less_than_length() -> None:
    with pytest.raises(InputError, match=r"head\.width_mm"):
        Head(160.0, 170.0, 130.0)


unit_vectors = (
    st.tuples(st.floats(-1, 1), st.floats(-1, 1), st.floats(-1, 1))
    .filter(lambda v: np.linalg.norm(v) > 0.1)
    .map(lambda v: np.asarray(v) / np.linalg.norm(v))
)


@given(unit_vectors)
def test_surface_points_lie_on_the_surface_and_normals_point_out(d: np.ndarray) -> None:
    p = surface_points_from_directions(MALE, d)
    assert _level(MALE, p) == pytest.approx(1.0, abs=1e-9)
    n = surface_normals(MALE, p)
    assert np.linalg.norm(n) == pytest.approx(1.0)
    assert float(n @ d) > 0.0  # star-shaped surface: the normal faces away from the centre


@given(st.floats(-200, 200), st.floats(-200, 200))
def test_chart_round_trip(u: float, v: float) -> None:
    q = np.array([u, v])
    if np.hypot(u, v) / MALE.chart_radius_mm > 0.95 * np.pi:
        return
    back = chart_from_points_mm(MALE, points_from_chart_mm(MALE, q))
    np.testing.assert_allclose(back, q, atol=1e-7)


def test_chart_is_close_to_surface_millimetres_near_the_vertex() -> None:
    a = points_from_chart_mm(MALE, np.array([0.0, 0.0]))
    b = points_from_chart_mm(MALE, np.array([0.0, 10.0]))
    assert np.linalg.norm(b - a) == pytest.approx(10.0, rel=0.15)


def test_surface_is_continuous_at_the_equator() -> None:
    d = np.array([[0.6, 0.8, 1e-9], [0.6, 0.8, -1e-9]])
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    p = surface_points_from_directions(MALE, d)
    np.testing.assert_allclose(p[0], p[1], atol=1e-6)
    n = surface_normals(MALE, p)
    np.testing.assert_allclose(n[0], n[1], atol=1e-6)


def test_midline_arc_inverts() -> None:
    for arc in (0.0, 60.0, 80.0, 130.0):
        p = midline_point_at_arc_mm(MALE, arc)
        assert midline_arc_of_point_mm(MALE, p) == pytest.approx(arc, abs=0.05)
        assert _level(MALE, p) == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ValueError):
        midline_point_at_arc_mm(MALE, 1e4)
