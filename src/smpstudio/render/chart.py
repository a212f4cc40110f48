"""Charts of a dot's healing and ageing: contrast and apparent size over time, with the touch-up date.

Time runs on a scale that is linear over the first month (healing) and logarithmic after it (years), so
scabs, shedding and the slow fade all have room. Rendered with Matplotlib's Agg backend to PNG.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure

__all__ = ["Curve", "timeline_chart"]

YEAR_DAYS = 365.25


@dataclass(frozen=True)
class Curve:
    """One technique's curve: days, contrast (CIEDE2000), apparent diameter [mm], touch-up date [years]."""

    label: str
    days: Sequence[float]
    contrast: Sequence[float]
    diameter_mm: Sequence[float]
    touch_up_due_years: float | None
    colour: str


def timeline_chart(curves: Sequence[Curve], *, title: str) -> bytes:
    """The contrast and dot-size chart of ``curves``, as PNG bytes."""
    fig = Figure(figsize=(8.0, 6.4), layout="constrained")
    ax_c, ax_d = fig.subplots(2, 1, sharex=True)
    for k, c in enumerate(curves):
        ax_c.plot(c.days, c.contrast, color=c.colour, lw=2, label=c.label)
        ax_d.plot(c.days, c.diameter_mm, color=c.colour, lw=2, label=c.label)
        if c.touch_up_due_years is not None:
            day = c.touch_up_due_years * YEAR_DAYS
            for ax in (ax_c, ax_d):
                ax.axvline(day, color=c.colour, ls="--", lw=1)
            ax_c.annotate(
                f"touch-up due\n{c.touch_up_due_years:.1f} years",
                (day, 0.55 - 0.2 * k),
                xycoords=ax_c.get_xaxis_transform(),
                xytext=(-6, 0),
                textcoords="offset points",
                ha="right",
                va="top",
                color=c.colour,
                fontsize=9,
            )
    for ax in (ax_c, ax_d):
        ax.set_xscale("symlog", linthresh=30.0, linscale=1.2)
        ax.axvspan(1, 10, color="0.85", alpha=0.5, lw=0)
        ax.grid(True, alpha=0.3)
    ax_c.text(5.5, 0.02, "scabs", transform=ax_c.get_xaxis_transform(), ha="center", fontsize=8, color="0.35")
    ticks = [0, 3, 7, 14, 30, 90, 365, 2 * 365, 3 * 365, 5 * 365, 10 * 365]
    ax_d.set_xticks(ticks)
    ax_d.set_xticklabels(["0", "3 d", "7 d", "14 d", "30 d", "3 mo", "1 y", "2 y", "3 y", "5 y", "10 y"])
    ax_d.set_xlim(0, max(max(c.days) for c in curves))
    ax_c.set_ylabel("contrast with the skin (ΔE2000)")
    ax_d.set_ylabel("apparent dot diameter (mm)")
    ax_d.set_xlabel("time since the session")
    ax_c.set_title(title, fontsize=11)
    ax_c.legend(loc="upper center", fontsize=9)
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=110, format="png")
    return buffer.getvalue()
