"""Data protection: `smp client export|erase`, `smp audit verify`, `smp backup`, `smp restore`.

The services write archives to a stream and read backups from one; this module opens the files: an output
is checked before any work, written beside its target and moved into place only when complete.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, Annotated, TypeVar

import typer

from smpstudio.cli.common import JsonFlag, out, run, settings, with_context
from smpstudio.cli.output import emit
from smpstudio.errors import InputError

__all__ = ["register"]

T = TypeVar("T")

audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)


def _check_out(target: Path, field: str = "out") -> Path:
    """Refuse an output path that cannot be written, before any work is done."""
    if target.is_dir():
        raise InputError(f"{target} is a folder", field=field, allowed="a file path")
    if not target.parent.exists():
        raise InputError(
            f"folder {target.parent} does not exist", field=field, allowed="a path in an existing folder"
        )
    return target


def _write_to(target: Path, write: Callable[[IO[bytes]], T]) -> T:
    """Run ``write`` on a stream into a file beside ``target``, moved into place only when it succeeded."""
    tmp = target.with_name(f".{target.name}.part")
    try:
        with tmp.open("wb") as fh:
            result = write(fh)
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return result


# ------------------------------------------------------------------------------------ audit and backup


@audit_app.command("verify")
def audit_verify(as_json: JsonFlag = False) -> None:
    """Check the audit chain; exit 1 when an entry was altered, removed or reordered."""
    from smpstudio.services.protection import verify_audit

    result = with_context(verify_audit)
    if result.ok:
        text = f"[green]audit trail intact[/]: {result.entries} entries, last hash {result.last_hash[:16]}"
    else:
        text = f"[bold red]audit trail broken[/] at entry {result.first_bad_entry}"
    if as_json:
        emit(result, as_json, text)
    else:
        out.print(text)
    if not result.ok:
        raise typer.Exit(1)


def backup_cmd(
    out_path: Annotated[Path, typer.Option("--out", help="Backup file to write (.zip).")],
    as_json: JsonFlag = False,
) -> None:
    """Back up the store (SQLite online backup or pg_dump) and its files into one file."""
    from smpstudio.services.backups import backup

    target = run(lambda: _check_out(out_path))
    result = with_context(lambda ctx: _write_to(target, lambda fh: backup(ctx, fh)))
    result = result.model_copy(update={"out": str(target)})
    emit(result, as_json, f"wrote {result.out} ({result.audit_entries} audit entries, {result.files} files)")


def _open_backup(path: Path) -> IO[bytes]:
    if not path.is_file():
        raise InputError(f"no file {path}", field="backup", allowed="a backup file")
    return path.open("rb")


def restore_cmd(
    backup_file: Annotated[Path, typer.Argument(metavar="FILE")], as_json: JsonFlag = False
) -> None:
    """Restore the store from a backup (checked first; the replaced SQLite file is kept)."""
    from smpstudio.services.backups import RestoreResult, restore

    def go() -> RestoreResult:
        with _open_backup(backup_file) as fh:
            return restore(settings(), fh)

    result = run(go)
    emit(result, as_json, f"restored ({result.audit_entries} audit entries)")


def client_export(
    client_id: Annotated[int, typer.Argument(metavar="ID")],
    out_path: Annotated[Path, typer.Option("--out", help="Zip file to write.")],
    as_json: JsonFlag = False,
) -> None:
    """Export the client's whole record: JSON plus photos, signatures and designs, zipped."""
    from smpstudio.services.protection import export_client

    target = run(lambda: _check_out(out_path))
    result = with_context(lambda ctx: _write_to(target, lambda fh: export_client(ctx, client_id, fh)))
    result = result.model_copy(update={"out": str(target)})
    emit(result, as_json, f"wrote {result.out} ({result.sessions} sessions, {result.files} files)")


def client_erase(client_id: Annotated[int, typer.Argument(metavar="ID")], as_json: JsonFlag = False) -> None:
    """Anonymise the client when the retention period allows; otherwise say until when it is kept."""
    from smpstudio.services.protection import Erased, EraseRequest, erase_client

    result = with_context(lambda ctx: erase_client(ctx, EraseRequest.of(client_id=client_id)))
    if isinstance(result, Erased):
        text = f"client {client_id} erased"
    else:
        text = f"[red]not erased:[/] kept until {result.retained_until}: {result.reason}"
    if as_json:
        emit(result, as_json, text)
    else:
        out.print(text, highlight=False)
    if not isinstance(result, Erased):
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    """Add ``client export|erase``, ``audit verify``, ``backup`` and ``restore`` to ``app``."""
    from smpstudio.cli.clients import client

    client.command("export")(client_export)
    client.command("erase")(client_erase)
    app.add_typer(audit_app, name="audit")
    app.command("backup")(backup_cmd)
    app.command("restore")(restore_cmd)
