"""The run-time colour conversions of :mod:`smpstudio.skin.cielab` against colour-science and Sharma et
al.'s CIEDE2000 test data."""

from __future__ import annotations

import colour
import numpy as np
import pytest

from smpstudio.skin.cielab import (
    D65_XYZ,
    delta_e2000,
    linear_srgb_to_xyz,
    linear_to_srgb,
    srgb_to_lab,
    srgb_to_linear,
    xyz_to_lab,
)

RNG = np.random.default_rng(20261201)
#: Random sRGB colours, with the ends, the transfer function's knee and near-greys (hue ill-defined).
SRGB = np.vstack(
    [
        RNG.random((400, 3)),
        [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.04045, 0.0404, 0.0405], [0.5, 0.5, 0.5], [0.5, 0.5, 0.5001]],
    ]
)

#: Sharma, Wu & Dalal 2005, Table 1 (pairs 1, 7, 13, 17, 19, 25, 31 and 34): Lab 1, Lab 2, ΔE00.
SHARMA_2005 = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.49, -0.001), (50.0, -2.49, 0.0009), 7.1792),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (50.0, 3.1736, 0.5854), 1.0),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((90.8027, -2.0831, 1.441), (91.1528, -1.6435, 0.0447), 1.4441),
    ((2.0776, 0.0795, -1.135), (0.9033, -0.0636, -0.5514), 0.9082),
]


def test_transfer_function_matches_colour_science_and_inverts() -> None:
    np.testing.assert_allclose(srgb_to_linear(SRGB), colour.models.eotf_sRGB(SRGB), rtol=0, atol=1e-12)
    np.testing.assert_allclose(linear_to_srgb(srgb_to_linear(SRGB)), SRGB, rtol=0, atol=1e-12)


def test_xyz_and_lab_match_colour_science() -> None:
    np.testing.assert_allclose(linear_srgb_to_xyz(srgb_to_linear(SRGB)), colour.sRGB_to_XYZ(SRGB), atol=1e-12)
    xyz = colour.sRGB_to_XYZ(SRGB)
    np.testing.assert_allclose(xyz_to_lab(xyz), colour.XYZ_to_Lab(xyz), rtol=0, atol=1e-9)
    np.testing.assert_allclose(srgb_to_lab(SRGB), colour.XYZ_to_Lab(colour.sRGB_to_XYZ(SRGB)), atol=1e-9)
    np.testing.assert_allclose(xyz_to_lab(D65_XYZ), [100.0, 0.0, 0.0], atol=1e-12)


def test_delta_e2000_matches_colour_science_on_random_and_grey_pairs() -> None:
    lab = srgb_to_lab(SRGB)
    other = np.roll(lab, 1, axis=0)
    expected = colour.delta_E(lab, other, method="CIE 2000")
    np.testing.assert_allclose(delta_e2000(lab, other), expected, rtol=0, atol=1e-9)
    np.testing.assert_allclose(delta_e2000(lab, lab), 0.0, atol=1e-12)


@pytest.mark.parametrize(("lab_1", "lab_2", "expected"), SHARMA_2005)
def test_delta_e2000_reproduces_sharmas_test_data(
    lab_1: tuple[float, float, float], lab_2: tuple[float, float, float], expected: float
) -> None:
    assert float(delta_e2000(lab_1, lab_2)) == pytest.approx(expected, abs=5e-5)
    assert float(delta_e2000(lab_2, lab_1)) == pytest.approx(expected, abs=5e-5)  # symmetric


def test_shapes_follow_the_inputs() -> None:
    assert srgb_to_lab(np.zeros((2, 5, 3))).shape == (2, 5, 3)
    assert delta_e2000(np.zeros((2, 5, 3)), np.ones(3)).shape == (2, 5)
    assert delta_e2000((50.0, 0.0, 0.0), (50.0, 0.0, 0.0)).shape == ()
