"""The reports' charts, drawn on the server: Matplotlib (its Agg toolkit, no pyplot, no JavaScript) to SVG
that a page carries inline.

The SVG is made to live inside a page under the studio's Content-Security-Policy (``style-src 'self'``):
Matplotlib's ``style="..."`` declarations become SVG presentation attributes, its ``<style>`` and
``<metadata>`` elements go, every ``id`` is prefixed with the chart's key (several charts share a page),
and ``xlink:href`` becomes ``href``. Text is drawn as the glyph outlines of DejaVu Sans (the font Matplotlib
ships, the studio's own), so a chart looks the same in every browser. The output is deterministic (a fixed
``svg.hashsalt``, no date): the same report gives the same bytes, so charts are cached by their data.
"""

from __future__ import annotations

import calendar
import io
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from smpstudio.services.report_signals import AdverseEventsReport
from smpstudio.services.reports import FollowUpsReport, LotsReport, SessionsReport, TouchUpsReport

__all__ = [
    "PALETTE",
    "Series",
    "bar_chart",
    "events_chart",
    "followups_chart",
    "lots_chart",
    "sessions_chart",
    "touch_ups_chart",
]

#: Okabe and Ito's colours, told apart with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
_SIGNAL, _QUIET, _GREY = "#D55E00", "#0072B2", "#999999"
#: The most lots a chart shows (the table lists them all).
MAX_BARS = 30
_LABEL_CHARS = 32

_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"
#: The CSS properties Matplotlib writes that SVG also takes as presentation attributes.
_PRESENTATION = frozenset(
    {
        "clip-path",
        "color",
        "fill",
        "fill-opacity",
        "fill-rule",
        "font-family",
        "font-size",
        "font-style",
        "font-weight",
        "opacity",
        "stroke",
        "stroke-dasharray",
        "stroke-dashoffset",
        "stroke-linecap",
        "stroke-linejoin",
        "stroke-miterlimit",
        "stroke-opacity",
        "stroke-width",
        "text-anchor",
    }
)
_RC: dict[str, Any] = {
    "svg.hashsalt": "smpstudio-reports",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "text.parse_math": False,  # a product named "$5 black" is text, not mathematics
    "axes.spines.top": False,
    "axes.spines.right": False,
}
#: Matplotlib's settings are process-wide: one chart is drawn at a time.
_LOCK = threading.Lock()

ET.register_namespace("", _SVG)


@dataclass(frozen=True)
class Series:
    """One set of bars: its legend label, a value per category, its colour (or one per bar) and hatching."""

    label: str
    values: tuple[float, ...]
    colour: str | tuple[str, ...]
    hatch: str | None = None


def _short(text: str) -> str:
    return text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "…"


@lru_cache(maxsize=128)
def bar_chart(
    key: str,
    title: str,
    categories: tuple[str, ...],
    series: tuple[Series, ...],
    *,
    value_label: str = "",
    horizontal: bool = False,
    stacked: bool = True,
    counts: bool = True,
) -> str:
    """A bar chart as inline SVG markup: one bar per category, the series stacked (or side by side).

    ``key`` prefixes every id in the SVG (unique per page); ``title`` is the SVG's accessible title;
    ``counts`` puts the value axis' ticks on whole numbers.
    """
    count = max(len(categories), 1)
    size = (7.5, 0.9 + 0.26 * count) if horizontal else (7.5, 3.0)
    with _LOCK, rc_context(_RC):  # type: ignore[arg-type]
        fig = Figure(figsize=size, layout="constrained")
        ax = fig.add_subplot()
        positions = list(range(len(categories)))
        base = [0.0] * len(categories)
        width = 0.75 if stacked else 0.8 / max(len(series), 1)
        for index, s in enumerate(series):
            offset = 0.0 if stacked else (index - (len(series) - 1) / 2) * width
            where = [p + offset for p in positions]
            colour = list(s.colour) if isinstance(s.colour, tuple) else s.colour
            bottom = base if stacked else None
            if horizontal:
                ax.barh(
                    where, s.values, height=width, left=bottom, color=colour, label=s.label, hatch=s.hatch
                )
            else:
                ax.bar(
                    where, s.values, width=width, bottom=bottom, color=colour, label=s.label, hatch=s.hatch
                )
            if stacked:
                base = [b + v for b, v in zip(base, s.values, strict=True)]
        top = max([*base, *(v for s in series for v in s.values), 0.0])
        labels = [_short(c) for c in categories]
        if horizontal:
            ax.set_yticks(positions, labels)
            ax.invert_yaxis()
            ax.set_xlim(0, top * 1.08 if top > 0 else 1)
            ax.set_xlabel(value_label)
            ax.grid(axis="x", alpha=0.3)
        else:
            ax.set_xticks(positions, labels)
            ax.set_ylim(0, top * 1.12 if top > 0 else 1)
            ax.set_ylabel(value_label)
            ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
        if counts:
            (ax.xaxis if horizontal else ax.yaxis).set_major_locator(MaxNLocator(integer=True))
        if len(series) > 1 or (series and series[0].label):
            ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=min(len(series), 4), frameon=False)
        out = io.BytesIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return inline_svg(out.getvalue().decode("utf-8"), key, title)


def inline_svg(markup: str, key: str, title: str) -> str:
    """Matplotlib's SVG made fit to sit inside a page under a strict Content-Security-Policy (see the
    module's docstring), scaled by its ``viewBox``, with ``title`` as its accessible name."""
    root = ET.fromstring(markup)
    parents = {child: parent for parent in root.iter() for child in parent}
    for element in list(root.iter()):
        local = element.tag.rsplit("}", 1)[-1]
        if local in {"metadata", "style"} and element in parents:
            parents[element].remove(element)
            continue
        _attributes(element, key)
    for name in ("width", "height"):
        root.attrib.pop(name, None)
    root.set("class", "chart")
    root.set("role", "img")
    root.set("aria-labelledby", f"{key}-title")
    root.set("stroke-linejoin", "round")  # what Matplotlib's own <style> said for every element
    root.set("stroke-linecap", "butt")
    heading = ET.Element(f"{{{_SVG}}}title", {"id": f"{key}-title"})
    heading.text = title
    root.insert(0, heading)
    return ET.tostring(root, encoding="unicode")


def _attributes(element: ET.Element, key: str) -> None:
    """One element's style as presentation attributes, its id prefixed and its references following."""
    style = element.attrib.pop("style", "")
    for declaration in style.split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        if name in _PRESENTATION and value and name not in element.attrib:
            element.set(name, value)
    if "id" in element.attrib:
        element.set("id", f"{key}-{element.attrib['id']}")
    link = element.attrib.pop(f"{{{_XLINK}}}href", None) or element.attrib.pop("href", None)
    if link is not None:
        element.set("href", f"#{key}-{link[1:]}" if link.startswith("#") else link)
    for name, value in list(element.attrib.items()):
        if "url(#" in value:
            element.set(name, value.replace("url(#", f"url(#{key}-"))


def _month(label: str) -> str:
    """``2025-04`` as ``Apr`` over ``2025``."""
    year, month = label.split("-")
    return f"{calendar.month_abbr[int(month)]}\n{year}"


def _colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def sessions_chart(report: SessionsReport) -> str:
    """Sessions per month, stacked by practitioner; historical sessions hatched."""
    series = []
    for k, person in enumerate(report.practitioners):
        counts = [m.by_practitioner[k] for m in report.months]
        recorded = tuple(float(c.sessions - c.historical) for c in counts)
        series.append(Series(person.name, recorded, _colour(k)))
        past = tuple(float(c.historical) for c in counts)
        if any(past):
            series.append(Series(f"{person.name} (historical)", past, _colour(k), hatch="///"))
    if not series:
        series = [Series("", tuple(0.0 for _ in report.months), _GREY)]
    months = tuple(_month(m.month) for m in report.months)
    return bar_chart("chart-sessions", "Sessions per month", months, tuple(series), value_label="sessions")


def lots_chart(report: LotsReport) -> str | None:
    """Per lot, the units given to sessions in the window and the units in stock now (None: no lot)."""
    lots = report.lots[:MAX_BARS]
    if not lots:
        return None
    names = tuple(f"{x.lot} · {x.product}" for x in lots)  # the lot first: a cut label keeps it
    series = (
        Series("sessions in the window", tuple(float(x.sessions) for x in lots), PALETTE[0]),
        Series("units in stock now", tuple(float(x.remaining) for x in lots), PALETTE[1]),
    )
    return bar_chart("chart-lots", "Lots: sessions and stock", names, series, horizontal=True, stacked=False)


def events_chart(report: AdverseEventsReport) -> str | None:
    """Per lot, the share of its sessions with an adverse event, signalled lots in red (None: no lot)."""
    lots = report.lots[:MAX_BARS]
    if not lots:
        return None
    names = tuple(f"{x.lot} · {x.kind} · {x.product}" for x in lots)  # the lot first, as above
    rates = tuple(100.0 * (x.rate or 0.0) for x in lots)
    colours = tuple(_SIGNAL if x.signal else _QUIET for x in lots)
    label = "sessions with an adverse event (red: a lot signal)"
    return bar_chart(
        "chart-events",
        "Adverse events by lot",
        names,
        (Series(label, rates, colours),),
        value_label="% of the lot's sessions",
        horizontal=True,
        counts=False,
    )


def followups_chart(report: FollowUpsReport) -> str:
    """Follow-ups due per month: done on time, done late, open past their day, and not due yet."""
    months = tuple(_month(m.month) for m in report.months)
    series = (
        Series("done on time", tuple(float(m.on_time) for m in report.months), PALETTE[2]),
        Series("done late", tuple(float(m.late) for m in report.months), PALETTE[1]),
        Series("open, past due", tuple(float(m.open - m.not_yet_due) for m in report.months), _SIGNAL),
        Series("not due yet", tuple(float(m.not_yet_due) for m in report.months), _GREY),
    )
    return bar_chart("chart-followups", "Follow-ups due per month", months, series, value_label="follow-ups")


def touch_ups_chart(report: TouchUpsReport) -> str:
    """Touch-ups due in each month of the quarter."""
    months = tuple(_month(m.month) for m in report.months)
    values = tuple(float(m.touch_ups) for m in report.months)
    return bar_chart(
        "chart-touch-ups",
        f"Touch-ups due in {report.quarter}",
        months,
        (Series("", values, PALETTE[0]),),
        value_label="touch-ups",
    )
