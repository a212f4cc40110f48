"""How the records commands print: a line or ``--json``, tables of rows, the options they share."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from smpstudio.cli.common import emit_json, out

__all__ = ["ClientId", "DateOption", "emit", "rows"]

ClientId = Annotated[int, typer.Option("--client", help="Client id.")]
DateOption = Annotated[str | None, typer.Option("--date", help="The day to ask about (YYYY-MM-DD; today).")]


def emit(result: Any, as_json: bool, text: str) -> None:
    """Print ``result`` as one JSON object with ``--json``, else ``text`` and any warnings."""
    data = result.to_json() if hasattr(result, "to_json") else result
    if as_json:
        emit_json(data)
        return
    out.print(text, highlight=False)
    for w in data.get("warnings", []) if isinstance(data, dict) else []:
        out.print(f"[yellow]warning:[/] {escape(str(w))}", highlight=False)


def rows(items: list[Any], as_json: bool, columns: list[str], title: str, key: str) -> None:
    """Print ``items`` as a table (``columns`` are dotted paths) or as ``{key: [...]}`` with ``--json``."""
    data = [i.to_json() if hasattr(i, "to_json") else i for i in items]
    if as_json:
        emit_json({key: data})
        return
    if not data:
        out.print(f"no {title}")
        return
    table = Table(*columns, title=title)
    for item in data:
        table.add_row(*[escape(_cell(item, c)) for c in columns])
    out.print(table)


def _cell(item: dict[str, Any], column: str) -> str:
    value: Any = item
    for part in column.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None else str(value)
