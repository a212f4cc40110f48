"""Light transport against the published MCML cases ([wang1992], [vandehulst1980] in docs/references.md).

Tolerances are 4 standard errors at the photon count used: per-photon standard deviations of about
0.32 (Rd) and 0.45 (Tt) on the slab, 0.25 (Rd) on the semi-infinite medium ([wang1992] Tables 6.1-6.2).
"""

from __future__ import annotations

import math

import pytest

from smpstudio.skin.layers import Layer, LayerStack
from smpstudio.skin.wang1995 import simulate

pytestmark = pytest.mark.validation

N = 400_000


def mcml_slab() -> LayerStack:
    """van de Hulst slab: n = 1, mua 10 /cm, mus 90 /cm, g 0.75, d 0.02 cm ([wang1992] Table 6.1), in mm."""
    return LayerStack((Layer(1.0, 1.0, 9.0, 0.75, 0.2),), n_above=1.0, n_below=1.0)


def mcml_semi_infinite() -> LayerStack:
    """Giovanelli semi-infinite medium: n = 1.5 under air, mua 10 /cm, mus 90 /cm, g 0 (§3.2), in mm."""
    return LayerStack((Layer(1.5, 1.0, 9.0, 0.0, None),), n_above=1.0, n_below=1.0)


def mcml_skin_550() -> LayerStack:
    """The 4-layer skin at 550 nm with a pigment layer at 0.5 mm (this project's case), in mm and /mm."""
    rows = [
        (11.5991, 575.586, 0.01),
        (0.955906, 365.919, 0.04),
        (200.956, 365.919, 0.01),
        (0.955906, 365.919, None),
    ]
    return LayerStack(
        tuple(Layer(1.4, a / 10, s / 10, 0.9, None if t is None else t * 10) for a, s, t in rows)
    )


def test_slab_matches_van_de_hulst() -> None:
    r = simulate(mcml_slab(), N, seed=1)
    assert r.specular == 0.0
    assert r.diffuse_reflectance == pytest.approx(0.09739, abs=4 * 0.32 / math.sqrt(N))
    assert r.transmittance == pytest.approx(0.66096, abs=4 * 0.45 / math.sqrt(N))
    # The reported standard errors agree with the per-photon spread MCML shows.
    assert r.stderr["diffuse_reflectance"] == pytest.approx(0.32 / math.sqrt(N), rel=0.4)


def test_semi_infinite_matches_giovanelli() -> None:
    r = simulate(mcml_semi_infinite(), N // 4, seed=2)
    assert r.specular == pytest.approx(0.04, abs=1e-15)
    assert r.transmittance == 0.0
    assert r.specular + r.diffuse_reflectance == pytest.approx(0.2600, abs=4 * 0.25 / math.sqrt(N // 4))


def test_layered_skin_matches_the_reference_program() -> None:
    """MCML 1.2.2 on this case gave Rsp 0.02778, Rd 0.20281, A 0.76941 with 10⁶ photons (§4.3)."""
    n = 100_000
    r = simulate(mcml_skin_550(), n, seed=3)
    assert r.specular == pytest.approx(((1.4 - 1) / (1.4 + 1)) ** 2)
    tol = 4 * math.hypot(r.stderr["diffuse_reflectance"], 0.3 / math.sqrt(1e6))
    assert r.diffuse_reflectance == pytest.approx(0.20281, abs=tol)
    assert r.transmittance == 0.0


def test_ballistic_transmission_of_a_non_scattering_slab() -> None:
    """Without scattering and with matched indices, T = exp(-mua d) (Beer-Lambert). In a pure
    absorber each packet is absorbed whole at its first interaction, so T is binomial: 4 sigma."""
    n = 40_000
    r = simulate(LayerStack((Layer(1.0, 2.0, 0.0, 0.0, 0.5),)), n, seed=4)
    p = math.exp(-1.0)
    assert r.transmittance == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / n))
    assert r.diffuse_reflectance == 0.0
