"""Randomness: every random function takes ``rng``, a :class:`numpy.random.Generator` or an int seed."""

from __future__ import annotations

import numpy as np

__all__ = ["RngLike", "as_generator", "derive_seed"]

RngLike = np.random.Generator | int | None


def as_generator(rng: RngLike) -> np.random.Generator:
    """Normalise ``rng`` once, as scikit-image does: a Generator passes through, an int seeds a new one."""
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)


def derive_seed(rng: np.random.Generator) -> int:
    """An int seed for code that cannot take a Generator (compiled kernels), drawn from ``rng``."""
    return int(rng.integers(0, 2**31 - 1))
