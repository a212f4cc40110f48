"""Appearance-table lookup: one dot's appearance at a depth and ink fraction, interpolated.

Budget: under 10 µs a lookup. Peer: SciPy's ``RegularGridInterpolator`` on the same grid,
called per point. Min of 3 runs of 20,000 lookups each.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import RegularGridInterpolator

from benchmarks._timing import Row, best_of
from smpstudio.skin.appearance_table import packaged_table

LOOKUPS = 20_000


def run() -> list[Row]:
    table = packaged_table()
    rng = np.random.default_rng(0)
    depths = rng.uniform(0.07, 1.5, LOOKUPS).tolist()
    fractions = rng.uniform(0.1, 1.0, LOOKUPS).tolist()

    def ours(i: int) -> None:
        for d, u in zip(depths, fractions, strict=True):
            table.lookup("III", d, u, "carbon-black")

    ours_s, _ = best_of(ours, warmup=True)
    s, p = table.skin_types.index("III"), table.pigments.index("carbon-black")
    interp = RegularGridInterpolator((table.depths_mm, table.ink_fractions), table.dots[s, p])

    def peer(i: int) -> None:
        for d, u in zip(depths, fractions, strict=True):
            interp((d, u))

    peer_s, _ = best_of(peer)
    per_ours, per_peer = ours_s / LOOKUPS, peer_s / LOOKUPS
    params = {"lookups": LOOKUPS, "ours_us_per_lookup": round(per_ours * 1e6, 2)}
    return [
        Row("appearance-lookup", params, per_ours, "budget 10 µs", 10e-6),
        Row(
            "appearance-lookup",
            {**params, "peer_us_per_lookup": round(per_peer * 1e6, 2)},
            per_ours,
            "scipy RegularGridInterpolator, per point",
            per_peer,
        ),
    ]
