"""Invariants of the Monte Carlo engine (property tests) and its input checks."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpstudio.errors import InputError
from smpstudio.skin.layers import Layer, LayerStack, stack_from_dict
from smpstudio.skin.wang1995 import simulate

layers = st.builds(
    Layer,
    n=st.floats(1.0, 1.6),
    mua_per_mm=st.floats(0.0, 5.0),
    mus_per_mm=st.floats(0.0, 30.0),
    g=st.floats(-0.9, 0.95),
    thickness_mm=st.floats(0.01, 2.0),
)
stacks = st.builds(
    lambda ls, last_semi, na, nb: LayerStack(
        tuple(ls[:-1])
        + (
            (Layer(ls[-1].n, max(ls[-1].mua_per_mm, 0.05), ls[-1].mus_per_mm, ls[-1].g, None),)
            if last_semi
            else (ls[-1],)
        ),
        na,
        nb,
    ),
    st.lists(layers, min_size=1, max_size=4),
    st.booleans(),
    st.floats(1.0, 1.5),
    st.floats(1.0, 1.5),
)


@settings(max_examples=25, deadline=None)
@given(stacks, st.integers(0, 2**31))
def test_energy_is_conserved(stack: LayerStack, seed: int) -> None:
    """R + A + T = 1: every packet's weight ends reflected, absorbed or transmitted; Russian roulette
    changes it by at most a few 1e-3 per packet that plays, with mean zero."""
    r = simulate(stack, 2000, seed=seed)
    total = r.specular + r.diffuse_reflectance + r.absorbed + r.transmittance
    assert total == pytest.approx(1.0, abs=5e-3)
    assert all(v >= 0 for v in (r.diffuse_reflectance, r.absorbed, r.transmittance))
    assert np.all(r.absorbed_per_layer >= 0)


def test_results_do_not_depend_on_the_thread_count() -> None:
    stack = LayerStack((Layer(1.4, 0.1, 20.0, 0.9, 0.1), Layer(1.4, 0.5, 30.0, 0.9, None)))
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        a = simulate(stack, 20_000, seed=9)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        b = simulate(stack, 20_000, seed=9)
    finally:
        numba.set_num_threads(before)
    assert a.diffuse_reflectance == b.diffuse_reflectance
    np.testing.assert_array_equal(a.absorbed_per_layer, b.absorbed_per_layer)
    assert simulate(stack, 20_000, seed=10).diffuse_reflectance != a.diffuse_reflectance


def test_radial_profile_integrates_to_the_diffuse_reflectance() -> None:
    stack = LayerStack((Layer(1.4, 0.05, 20.0, 0.9, None),))
    r = simulate(stack, 50_000, seed=1, radial_bins=(0.05, 400))
    area = 2 * np.pi * r.radial_r_mm * 0.05
    inside = float(np.sum(r.radial_rd_per_mm2 * area))
    assert inside == pytest.approx(r.diffuse_reflectance, rel=0.02)  # the rest left beyond 20 mm


def test_light_from_deeper_spreads_wider() -> None:
    stack = LayerStack((Layer(1.4, 0.1, 30.0, 0.9, None),))
    r = simulate(stack, 100_000, seed=5, spread_depths_mm=(0.1, 0.3, 1.0), spread_bins=(0.01, 600))
    radii = r.spread_radius_mm(0.5)
    assert radii[0] < radii[1] < radii[2]
    # Less light visits greater depths and returns.
    visits = r.spread_weight.sum(axis=1)
    assert visits[0] > visits[1] > visits[2] > 0


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"layers": []}, "layers"),
        (
            {"layers": [{"n": 0.9, "mua_per_mm": 1, "mus_per_mm": 1, "g": 0.5, "thickness_mm": 1}]},
            "layers[0].n",
        ),
        (
            {"layers": [{"n": 1.4, "mua_per_mm": -1, "mus_per_mm": 1, "g": 0.5, "thickness_mm": 1}]},
            "layers[0].mua_per_mm",
        ),
        (
            {"layers": [{"n": 1.4, "mua_per_mm": 1, "mus_per_mm": 1, "g": 1.0, "thickness_mm": 1}]},
            "layers[0].g",
        ),
        (
            {"layers": [{"n": 1.4, "mua_per_mm": 1, "mus_per_mm": 1, "g": 0.5, "thickness_mm": -2}]},
            "layers[0].thickness_mm",
        ),
        (
            {
                "layers": [
                    {"n": 1.4, "mua_per_mm": 1, "mus_per_mm": 1, "g": 0.5, "thickness_mm": None},
                    {"n": 1.4, "mua_per_mm": 1, "mus_per_mm": 1, "g": 0.5, "thickness_mm": 1},
                ]
            },
            "layers[0].thickness_mm",
        ),
        (
            {"layers": [{"n": 1.4, "mua_per_mm": "x", "mus_per_mm": 1, "g": 0.5, "thickness_mm": 1}]},
            "layers[0].mua_per_mm",
        ),
        ({"layers": [{"n": 1.4, "mus_per_mm": 1, "g": 0.5, "thickness_mm": 1}]}, "layers[0].mua_per_mm"),
        (
            {
                "n_above": 0.5,
                "layers": [{"n": 1.4, "mua_per_mm": 1, "mus_per_mm": 1, "g": 0, "thickness_mm": 1}],
            },
            "n_above",
        ),
    ],
)
def test_bad_configurations_name_the_field(config: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        stack_from_dict(config)
    assert info.value.field == field


def test_photon_count_is_checked() -> None:
    stack = LayerStack((Layer(1.0, 1.0, 1.0, 0.0, 1.0),))
    with pytest.raises(InputError, match="photons"):
        simulate(stack, 0)
