"""Timing helpers: min of at least three runs, after a warm-up for compiled code."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

RUNS = 3


@dataclass
class Row:
    """One comparison: our time and a peer's on the same input."""

    name: str
    params: dict[str, Any]
    ours_s: float
    peer: str
    peer_s: float

    @property
    def speedup(self) -> float:
        return self.peer_s / self.ours_s

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "params": self.params,
            "ours_s": round(self.ours_s, 4),
            "peer": self.peer,
            "peer_s": round(self.peer_s, 4),
            "speedup": round(self.speedup, 2),
        }


def best_of(fn: Callable[[int], Any], runs: int = RUNS, warmup: bool = False) -> tuple[float, Any]:
    """Minimum wall time of ``runs`` calls ``fn(i)`` and the last result."""
    if warmup:
        fn(-1)
    best, out = float("inf"), None
    for i in range(runs):
        t = time.perf_counter()
        out = fn(i)
        best = min(best, time.perf_counter() - t)
    return best, out
