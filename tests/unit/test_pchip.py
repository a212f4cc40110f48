"""The NumPy PCHIP against SciPy's PchipInterpolator: the same curve to rounding on random knots
(monotone, with extrema and flat runs), and the input checks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.interpolate import PchipInterpolator

from smpstudio.design.pchip import pchip


@pytest.mark.parametrize("seed", range(20))
def test_agrees_with_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 9))
    x = np.cumsum(rng.uniform(0.1, 2.0, n))
    y = rng.normal(size=n) if seed % 2 else np.cumsum(np.abs(rng.normal(size=n)))
    if seed % 5 == 0 and n > 2:
        y[1] = y[0]  # a flat run
    at = rng.uniform(x[0] - 1.0, x[-1] + 1.0, 200)
    np.testing.assert_allclose(pchip(x, y, at), PchipInterpolator(x, y)(at), rtol=1e-9, atol=1e-12)


def test_monotone_data_give_a_monotone_curve() -> None:
    x, y = np.array([0.0, 1.0, 2.0, 3.0]), np.array([0.0, 0.1, 0.9, 1.0])
    curve = pchip(x, y, np.linspace(0.0, 3.0, 301))
    assert np.all(np.diff(curve) >= 0.0)


@pytest.mark.parametrize(("x", "y"), [([0.0], [1.0]), ([0.0, 0.0], [1.0, 2.0]), ([1.0, 0.0], [1.0, 2.0])])
def test_bad_knots_are_refused(x: list[float], y: list[float]) -> None:
    with pytest.raises(ValueError, match="strictly increasing"):
        pchip(x, y, [0.5])
