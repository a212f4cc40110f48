"""The design's dots on the head: spacing, holes and count, the issue's sampling contract."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage
from scipy.spatial import cKDTree

from smpstudio.design.bridson2007 import spacing_at
from smpstudio.design.build import _seed_points, _surface_domain
from smpstudio.design.head import chart_from_points_mm
from tests.conftest import make_design

pytestmark = pytest.mark.validation

CASES = [
    ("norwood-6", "soft", "male"),
    ("full", "natural", "male"),
    ("norwood-3v", "defined", "female"),
    ("ludwig-2", "soft", "female"),
    ("diffuse", "mature", "male"),
    ("norwood-5a", "widows-peak", "male"),
]


@pytest.mark.parametrize(("pattern", "style", "preset"), CASES)
def test_no_two_dots_closer_than_the_local_spacing(pattern: str, style: str, preset: str) -> None:
    _, ctx, doc = make_design(pattern, style, preset=preset)
    pts = doc.dots.position_mm
    c = doc.header.sampling.packing_constant
    r = spacing_at(_surface_domain(ctx), pts, c)
    assert np.all(np.isfinite(r))
    pairs = cKDTree(pts).query_pairs(float(r.max()), output_type="ndarray")
    d = np.linalg.norm(pts[pairs[:, 0]] - pts[pairs[:, 1]], axis=1)
    tolerance = doc.header.sampling.min_spacing_tolerance_mm
    assert np.all(d >= np.maximum(r[pairs[:, 0]], r[pairs[:, 1]]) - tolerance)


@pytest.mark.parametrize(("pattern", "style", "preset"), CASES)
def test_dot_count_is_within_five_percent_of_the_density_integral(
    pattern: str, style: str, preset: str
) -> None:
    _, ctx, doc = make_design(pattern, style, preset=preset)
    assert abs(len(doc.dots) / ctx.maps.expected_dot_count - 1.0) < 0.05


@pytest.mark.parametrize(("pattern", "style", "preset"), CASES[:3])
def test_no_hole_wider_than_about_two_spacings(pattern: str, style: str, preset: str) -> None:
    """Probe random points where the density is uniform (2 spacings from any change): the nearest
    dot is within 1.25 r, i.e. no empty disc much wider than 2 r."""
    _, ctx, doc = make_design(pattern, style, preset=preset)
    dens = ctx.maps.density_per_mm2
    uniform = ndimage.binary_erosion(dens >= 0.999 * dens.max(), iterations=4)
    probes = _seed_points(ctx, 30000, np.random.default_rng(9))
    row, col = ctx.grid.cell_of(chart_from_points_mm(ctx.grid.head, probes))
    probes = probes[uniform[row, col]]
    assert len(probes) > 1000
    r = spacing_at(_surface_domain(ctx), probes, doc.header.sampling.packing_constant)
    d, _ = cKDTree(doc.dots.position_mm).query(probes)
    assert np.max(d / r) <= 1.25


def test_same_seed_same_dots_other_seed_other_dots() -> None:
    a = make_design("norwood-4", "soft", seed=1)[2].dots.position_mm
    from smpstudio.design.build import build_design

    spec = make_design("norwood-4", "soft", seed=1)[0]
    np.testing.assert_array_equal(build_design(spec).dots.position_mm, a)
    b = make_design("norwood-4", "soft", seed=2)[2].dots.position_mm
    assert a.shape != b.shape or not np.array_equal(a, b)


def test_follicular_units_group_one_to_four_dots() -> None:
    _, _, doc = make_design("norwood-6", "soft", follicular_units=True)
    sites = doc.header.summary.site_count
    ratio = len(doc.dots) / sites
    assert ratio == pytest.approx(0.20 * 1 + 0.45 * 2 + 0.30 * 3 + 0.05 * 4, abs=0.05)


def test_blue_noise_has_little_low_frequency_power() -> None:
    """Blue noise: the radial power spectrum of the dots' pattern is low below the dot frequency."""
    _, ctx, doc = make_design("full", "natural", seed=5)
    uv = chart_from_points_mm(ctx.grid.head, doc.dots.position_mm)
    window = (np.abs(uv[:, 0]) < 40) & (np.abs(uv[:, 1]) < 40)
    img, _, _ = np.histogram2d(uv[window, 0], uv[window, 1], bins=256, range=[[-40, 40], [-40, 40]])
    power = np.abs(np.fft.fftshift(np.fft.fft2(img - img.mean()))) ** 2
    fy, fx = np.indices(power.shape) - 128
    radius = np.hypot(fx, fy) * (1.0 / 80.0)  # cycles per mm
    spacing = 1.0 / np.sqrt(0.8)  # mean dot distance at 80 dots/cm²
    low = power[(radius > 0) & (radius < 0.3 / spacing)].mean()
    peak = power[(radius > 0.8 / spacing) & (radius < 1.2 / spacing)].mean()
    white = float(np.sum(window))  # a Poisson (white) pattern has flat power equal to N
    assert low < 0.25 * white < peak
