"""Random streams for the light transport: xoshiro256** seeded by splitmix64, compiled with Numba.

xoshiro256** (Blackman & Vigna 2018, [blackman2018] in docs/references.md) has a 256-bit state and a period
of 2²⁵⁶ - 1; its four state words are seeded from ``(seed, stream)`` by splitmix64 (Steele, Lea & Flood
2014, [steele2014]), so each batch of photons draws from its own stream whatever thread runs it.

The state travels as four ``uint64`` scalars (``next_uniform`` takes and returns them) so that the compiled
photon loop keeps it in registers instead of reloading it from memory after every tally store.
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["next_uniform", "seed_state"]

#: splitmix64's increment (the golden ratio in 64-bit fixed point) [steele2014].
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
#: A second odd constant that spreads the stream index over the seed's state space [steele2014].
_STREAM = np.uint64(0xD1B54A32D192ED03)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
#: 2⁻⁵³: the top 53 bits of a draw as a double in [0, 1).
_TWO_M53 = 1.0 / 9007199254740992.0

Words = tuple[np.uint64, np.uint64, np.uint64, np.uint64]


@nb.njit(cache=True, nogil=True)
def seed_state(seed: int, stream: int) -> Words:
    """The four xoshiro256** state words for ``(seed, stream)``, from splitmix64.

    Parameters
    ----------
    seed : int
        Seed of the run, 0 to 2⁶³ - 1.
    stream : int
        Index of the stream (the batch), 0 to 2⁶³ - 1.

    Returns
    -------
    state : tuple of 4 uint64
        Never all zero (splitmix64's output is a bijection of distinct counters).
    """
    z = np.uint64(seed) * _GOLDEN + np.uint64(stream) * _STREAM
    out = [np.uint64(0)] * 4
    for i in range(4):
        z = z + _GOLDEN
        x = z
        x = (x ^ (x >> np.uint64(30))) * _MIX1
        x = (x ^ (x >> np.uint64(27))) * _MIX2
        out[i] = x ^ (x >> np.uint64(31))
    return out[0], out[1], out[2], out[3]


@nb.njit(inline="always")
def _rotl(x: np.uint64, k: np.uint64) -> np.uint64:
    return (x << k) | (x >> (np.uint64(64) - k))


@nb.njit(cache=True, nogil=True, inline="always")
def next_uniform(
    s0: np.uint64, s1: np.uint64, s2: np.uint64, s3: np.uint64
) -> tuple[float, np.uint64, np.uint64, np.uint64, np.uint64]:
    """One double in [0, 1) from xoshiro256** and the advanced state (Blackman & Vigna 2018).

    Parameters
    ----------
    s0, s1, s2, s3 : uint64
        The state words.

    Returns
    -------
    u, s0, s1, s2, s3 : float and 4 uint64
        The draw's top 53 bits times 2⁻⁵³, in [0, 1), and the next state.
    """
    result = _rotl(s1 * np.uint64(5), np.uint64(7)) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, np.uint64(45))
    return float(np.int64(result >> np.uint64(11))) * _TWO_M53, s0, s1, s2, s3
