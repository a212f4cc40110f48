from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from smpstudio.design.bridson2007 import plane_domain, plane_seeds, poisson_disk_surface, spacing_at
from smpstudio.design.sessions import ADSORPTION_SPACING, assign_sessions


@pytest.fixture(scope="module")
def dots() -> tuple[np.ndarray, np.ndarray]:
    dom = plane_domain(5000.0)
    pts = poisson_disk_surface(dom, plane_seeds(dom, 64, np.random.default_rng(0)), seed=0)
    return pts, spacing_at(dom, pts)


@pytest.mark.parametrize("fractions", [(1.0,), (0.5, 1.0), (0.45, 0.8, 1.0), (0.2, 0.4, 0.6, 0.8, 1.0)])
def test_sessions_hold_the_fractions_exactly(
    dots: tuple[np.ndarray, np.ndarray], fractions: tuple[float, ...]
) -> None:
    pts, r = dots
    session = assign_sessions(pts, r, fractions, np.random.default_rng(1))
    assert session.min() >= 1 and session.max() == len(fractions)
    for s, f in enumerate(fractions, start=1):
        assert int(np.sum(session <= s)) == round(f * len(pts))


def test_first_session_is_spread_like_blue_noise(dots: tuple[np.ndarray, np.ndarray]) -> None:
    pts, r = dots
    session = assign_sessions(pts, r, (0.45, 0.8, 1.0), np.random.default_rng(2))
    first = pts[session == 1]
    d, _ = cKDTree(first).query(first, k=2)
    # Every first-session dot keeps 0.8 of the spacing of a 45 % density, within rounding.
    assert d[:, 1].min() >= ADSORPTION_SPACING * r.min() / np.sqrt(0.45) - 1e-9


def test_sessions_are_deterministic(dots: tuple[np.ndarray, np.ndarray]) -> None:
    pts, r = dots
    a = assign_sessions(pts, r, (0.45, 0.8, 1.0), np.random.default_rng(3))
    b = assign_sessions(pts, r, (0.45, 0.8, 1.0), np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
