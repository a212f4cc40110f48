"""The compiled parts of the light transport: random streams, the per-layer table, probes, threads."""

from __future__ import annotations

import math
import threading

import numba
import numpy as np
import pytest

from smpstudio.errors import InputError
from smpstudio.skin import appearance_table
from smpstudio.skin.appearance import bare_spectrum
from smpstudio.skin.blackman2018 import next_uniform, seed_state
from smpstudio.skin.layers import Layer, LayerStack
from smpstudio.skin.pigments import PIGMENTS
from smpstudio.skin.scalp import Dot, ScalpSkin
from smpstudio.skin.wang1995 import simulate
from smpstudio.skin.wang1995_kernel import COLUMNS, layer_table

MASK = (1 << 64) - 1


def _rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (64 - k))) & MASK


def _xoshiro256ss(state: list[int]) -> int:
    """xoshiro256** in plain Python, as Blackman & Vigna [blackman2018] give it in C."""
    s0, s1, s2, s3 = state
    result = (_rotl((s1 * 5) & MASK, 7) * 9) & MASK
    t = (s1 << 17) & MASK
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    state[:] = [s0, s1, s2, s3]
    return result


def _splitmix64(seed: int, stream: int) -> list[int]:
    """splitmix64 [steele2014] from the counter ``seed φ + stream c`` (mod 2⁶⁴), four outputs."""
    z = (seed * 0x9E3779B97F4A7C15 + stream * 0xD1B54A32D192ED03) & MASK
    out = []
    for _ in range(4):
        z = (z + 0x9E3779B97F4A7C15) & MASK
        x = z
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
        out.append(x ^ (x >> 31))
    return out


@numba.njit
def _uniforms(seed: int, stream: int, n: int) -> np.ndarray:
    s0, s1, s2, s3 = seed_state(seed, stream)
    out = np.empty(n)
    for k in range(n):
        out[k], s0, s1, s2, s3 = next_uniform(s0, s1, s2, s3)
    return out


def test_the_published_generator_first_outputs() -> None:
    # From the state (1, 2, 3, 4) xoshiro256** gives 11520 and then 0 (Blackman & Vigna's algorithm).
    state = [1, 2, 3, 4]
    assert [_xoshiro256ss(state), _xoshiro256ss(state)] == [11520, 0]


@pytest.mark.parametrize(("seed", "stream"), [(0, 0), (1, 7), (2**63 - 1, 63), (123456789, 2**40)])
def test_compiled_streams_match_the_reference_algorithms(seed: int, stream: int) -> None:
    state = _splitmix64(seed, stream)
    assert [int(w) for w in seed_state(seed, stream)] == state
    expected = [(_xoshiro256ss(state) >> 11) * 2.0**-53 for _ in range(50)]
    assert _uniforms(seed, stream, 50).tolist() == expected


def test_uniforms_are_uniform() -> None:
    # 10⁵ draws in 20 bins: chi² with 19 degrees of freedom stays below 43.8 (p = 0.001).
    u = _uniforms(5, 0, 100_000)
    counts = np.histogram(u, bins=20, range=(0.0, 1.0))[0]
    assert float(((counts - 5000.0) ** 2 / 5000.0).sum()) < 43.8
    assert u.min() >= 0.0 and u.max() < 1.0


def test_layer_table_holds_mcml_constants() -> None:
    stack = LayerStack(
        (Layer(1.4, 1.0, 9.0, 0.9, 0.1), Layer(1.4, 0.0, 0.0, 0.0, 0.2), Layer(1.5, 2.0, 3.0, -0.5, None)),
        n_above=1.0,
        n_below=1.33,
    )
    table = layer_table(stack.arrays(), stack.n_above, stack.n_below)
    col = {name: table[:, i] for i, name in enumerate(COLUMNS)}
    np.testing.assert_allclose(col["mut"], [10.0, 0.0, 5.0])
    np.testing.assert_allclose(col["inv_mut"], [0.1, 0.0, 0.2])
    np.testing.assert_allclose(col["absorbed_share"], [0.1, 0.0, 0.4])
    np.testing.assert_allclose(col["hg_e"], [1 / 1.8, 0.0, -1.0])
    # Critical cosine sqrt(1 - (n2/n1)²) only from the denser side ([wang1992] §3.5).
    np.testing.assert_allclose(
        col["cos_crit_up"], [math.sqrt(1 - (1 / 1.4) ** 2), 0.0, math.sqrt(1 - (1.4 / 1.5) ** 2)]
    )
    np.testing.assert_allclose(col["cos_crit_down"], [0.0, 0.0, math.sqrt(1 - (1.33 / 1.5) ** 2)])
    assert col["z_bottom"][-1] == math.inf


STACK = LayerStack((Layer(1.4, 0.5, 40.0, 0.9, 0.1), Layer(1.4, 0.1, 30.0, 0.9, None)))


def test_more_probes_do_not_change_a_probes_tally() -> None:
    """The random draws do not depend on the probes: each probe's histogram is the one it gets alone."""
    many = simulate(STACK, 5_000, seed=3, spread_depths_mm=(0.3, 0.05, 0.2), spread_bins=(0.005, 100))
    alone = simulate(STACK, 5_000, seed=3, spread_depths_mm=(0.2,), spread_bins=(0.005, 100))
    assert many.spread_depths_mm.tolist() == [0.05, 0.2, 0.3]
    np.testing.assert_array_equal(many.spread_weight[1], alone.spread_weight[0])
    assert many.diffuse_reflectance == alone.diffuse_reflectance
    # Light that reached 0.3 mm also reached 0.05 mm: the deeper probe sees less of the returning light.
    assert many.spread_weight[0].sum() > many.spread_weight[1].sum() > many.spread_weight[2].sum() > 0


def test_every_tally_is_identical_at_any_thread_count() -> None:
    before = numba.get_num_threads()
    runs = []
    try:
        for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
            numba.set_num_threads(threads)
            runs.append(simulate(STACK, 12_000, seed=4, batches=48, spread_depths_mm=(0.1,)))
    finally:
        numba.set_num_threads(before)
    for other in runs[1:]:
        assert other.diffuse_reflectance == runs[0].diffuse_reflectance
        assert other.stderr == runs[0].stderr
        np.testing.assert_array_equal(other.radial_rd_per_mm2, runs[0].radial_rd_per_mm2)
        np.testing.assert_array_equal(other.spread_weight, runs[0].spread_weight)


def test_progress_is_reported_from_the_calling_thread_up_to_the_end() -> None:
    seen: list[tuple[int, int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total, threading.get_ident()))

    simulate(STACK, 10_000, seed=1, batches=40, progress=progress)
    done = [d for d, _, _ in seen]
    assert done == sorted(done) and done[-1] == 10_000 and 2 <= len(done) <= 9
    assert {t for _, t, _ in seen} == {10_000}
    assert {ident for _, _, ident in seen} == {threading.get_ident()}


@pytest.mark.parametrize("batches", [0, 101])
def test_batches_out_of_range_name_the_field(batches: int) -> None:
    with pytest.raises(InputError) as info:
        simulate(STACK, 100, batches=batches)
    assert info.value.field == "batches"


def test_table_build_shares_one_bare_run_across_deposits() -> None:
    """The build's bare spectra equal :func:`bare_spectrum`'s for each deposit alone (same seeds)."""
    skin = ScalpSkin("II")
    pigments = tuple(PIGMENTS)
    shared = appearance_table._bare_spectra(skin, pigments, photons=300, seed=21)
    depth, pigment = appearance_table.DEPTHS_MM[3], pigments[-1]
    alone = bare_spectrum(
        skin,
        Dot(depth, 1.0, pigment),
        wavelengths_nm=appearance_table.TABLE_WAVELENGTHS_NM,
        photons=300,
        seed=21,
    )
    mid = max(depth, skin.epidermis_mm) + 0.5 * PIGMENTS[pigment].deposit_mm
    got = shared[mid]
    np.testing.assert_array_equal(got.reflectance, alone.reflectance)
    np.testing.assert_array_equal(got.stderr, alone.stderr)
    np.testing.assert_array_equal(got.spread_fwhm_mm, alone.spread_fwhm_mm)
