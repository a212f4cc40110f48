"""Files for the design, preview, timeline and optics commands: reading inputs, checking where outputs
go before any work is done, and writing them atomically. Services never see a path; this module is where
the command line turns names into files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Annotated

import typer

from smpstudio.cli.common import err
from smpstudio.errors import DocumentError, InputError

__all__ = [
    "DilutionOption",
    "InkFractionOption",
    "check_output",
    "ink_fraction",
    "read_input",
    "store",
    "write_atomic",
]

#: ``--ink-fraction``, and ``--dilution``, its deprecated former name (same meaning).
InkFractionOption = Annotated[
    float | None,
    typer.Option(
        "--ink-fraction",
        help="Share of undiluted ink in the dot, 0-1 (0.5: one part ink to one of diluent, 'diluted 50 %').",
    ),
]
DilutionOption = Annotated[
    float | None,
    typer.Option("--dilution", hidden=True, help="Deprecated name of --ink-fraction (the same value)."),
]


def ink_fraction(value: float | None, dilution: float | None, default: float) -> float:
    """The ink fraction a command was given: ``--ink-fraction``, or the deprecated ``--dilution`` (with a
    note on stderr), or ``default``."""
    if dilution is None:
        return default if value is None else value
    err.print(
        "note: --dilution is deprecated; use --ink-fraction (the same value: the share of undiluted ink)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if value is not None and value != dilution:
        raise InputError(
            f"--ink-fraction {value:g} and --dilution {dilution:g} disagree",
            field="ink_fraction",
            allowed="one of the two (--dilution is its deprecated name)",
        )
    return dilution


def read_input(path: Path, field: str) -> bytes:
    """The bytes of an input file, or a :class:`DocumentError` naming ``field``."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DocumentError(f"no such file: {path}", field=field) from None
    except IsADirectoryError:
        raise DocumentError(f"{path} is a directory", field=field) from None
    except PermissionError:
        raise DocumentError(f"{path} is not a readable file", field=field) from None


def check_output(
    path: Path, field: str, suffixes: Iterable[str] | None = None, *, what: str = "a file"
) -> Path:
    """Refuse an output path that cannot be written (wrong extension, missing folder, a directory)
    before any work is done."""
    if suffixes is not None:
        allowed = list(suffixes)
        if path.suffix.lower() not in allowed:
            raise InputError(
                f"cannot write {what} as {path.suffix or 'a file without extension'}",
                field=field,
                allowed=", ".join(allowed),
            )
    if path.is_dir():
        raise InputError(f"{path} is a directory", field=field, allowed="a file path")
    if not path.parent.exists():
        raise InputError(f"folder {path.parent} does not exist", field=field)
    return path


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` through a temporary file beside ``path`` (no half-written file is ever seen)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def store(
    contents: Mapping[str, bytes], place: Mapping[str, Path] | None = None, *, under: Path | None = None
) -> dict[str, str]:
    """Write a service's files: each relative name goes to ``place[name]`` if given, else under the folder
    ``under`` (sub-folders made as needed); returns where each name went."""
    where: dict[str, str] = {}
    for name, data in contents.items():
        if place is not None and name in place:
            target = place[name]
        elif under is not None:
            target = under.joinpath(*PurePosixPath(name).parts)
        else:
            raise AssertionError(f"no place for {name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        where[name] = str(write_atomic(target, data))
    return where
