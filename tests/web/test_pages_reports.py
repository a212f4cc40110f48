"""The reports page and its CSV files: five reports each with a chart (inline SVG that parses as XML and
needs no inline style), the lot signal in plain words, CSV files that round-trip through ``csv.reader`` with
formula injection defused; owners only."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from smpstudio.web import charts
from tests.web.clinic_html import structure_problems, text_of
from tests.web.conftest import World
from tests.web.test_api_reports import HYPERLINK, WINDOW, seed_reports

CSV_PATHS = ("sessions", "lots", "adverse-events", "follow-ups", "touch-ups")


def _svgs(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, flags=re.S)


def test_the_page_shows_five_reports_each_with_a_chart(world: World) -> None:
    seed_reports(world)
    answer = world.signed_in("owner").get(f"/reports{WINDOW}&quarter=2025-Q3")
    assert answer.status_code == 200, answer.text
    assert not structure_problems(answer.text)
    svgs = _svgs(answer.text)
    assert len(svgs) == 5
    for svg in svgs:
        root = ET.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("role") == "img"
        assert "style" not in svg.replace("font-style", "") and "<script" not in svg
    for path in CSV_PATHS:
        assert f'href="/reports/{path}.csv?' in answer.text
    assert 'href="/reports/lots.csv?from=2025-01&amp;to=2025-12"' in answer.text
    text = text_of(answer)
    assert "Lot BAD of Acme Black: 3 of 4 sessions had an adverse event, against 0 of 42" in text
    assert "not proof" in text and "Alex Doe" in text and "2025-08-15" in text
    assert '<a href="/reports" aria-current="page">Reports</a>' in answer.text


def test_charts_are_deterministic_and_keep_their_ids_apart(world: World) -> None:
    seed_reports(world)
    c = world.signed_in("owner")
    first = _svgs(c.get(f"/reports{WINDOW}").text)
    charts.bar_chart.cache_clear()
    again = _svgs(c.get(f"/reports{WINDOW}").text)
    assert first == again
    ids = re.findall(r'\bid="([^"]+)"', "".join(first))
    assert len(ids) == len(set(ids))
    references = set(re.findall(r'(?:href="#|url\(#)([^")]+)', "".join(first)))
    assert references <= set(ids)


def test_an_empty_clinic_gets_its_page_too(world: World) -> None:
    answer = world.signed_in("other").get(f"/reports{WINDOW}")
    assert answer.status_code == 200 and not structure_problems(answer.text)
    text = text_of(answer)
    assert "No lot has stock" in text and "No session in these months" in text
    assert "Acme Black" not in text and "Alex Doe" not in text
    assert len(_svgs(answer.text)) == 3  # sessions, follow-ups and touch-ups: months with nothing yet


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("?from=2025-14", "is not a month"),
        ("?from=2020-01&to=2025-01", "too long a window"),
        ("?quarter=2025-Q7", "is not a quarter"),
    ],
)
def test_a_bad_window_shows_the_form_with_its_error(world: World, query: str, words: str) -> None:
    answer = world.signed_in("owner").get(f"/reports{query}")
    assert answer.status_code == 422
    assert not structure_problems(answer.text)
    assert words in text_of(answer) and _svgs(answer.text) == []


def _rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_each_csv_is_an_attachment_with_a_header_row(world: World) -> None:
    seed_reports(world)
    c = world.signed_in("owner")
    for path, name in (
        (f"/reports/sessions.csv{WINDOW}", "sessions-2025-01-to-2025-12.csv"),
        (f"/reports/lots.csv{WINDOW}", "lots-2025-01-to-2025-12.csv"),
        (f"/reports/adverse-events.csv{WINDOW}", "adverse-events-2025-01-to-2025-12.csv"),
        (f"/reports/follow-ups.csv{WINDOW}", "follow-ups-2025-01-to-2025-12.csv"),
        ("/reports/touch-ups.csv?quarter=2025-Q3", "touch-ups-2025-Q3.csv"),
    ):
        answer = c.get(path)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "text/csv; charset=utf-8"
        assert answer.headers["content-disposition"] == f'attachment; filename="{name}"'
        assert answer.content.startswith("\ufeff".encode())
        assert len(_rows(answer.content)) >= 2
    sessions = _rows(c.get(f"/reports/sessions.csv{WINDOW}").content)
    assert sessions[0] == ["month", "practitioner_id", "practitioner", "sessions", "of_which_historical"]
    assert sessions[1] == ["2025-01", str(world.users["practitioner"]), "Pat Practitioner", "4", "0"]
    followups = _rows(c.get(f"/reports/follow-ups.csv{WINDOW}").content)
    assert ["2025-05", "2", "1", "0", "1", "0", "0.5", "0.5"] in followups
    touch_ups = _rows(c.get("/reports/touch-ups.csv?quarter=2025-Q3").content)
    assert touch_ups[1] == [str(world.client), "Alex Doe", "2025-12-07", "2025-08-15"]


def test_a_csv_defuses_formulas_and_keeps_numbers(world: World) -> None:
    seed_reports(world)
    c = world.signed_in("owner")
    lots = _rows(c.get(f"/reports/lots.csv{WINDOW}").content)
    assert lots[0][:4] == ["kind", "product", "lot", "expires_on"]
    assert lots[1] == ["pigment", "'" + HYPERLINK, "'-1+1", "2027-01-31", "no", "2", "0", "2", "no", ""]
    events = _rows(c.get(f"/reports/adverse-events.csv{WINDOW}").content)
    products = [row[2] for row in events[1:]]
    assert "'" + HYPERLINK in products and HYPERLINK not in products
    bad = next(row for row in events if row[3] == "BAD")
    assert bad[:9] == ["lot", "pigment", "Acme Black", "BAD", "1", "4", "3", "3", "0.75"] and bad[-1] == "yes"


@pytest.mark.parametrize("role", ["practitioner", "front-desk"])
def test_only_owners_open_reports(world: World, role: str) -> None:
    c = world.signed_in(role)
    assert c.get("/reports").status_code == 403
    for path in CSV_PATHS:
        assert c.get(f"/reports/{path}.csv").status_code == 403
    assert 'href="/reports"' not in c.get("/").text


def test_chart_labels_keep_the_lot_code_when_the_product_name_is_long(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from smpstudio.services.report_signals import AdverseEventsReport, LotEventsLine
    from smpstudio.services.reports import LotLine, LotsReport

    drawn: dict[str, tuple[str, ...]] = {}

    def capture(key: str, title: str, categories: tuple[str, ...], *args: object, **kw: object) -> str:
        drawn[key] = categories
        return "<svg/>"

    monkeypatch.setattr(charts, "bar_chart", capture)
    name, codes = "Graphite SMP Pigment, Dark Charcoal (demo)", ("P-2291", "P-2310")
    charts.lots_chart(
        LotsReport.model_construct(
            lots=[LotLine.model_construct(product=name, lot=c, sessions=1, remaining=2) for c in codes]
        )
    )
    charts.events_chart(
        AdverseEventsReport.model_construct(
            lots=[
                LotEventsLine.model_construct(kind="pigment", product=name, lot=c, rate=0.1, signal=False)
                for c in codes
            ]
        )
    )
    for key in ("chart-lots", "chart-events"):
        shown = [charts._short(label) for label in drawn[key]]
        assert all(code in label for code, label in zip(codes, shown, strict=True)), shown
        assert len(set(shown)) == 2


def test_the_wide_tables_wrap_the_product_and_scroll_in_their_box(world: World) -> None:
    seed_reports(world)
    page = world.signed_in("owner").get(f"/reports{WINDOW}").text
    tables = re.findall(r'<div class="table-wrap">\s*<table class="report-table">', page)
    assert len(tables) == page.count('<table class="report-table">')  # every report table scrolls in its box
    assert page.count('<td class="wrap">') >= 2  # the lots' and the events' product names wrap
    css = (Path(charts.__file__).parent / "static" / "studio.css").read_text()
    assert (
        ".table-wrap { overflow-x: auto; }" in css and ".report-table td.wrap { white-space: normal;" in css
    )
