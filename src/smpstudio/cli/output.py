"""How the records commands print: a line or ``--json``, tables of rows, the options they share.

What came from the store or the user is data, never markup: :func:`plain` escapes Rich markup and drops
control characters, table cells are printed through it, and a command's line that still fails to parse
as markup is printed as it is rather than crashing. ``--json`` prints the values unchanged (JSON escapes
them).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.errors import MarkupError
from rich.markup import escape
from rich.table import Table

from smpstudio.cli.common import emit_json, id_type, out, printable

__all__ = ["ClientId", "DateOption", "IdArgument", "emit", "id_argument", "plain", "rows"]

ClientId = Annotated[int, typer.Option("--client", help="Client id.", parser=id_type("client"))]
DateOption = Annotated[str | None, typer.Option("--date", help="The day to ask about (YYYY-MM-DD; today).")]


def id_argument(field: str, metavar: str = "ID", help: str | None = None) -> Any:
    """A positional id argument checked as an id (one line naming ``field`` and exit 2 otherwise)."""
    return typer.Argument(metavar=metavar, help=help, parser=id_type(field))


#: A client's id as the command's argument.
IdArgument = Annotated[int, id_argument("client")]


def plain(value: object, *, multiline: bool = True) -> str:
    """A value from the store or the user, ready to embed in Rich markup: control characters dropped
    (newlines kept when ``multiline``, else spaces) and markup escaped."""
    return escape(printable(value, multiline=multiline))


def emit(result: Any, as_json: bool, text: str) -> None:
    """Print ``result`` as one JSON object with ``--json``, else ``text`` and any warnings.

    ``text`` is the command's line in Rich markup (values in it should pass through :func:`plain`); a
    line that is not valid markup is printed as plain text instead of failing.
    """
    data = result.to_json() if hasattr(result, "to_json") else result
    if as_json:
        emit_json(data)
        return
    line = printable(text)
    try:
        out.print(line, highlight=False)
    except MarkupError:
        out.print(line, highlight=False, markup=False)
    for w in data.get("warnings", []) if isinstance(data, dict) else []:
        out.print(f"[yellow]warning:[/] {plain(w)}", highlight=False)


def rows(result: Any, as_json: bool, columns: list[str], title: str, *, field: str | None = None) -> None:
    """Print a list result: exactly ``result.to_json()`` with ``--json``, else a table of its one list
    field (``field`` names it when the result holds more than one) whose ``columns`` are dotted paths."""
    data = result.to_json()
    if as_json:
        emit_json(data)
        return
    if field is None:
        lists = [name for name, value in data.items() if isinstance(value, list)]
        if len(lists) != 1:
            raise TypeError(f"{type(result).__name__} has no single list field to tabulate: {lists}")
        field = lists[0]
    items = data[field]
    if not items:
        out.print(f"no {title}")
        return
    table = Table(*columns, title=title)
    for item in items:
        table.add_row(*[plain(_cell(item, c)) for c in columns])
    out.print(table)


def _cell(item: dict[str, Any], column: str) -> str:
    value: Any = item
    for part in column.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, dict):  # e.g. certifications: kind until date
        return ", ".join(f"{k} until {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)
