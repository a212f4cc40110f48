"""Aftercare: a day-by-day plan from a session date and the clinic's rules, as text, JSON, iCalendar or PDF.

Each rule (``data/rules/care.toml`` ``[aftercare]``, clinic consensus [C] with its range;
[clinic-aftercare] in docs/references.md) says what to avoid until which day after the session and what
comes after; the plan lists, for every day from the session to the last rule's end, what is still to be
avoided, what is normal on that day, and the rules that end that day. The iCalendar file holds one all-day
reminder per day a rule ends. The PDF is a one-page handout a client takes home.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smpstudio.care.rules import RuleSet
from smpstudio.errors import InputError

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "AftercarePlan",
    "HandoutHeader",
    "aftercare_plan",
    "render_aftercare",
    "write_aftercare",
]

FORMATS = ("text", "json", "ics", "pdf")
#: The media type of each format's bytes (for a face that serves them).
MEDIA_TYPES = {
    "text": "text/plain; charset=utf-8",
    "json": "application/json",
    "ics": "text/calendar",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class AftercarePlan:
    session_date: dt.date
    days: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    not_normal: str
    sources: list[str]
    rules_version: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_date": self.session_date.isoformat(),
            "rules": self.rules,
            "days": self.days,
            "not_normal": self.not_normal,
            "sources": self.sources,
            "rules_version": self.rules_version,
        }


def aftercare_plan(session_date: dt.date, rules: RuleSet) -> AftercarePlan:
    """The plan for a session on ``session_date`` (see the module docstring)."""
    cfg = rules.data["aftercare"]
    items = cfg["rules"]
    for rule in items:
        if not (isinstance(rule["until_day"], int) and 0 < rule["until_day"] <= 365):
            raise InputError(
                f"until_day {rule['until_day']!r}", field=f"aftercare.{rule['key']}", allowed="1-365 days"
            )
    last = max(r["until_day"] for r in items)
    days = []
    for d in range(last + 1):
        date = session_date + dt.timedelta(days=d)
        days.append(
            {
                "day": d,
                "date": date.isoformat(),
                "avoid": [r["avoid"] for r in items if d < r["until_day"]],
                "from_today": [r["then"] for r in items if d == r["until_day"]],
                "normal": [n["text"] for n in cfg["normal"] if n["from_day"] <= d <= n["to_day"]],
            }
        )
    rules_out = [
        {
            "key": r["key"],
            "avoid": r["avoid"],
            "until_day": r["until_day"],
            "until_date": (session_date + dt.timedelta(days=r["until_day"])).isoformat(),
            "range_days": list(r["range_days"]),
            # A clinic may move a default outside the range clinics publish; the plan says so.
            "outside_published_range": not r["range_days"][0] <= r["until_day"] <= r["range_days"][1],
            "then": r["then"],
        }
        for r in items
    ]
    return AftercarePlan(
        session_date,
        days,
        rules_out,
        cfg["not_normal"]["text"],
        [
            f"{cfg['source']} [{cfg['grade']}]",
            f"{cfg['not_normal']['source']} [{cfg['not_normal']['grade']}]",
        ],
        rules.version,
    )


def plan_text(plan: AftercarePlan) -> str:
    lines = [f"Aftercare after your SMP session on {plan.session_date:%A %d %B %Y}", ""]
    for rule in plan.rules:
        until = dt.date.fromisoformat(rule["until_date"])
        lines.append(
            f"- {rule['avoid']} Until {until:%a %d %b} (day {rule['until_day']}). Then: {rule['then']}"
        )
    lines += ["", "What is normal:"]
    seen: list[str] = []
    for day in plan.days:
        for text in day["normal"]:
            if text not in seen:
                seen.append(text)
    lines += [f"- {t}" for t in seen]
    lines += ["", plan.not_normal, "", f"Rules {plan.rules_version}. Sources: " + "; ".join(plan.sources)]
    return "\n".join(lines) + "\n"


def plan_ics(plan: AftercarePlan, clinic: str = "smpstudio", *, stamp: dt.datetime) -> bytes:
    """The plan as an iCalendar file: one all-day reminder per rule, each stamped ``stamp`` (aware)."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", f"-//{clinic}//SMP aftercare//EN")
    cal.add("version", "2.0")
    for rule in plan.rules:
        day = dt.date.fromisoformat(rule["until_date"])
        event = Event()
        key = f"{plan.session_date}/{rule['key']}"
        event.add("uid", f"{uuid.uuid5(uuid.NAMESPACE_URL, key)}@smpstudio")
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        event.add("summary", f"SMP aftercare, day {rule['until_day']}: {rule['then']}")
        event.add("description", f"Until today: {rule['avoid']} From today: {rule['then']}")
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return bytes(cal.to_ical())


@dataclass(frozen=True)
class HandoutHeader:
    """Who a printed handout is from and for: the clinic's details and the client's name, printed at its
    top. A handout with a header is the client's copy: its rules are in day order and it prints no
    internal reference (no rules version, no source codes)."""

    clinic_name: str
    client_name: str
    clinic_phone: str | None = None
    clinic_address: str | None = None
    clinic_email: str | None = None


#: The handout's typeface: DejaVu Sans, a Unicode font shipped with matplotlib (a dependency), embedded
#: (subset) in the PDF so every client's name prints as written (Łukasz, Nguyễn, Ольга).
FONT = "dejavu"
_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}


def _add_fonts(pdf: Any) -> None:
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for style, name in _FONT_FILES.items():
        pdf.add_font(FONT, style, str(folder / name))


def _pdf_header(pdf: Any, header: HandoutHeader) -> None:
    """The clinic's name, address and contact details, then whose handout it is."""
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 6, header.clinic_name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    lines = (header.clinic_address or "").splitlines()
    contact = [f"Phone {header.clinic_phone}" if header.clinic_phone else "", header.clinic_email or ""]
    for line in [*lines, "   ".join(c for c in contact if c)]:
        if line.strip():
            pdf.multi_cell(0, 4.5, line.strip(), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 9, f"Aftercare for {header.client_name}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 6, "Your scalp micropigmentation", new_x="LMARGIN", new_y="NEXT")


def plan_pdf(
    plan: AftercarePlan, *, stamp: dt.datetime | None = None, header: HandoutHeader | None = None
) -> bytes:
    """The plan as a one-page PDF handout; with a ``header``, the client's copy (:class:`HandoutHeader`)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    if stamp is not None:
        pdf.set_creation_date(stamp)  # the call's time, not the library's own clock
    pdf.set_auto_page_break(auto=False)
    _add_fonts(pdf)
    pdf.add_page()
    pdf.set_margins(16, 14, 16)
    pdf.set_xy(16, 14)
    if header is not None:
        _pdf_header(pdf, header)
    else:
        pdf.set_font(FONT, "B", 16)
        pdf.cell(0, 9, "Aftercare for your scalp micropigmentation", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 6, f"Session: {plan.session_date:%A %d %B %Y}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 7, "Until the date shown", new_x="LMARGIN", new_y="NEXT")
    widths = (86, 38, 54)
    pdf.set_font(FONT, "B", 8.5)
    for w, head in zip(widths, ("Avoid", "Until", "Then"), strict=True):
        pdf.cell(w, 6, head, border="B")
    pdf.ln()
    pdf.set_font(FONT, "", 8.5)
    rules = plan.rules if header is None else sorted(plan.rules, key=lambda r: int(r["until_day"]))
    for rule in rules:
        until = dt.date.fromisoformat(rule["until_date"])
        y = pdf.get_y()
        pdf.multi_cell(widths[0], 4.4, rule["avoid"], new_x="RIGHT", new_y="TOP", align="L")
        pdf.multi_cell(
            widths[1],
            4.4,
            f"{until:%a %d %b} (day {rule['until_day']})",
            new_x="RIGHT",
            new_y="TOP",
            align="L",
        )
        pdf.multi_cell(widths[2], 4.4, rule["then"], new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_y(max(pdf.get_y(), y + 9.2))
    pdf.ln(2)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 7, "What is normal", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    seen: list[str] = []
    for day in plan.days:
        seen += [t for t in day["normal"] if t not in seen]
    for text in seen:
        pdf.multi_cell(0, 5, f"- {text}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT, "B", 11)
    pdf.set_text_color(160, 30, 30)
    pdf.cell(0, 7, "When to call", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(0, 5, plan.not_normal, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)
    pdf.set_font(FONT, "I", 7)
    note = (
        "Guidance, not a diagnosis; if you feel unwell, contact a doctor, "
        "and never stop a prescribed medicine."
    )
    if header is None:  # the clinic's copy names the rules and their sources; the client's does not
        note += f" Rules {plan.rules_version}. Sources: " + "; ".join(plan.sources)
    pdf.multi_cell(0, 3.6, note, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def render_aftercare(
    plan: AftercarePlan, fmt: str, *, stamp: dt.datetime, header: HandoutHeader | None = None
) -> bytes:
    """``plan`` as the bytes of ``fmt`` (one of :data:`FORMATS`); ``stamp`` dates the calendar entries and
    the PDF; ``header`` makes the PDF the client's copy (:class:`HandoutHeader`)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}", field="format", allowed=", ".join(FORMATS))
    if fmt == "text":
        return plan_text(plan).encode()
    if fmt == "json":
        return (json.dumps(plan.to_dict(), ensure_ascii=False, indent=1) + "\n").encode()
    if fmt == "ics":
        return plan_ics(plan, stamp=stamp)
    return plan_pdf(plan, stamp=stamp, header=header)


def write_aftercare(plan: AftercarePlan, fmt: str, out: str | Path, *, stamp: dt.datetime) -> Path:
    """Write ``plan`` as ``fmt`` to ``out`` (atomically)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}", field="format", allowed=", ".join(FORMATS))
    target = Path(out)
    if not target.parent.exists():
        raise InputError(f"folder {target.parent} does not exist", field="out")
    if target.is_dir():
        raise InputError(f"{target} is a directory", field="out", allowed="a file path")
    data = render_aftercare(plan, fmt, stamp=stamp)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(target)
    return target
