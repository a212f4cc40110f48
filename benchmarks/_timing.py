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
    peer_s: float | None
    """None when no peer ran (e.g. no reference binary given): our figures alone."""

    @property
    def speedup(self) -> float | None:
        return None if self.peer_s is None else self.peer_s / self.ours_s

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "params": self.params,
            "ours_s": _significant(self.ours_s),
            "peer": self.peer,
            "peer_s": None if self.peer_s is None else _significant(self.peer_s),
            "speedup": None if self.speedup is None else round(self.speedup, 2),
        }


def _significant(x: float, digits: int = 4) -> float:
    """``x`` to ``digits`` significant figures (microsecond timings keep their value)."""
    return float(f"{x:.{digits}g}")


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
