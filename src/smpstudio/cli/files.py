"""The command line's files: reading inputs, checking where outputs go before any work is done, and
writing them whole. Services never see a path; this module is where the command line turns names into files.

Every input goes through one reader (:func:`read_input`, and :func:`read_text_input`,
:func:`read_json_input` and :func:`open_input` on top of it): only a regular file is read (a directory, a
device such as ``/dev/zero`` or a FIFO is refused before anything is read, and a FIFO is never waited on),
its size is checked against the limit for its kind before reading, and at most the limit and one byte are
read, so no input can exhaust memory. A refusal is an :class:`InputError` (exit 2) naming the option.

Every output goes through one writer (:func:`write_stream`, :func:`write_atomic` for bytes): the data go to
a new private (0600) temporary file, never a fixed name a link could be planted on, which replaces the target
only once complete. A file that holds client data stays private (``private=True``); an export or a backup is
first staged in a private file the store's data directory keeps (``staging``), so a killed command leaves
nothing readable beside the target and the next start removes the part.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import IO, Annotated, Any, TypeVar

import typer

from smpstudio.cli.common import err
from smpstudio.errors import InputError, parse_json_text

__all__ = [
    "DESIGN_LIMIT",
    "IMAGE_LIMIT",
    "TEXT_LIMIT",
    "DilutionOption",
    "InkFractionOption",
    "check_output",
    "ink_fraction",
    "open_input",
    "read_input",
    "read_json_input",
    "read_text_input",
    "store",
    "write_atomic",
    "write_stream",
]

T = TypeVar("T")

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


#: The most bytes read of a small input: JSON (answers, products, layers, landmarks), TOML rules, consent
#: texts, anchors and passphrase files.
TEXT_LIMIT = 1 << 20
#: The most bytes read of an image (a photo, a drawn signature).
IMAGE_LIMIT = 50 << 20
#: The most bytes read of a design document.
DESIGN_LIMIT = 50 << 20


def _size(limit: int) -> str:
    """A limit in words: ``1 MB``, ``50 MB``, or bytes below a megabyte."""
    return f"{limit >> 20} MB" if limit >= 1 << 20 and not limit % (1 << 20) else f"{limit} bytes"


def _refused(path: Path, field: str, message: str, allowed: str | None, code: str) -> InputError:
    return InputError(f"{path} {message}", field=field, allowed=allowed, code=code)


def _open_regular(path: Path, field: str, allowed: str | None, limit: int | None) -> IO[bytes]:
    """``path`` opened for reading when it is a regular file no larger than ``limit`` (None: any size);
    an :class:`InputError` naming ``field`` otherwise. Nothing is read; a FIFO is never waited on."""
    try:
        before = path.stat()
    except FileNotFoundError:
        raise InputError(f"no such file: {path}", field=field, allowed=allowed, code="no_such_file") from None
    except NotADirectoryError:
        raise InputError(f"no such file: {path}", field=field, allowed=allowed, code="no_such_file") from None
    except OSError:
        raise _refused(path, field, "is not a readable file", allowed, "unreadable_file") from None
    if stat.S_ISDIR(before.st_mode):
        raise _refused(path, field, "is a directory", allowed, "not_a_file")
    if not stat.S_ISREG(before.st_mode):
        raise _refused(path, field, "is not a regular file", allowed, "not_a_file")
    try:  # O_NONBLOCK: should the name have become a FIFO since, opening it does not wait for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        raise _refused(path, field, "is not a readable file", allowed, "unreadable_file") from None
    try:
        opened = os.fstat(fd)  # what was opened, not what the name pointed to before
        if not stat.S_ISREG(opened.st_mode):
            raise _refused(path, field, "is not a regular file", allowed, "not_a_file")
        if limit is not None and opened.st_size > limit:
            raise _refused(path, field, f"is larger than {_size(limit)}", allowed, "file_too_large")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_input(path: Path, field: str, *, limit: int = TEXT_LIMIT, allowed: str | None = None) -> bytes:
    """The bytes of the input file ``path`` (a regular file of at most ``limit`` bytes), or an
    :class:`InputError` naming ``field``: no such file, a directory, not a regular file, too large."""
    with _open_regular(path, field, allowed, limit) as fh:
        try:
            data = fh.read(limit + 1)  # a file that grew after the check is still read only this far
        except OSError:
            raise _refused(path, field, "is not a readable file", allowed, "unreadable_file") from None
    if len(data) > limit:
        raise _refused(path, field, f"is larger than {_size(limit)}", allowed, "file_too_large")
    return data


def read_text_input(path: Path, field: str, *, limit: int = TEXT_LIMIT, allowed: str | None = None) -> str:
    """The UTF-8 text of the input file ``path`` (see :func:`read_input`)."""
    data = read_input(path, field, limit=limit, allowed=allowed)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", field=field, allowed=allowed) from None


def read_json_input(path: Path | str, field: str, *, limit: int = TEXT_LIMIT) -> Any:
    """The JSON value in the input file ``path`` (see :func:`read_input`), or a
    :class:`~smpstudio.errors.DocumentError` naming ``field``."""
    return parse_json_text(read_input(Path(path), field, limit=limit), field)


def open_input(path: Path, field: str, *, allowed: str | None = None) -> IO[bytes]:
    """The input file ``path`` opened as a binary stream to read (any size: a backup archive), once it is
    known to be a regular file; an :class:`InputError` naming ``field`` otherwise."""
    return _open_regular(path, field, allowed, None)


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
        raise InputError(
            f"folder {path.parent} does not exist", field=field, allowed="a path in an existing folder"
        )
    return path


def write_atomic(path: Path, data: bytes, *, private: bool = False) -> Path:
    """Write ``data`` to ``path`` whole (see :func:`write_stream`); returns ``path``."""
    write_stream(path, lambda fh: fh.write(data), private=private)
    return path


def write_stream(
    path: Path, write: Callable[[IO[bytes]], T], *, private: bool = False, staging: Path | None = None
) -> T:
    """Run ``write`` on a stream into a new private (0600) temporary file and move it onto ``path`` only
    when it succeeded (no half-written file is ever seen; on failure nothing is left but the old file).

    The temporary file is beside ``path``, or ``staging`` when given (a private file in the data
    directory, for client data: copied through a private file beside ``path`` when on another disk).
    The file keeps mode 0600 when ``private`` or staged, else takes the usual mode (0666 less the umask).
    """
    if staging is not None:
        return _staged(path, write, staging)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            result = write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if not private:
            tmp.chmod(0o666 & ~_umask())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return result


def _staged(path: Path, write: Callable[[IO[bytes]], T], staging: Path) -> T:
    """:func:`write_stream` through the private file ``staging``."""
    try:
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            result = write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            staging.replace(path)
        except OSError:  # another file system: copy into a private file beside the target, then move it
            with staging.open("rb") as src:
                write_stream(path, lambda dst: shutil.copyfileobj(src, dst, 1 << 20), private=True)
    finally:
        staging.unlink(missing_ok=True)
    return result


def _umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


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
