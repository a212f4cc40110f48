"""Data protection: `smp client export|erase`, `smp audit verify`, `smp backup`, `smp restore`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smpstudio.cli.common import JsonFlag, emit_json, out, run, settings, with_context
from smpstudio.cli.output import emit

__all__ = ["register"]

audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)

# ------------------------------------------------------------------------------------ audit and backup


@audit_app.command("verify")
def audit_verify(as_json: JsonFlag = False) -> None:
    """Check the audit chain; exit 1 when an entry was altered, removed or reordered."""
    from smpstudio.services.protection import verify_audit

    result = with_context(verify_audit)
    if as_json:
        emit_json({k: result[k] for k in ("ok", "entries", "first_bad_entry", "last_hash")})
    elif result["ok"]:
        out.print(
            f"[green]audit trail intact[/]: {result['entries']} entries, last hash {result['last_hash'][:16]}"
        )
    else:
        out.print(f"[bold red]audit trail broken[/] at entry {result['first_bad_entry']}")
    if not result["ok"]:
        raise typer.Exit(1)


def backup_cmd(
    out_path: Annotated[Path, typer.Option("--out", help="Backup file to write (.zip).")],
    as_json: JsonFlag = False,
) -> None:
    """Back up the store (SQLite online backup or pg_dump) and its files into one file."""
    from smpstudio.services.protection import backup

    result = with_context(lambda ctx: backup(ctx, out_path))
    emit(
        result,
        as_json,
        f"wrote {result['out']} ({result['audit_entries']} audit entries, {result['files']} files)",
    )


def restore_cmd(
    backup_file: Annotated[Path, typer.Argument(metavar="FILE")], as_json: JsonFlag = False
) -> None:
    """Restore the store from a backup (checked first; the replaced SQLite file is kept)."""
    from smpstudio.services.protection import restore

    result = run(lambda: restore(settings().data_dir, backup_file, settings().user))
    emit(result, as_json, f"restored ({result['audit_entries']} audit entries)")


def client_export(
    client_id: Annotated[int, typer.Argument(metavar="ID")],
    out_path: Annotated[Path, typer.Option("--out", help="Zip file to write.")],
    as_json: JsonFlag = False,
) -> None:
    """Export the client's whole record: JSON plus photos, signatures and designs, zipped."""
    from smpstudio.services.protection import export_client

    result = with_context(lambda ctx: export_client(ctx, client_id, out_path))
    emit(result, as_json, f"wrote {result['out']} ({result['sessions']} sessions, {result['files']} files)")


def client_erase(client_id: Annotated[int, typer.Argument(metavar="ID")], as_json: JsonFlag = False) -> None:
    """Anonymise the client when the retention period allows; otherwise say until when it is kept."""
    from smpstudio.services.protection import erase_client

    result = with_context(lambda ctx: erase_client(ctx, client_id))
    if as_json:
        emit_json(result)
    elif result["erased"]:
        out.print(f"client {client_id} erased")
    else:
        out.print(
            f"[red]not erased:[/] kept until {result['retained_until']}: {result['reason']}", highlight=False
        )
    if not result["erased"]:
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    from smpstudio.cli.clients import client

    client.command("export")(client_export)
    client.command("erase")(client_erase)
    app.add_typer(audit_app, name="audit")
    app.command("backup")(backup_cmd)
    app.command("restore")(restore_cmd)
