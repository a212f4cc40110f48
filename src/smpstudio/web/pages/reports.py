"""The owner's reports page: five reports over a window of months, each a table with a chart drawn on the
server, each downloadable as CSV.

A CSV file has a header row, is UTF-8 (with a byte-order mark, so spreadsheet programs read accented names
right), gives dates as ISO 8601, and defuses formula injection: a text cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return gets a leading ``'``, so a spreadsheet shows it as text and never
runs it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from smpstudio.errors import InputError
from smpstudio.services import report_signals, reports
from smpstudio.services.reports import ReportWindowRequest, TouchUpsRequest
from smpstudio.web import charts
from smpstudio.web.pages.clinic_forms import Context
from smpstudio.web.pages.rendering import page

__all__ = ["csv_bytes", "csv_cell", "router"]

router = APIRouter(include_in_schema=False)

From = Annotated[str | None, Query(alias="from", max_length=7)]
To = Annotated[str | None, Query(alias="to", max_length=7)]
Quarter = Annotated[str | None, Query(max_length=7)]

#: The first characters a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | bool | dt.date | None


def csv_cell(value: Cell) -> str | int | float:
    """One cell as a CSV file writes it: dates ISO, yes/no, blanks, a text that a spreadsheet would run as
    a formula prefixed with ``'``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_START) else value
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """A CSV file (UTF-8 with a byte-order mark, CRLF line ends) of ``header`` and ``rows``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _download(filename: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Response:
    return Response(
        csv_bytes(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _window(first: str | None, last: str | None) -> ReportWindowRequest:
    return ReportWindowRequest.of(first_month=first or None, last_month=last or None)


def _name(report: str, window: reports.ReportWindow) -> str:
    return f"{report}-{window.first_month}-to-{window.last_month}.csv"


# --- the page -------------------------------------------------------------------------------------------


@router.get("/reports")
def reports_page(
    request: Request, ctx: Context, first: From = None, last: To = None, quarter: Quarter = None
) -> Response:
    values = {"from": first or "", "to": last or "", "quarter": quarter or ""}
    try:
        window = _window(first, last)
        touch_request = TouchUpsRequest.of(quarter=quarter or None)
        sessions = reports.sessions_report(ctx, window)
        lots = reports.lots_report(ctx, window)
        events = report_signals.adverse_events_report(ctx, window)
        followups = reports.followups_report(ctx, window)
        touch_ups = reports.touch_ups_report(ctx, touch_request)
    except InputError as error:  # a window or quarter that is not one: the form again, with the error
        return page(request, "reports/index.html", status_code=422, error=error, values=values)
    return page(
        request,
        "reports/index.html",
        json_twin="/api/v1/reports/sessions",
        values=values,
        error=None,
        window=sessions.window,
        query=f"?from={sessions.window.first_month}&to={sessions.window.last_month}",
        quarter_query=f"?quarter={touch_ups.quarter}",
        sessions=sessions,
        lots=lots,
        events=events,
        followups=followups,
        touch_ups=touch_ups,
        charts={
            "sessions": charts.sessions_chart(sessions),
            "lots": charts.lots_chart(lots),
            "events": charts.events_chart(events),
            "followups": charts.followups_chart(followups),
            "touch_ups": charts.touch_ups_chart(touch_ups),
        },
        max_bars=charts.MAX_BARS,
    )


# --- the CSV files --------------------------------------------------------------------------------------


@router.get("/reports/sessions.csv")
def sessions_csv(ctx: Context, first: From = None, last: To = None) -> Response:
    report = reports.sessions_report(ctx, _window(first, last))
    names = {p.id: p.name for p in report.practitioners}
    rows = (
        (m.month, c.practitioner_id, names[c.practitioner_id], c.sessions, c.historical)
        for m in report.months
        for c in m.by_practitioner
    )
    header = ("month", "practitioner_id", "practitioner", "sessions", "of_which_historical")
    return _download(_name("sessions", report.window), header, rows)


@router.get("/reports/lots.csv")
def lots_csv(ctx: Context, first: From = None, last: To = None) -> Response:
    report = reports.lots_report(ctx, _window(first, last))
    header = (
        "kind",
        "product",
        "lot",
        "expires_on",
        "expired",
        "sessions_in_window",
        "units_used_in_window",
        "remaining_now",
        "recalled",
        "recalled_on",
    )
    rows = (
        (
            x.kind,
            x.product,
            x.lot,
            x.expires_on,
            x.expired,
            x.sessions,
            x.units_used,
            x.remaining,
            x.recalled,
            x.recalled_on,
        )
        for x in report.lots
    )
    return _download(_name("lots", report.window), header, rows)


@router.get("/reports/adverse-events.csv")
def adverse_events_csv(ctx: Context, first: From = None, last: To = None) -> Response:
    report = report_signals.adverse_events_report(ctx, _window(first, last))
    header = (
        "by",
        "kind",
        "product",
        "lot",
        "lots",
        "sessions",
        "sessions_with_event",
        "events",
        "rate",
        "other_sessions",
        "other_sessions_with_event",
        "other_rate",
        "rate_ratio",
        "p_value",
        "signal",
    )
    lot_rows: list[Sequence[Cell]] = [
        (
            "lot",
            x.kind,
            x.product,
            x.lot,
            1,
            x.sessions,
            x.sessions_with_event,
            x.events,
            x.rate,
            x.other_sessions,
            x.other_sessions_with_event,
            x.other_rate,
            x.rate_ratio,
            x.p_value,
            x.signal,
        )
        for x in report.lots
    ]
    brand_rows: list[Sequence[Cell]] = [
        ("product", "pigment", b.product, None, b.lots, b.sessions, b.sessions_with_event, b.events, b.rate)
        + (None,) * 6
        for b in report.brands
    ]
    return _download(_name("adverse-events", report.window), header, lot_rows + brand_rows)


@router.get("/reports/follow-ups.csv")
def followups_csv(ctx: Context, first: From = None, last: To = None) -> Response:
    report = reports.followups_report(ctx, _window(first, last))
    header = (
        "month",
        "due",
        "done_on_time",
        "done_late",
        "still_open",
        "not_yet_due",
        "done_rate",
        "on_time_rate",
    )
    rows = (
        (m.month, m.due, m.on_time, m.late, m.open, m.not_yet_due, m.done_rate, m.on_time_rate)
        for m in report.months
    )
    return _download(_name("follow-ups", report.window), header, rows)


@router.get("/reports/touch-ups.csv")
def touch_ups_csv(ctx: Context, quarter: Quarter = None) -> Response:
    report = reports.touch_ups_report(ctx, TouchUpsRequest.of(quarter=quarter or None))
    header = ("client_id", "name", "last_session_on", "touch_up_due_on")
    rows = ((c.client_id, c.name, c.last_session_on, c.due_on) for c in report.clients)
    return _download(f"touch-ups-{report.quarter}.csv", header, rows)
