from __future__ import annotations

import numpy as np
import pytest

from smpstudio.design.hairline import (
    DEFAULT_HAIRLINE_HEIGHT_MM,
    STYLES,
    design_edge,
    edge_displacement_mm,
    hairline_height_of_edge_mm,
    natural_edge,
    resolve_hairline_height,
)
from smpstudio.design.head import head_preset
from smpstudio.errors import InputError

HEAD = head_preset("male")


def test_default_heights_follow_the_style() -> None:
    assert resolve_hairline_height("soft", None)[0] == DEFAULT_HAIRLINE_HEIGHT_MM
    assert resolve_hairline_height("mature", None)[0] == DEFAULT_HAIRLINE_HEIGHT_MM + 15.0
    assert resolve_hairline_height("mature", 85.0)[0] == 85.0


def test_a_low_hairline_is_refused_with_the_reason_unless_forced() -> None:
    with pytest.raises(InputError) as info:
        resolve_hairline_height("soft", 55.0)
    assert info.value.field == "hairline_height_mm"
    # The core names no flag (the command line adds "--force"); the message still says how to override.
    assert "too low" in info.value.message and "forced" in info.value.message
    assert info.value.code == "hairline_too_low" and "--" not in info.value.message
    height, warnings = resolve_hairline_height("soft", 55.0, force=True)
    assert height == 55.0 and any("forced" in w for w in warnings)


def test_heights_outside_the_plausible_range_are_refused_even_forced() -> None:
    for bad in (20.0, 200.0, float("nan")):
        with pytest.raises(InputError, match="hairline_height_mm"):
            resolve_hairline_height("soft", bad, force=True)


def test_unknown_style_lists_the_valid_ones() -> None:
    with pytest.raises(InputError) as info:
        resolve_hairline_height("wavy", None)
    assert info.value.allowed is not None
    assert all(name in info.value.allowed for name in STYLES)


def test_defined_style_warns_that_straight_lines_show() -> None:
    assert any("detectable" in w for w in resolve_hairline_height("defined", None)[1])


@pytest.mark.parametrize("style", list(STYLES))
@pytest.mark.parametrize("height", [65.0, 80.0, 100.0])
def test_edge_passes_through_the_mid_frontal_point(style: str, height: float) -> None:
    edge = design_edge(HEAD, style, height)
    assert hairline_height_of_edge_mm(HEAD, edge) == pytest.approx(height, abs=0.2)


def test_mature_corners_recede_further_than_the_midline() -> None:
    young = design_edge(HEAD, "natural", 80.0)
    mature = design_edge(HEAD, "mature", 95.0)
    beta_corner = np.array([young.beta_fronto_temporal])
    midline = (young.psi(np.zeros(1)) - mature.psi(np.zeros(1))) * young.radius_mm
    corner = (young.psi(beta_corner) - mature.psi(beta_corner)) * young.radius_mm
    assert corner[0] > midline[0] + 5.0


def test_edge_is_symmetric_and_the_scalp_closes_around_the_head() -> None:
    edge = natural_edge(HEAD)
    beta = np.linspace(-np.pi, np.pi, 721)
    np.testing.assert_allclose(edge.psi(beta), edge.psi(-beta), atol=1e-12)
    assert np.all(edge.psi(beta) > np.radians(30)) and np.all(edge.psi(beta) < np.radians(140))


def test_irregularity_is_seeded_frontal_and_bounded() -> None:
    edge = design_edge(HEAD, "soft", 80.0)
    beta = np.linspace(-np.pi, np.pi, 2001)
    a = edge_displacement_mm(edge, "soft", beta, np.random.default_rng(1))
    b = edge_displacement_mm(edge, "soft", beta, np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    spec = STYLES["soft"]
    # n sinusoids with the power of one of amplitude A peak at most at sqrt(2 n) A (3 macro, 4 micro).
    assert np.abs(a).max() <= np.sqrt(6) * spec.macro_amplitude_mm + np.sqrt(8) * spec.micro_amplitude_mm
    assert np.abs(a).max() > 0.5
    back = np.abs(beta) > edge.beta_sideburn
    assert np.all(a[back] == 0.0)
    assert np.all(edge_displacement_mm(edge, "defined", beta, np.random.default_rng(1)) == 0.0)


def test_widows_peak_dips_at_the_midline() -> None:
    edge = design_edge(HEAD, "widows-peak", 80.0)
    d = edge_displacement_mm(edge, "widows-peak", np.array([0.0, 0.6]), np.random.default_rng(3))
    assert d[0] > d[1] + 5.0
