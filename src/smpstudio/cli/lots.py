"""Lots: `smp lot add|adjust|list|expiring|recall|clients`.

Each command reads its files, calls one :mod:`smpstudio.services.lots` use case and prints its result
(``--json``: exactly the result model's JSON).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from smpstudio.cli.common import JsonFlag, emit_json, out, run, with_context
from smpstudio.cli.files import read_json_input
from smpstudio.cli.output import emit, id_argument, plain, rows
from smpstudio.errors import SmpError

if TYPE_CHECKING:
    from smpstudio.services.context import ServiceContext
    from smpstudio.services.lots import LotExposure

__all__ = ["register"]

lot = typer.Typer(
    help="Pigment, needle and diluent lots: stock, expiry, compliance, recalls.", no_args_is_help=True
)

# ------------------------------------------------------------------------------------------------- lots


@lot.command("add")
def lot_add(
    kind: Annotated[str, typer.Option(help="pigment, needle or diluent.")],
    product: Annotated[str, typer.Option(help="Brand and product name.")],
    lot_code: Annotated[str, typer.Option("--lot", help="The lot or batch code on the label.")],
    expires: Annotated[str, typer.Option(help="Expiry date.")],
    quantity: Annotated[int, typer.Option(help="Units received (cartridges, bottles).")],
    product_file: Annotated[
        Path | None, typer.Option(help="Product JSON for the pigment compliance check (`smp pigment check`).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Receive a lot into stock."""
    from smpstudio.services.lots import AddLotRequest, LotAdded, add_lot

    document = run(lambda: read_json_input(product_file, "product_file")) if product_file else None

    def add(ctx: ServiceContext) -> LotAdded:
        request = AddLotRequest.of(
            kind=kind,
            product=product,
            lot=lot_code,
            expires=expires,
            quantity=quantity,
            product_document=document,
        )
        try:
            return add_lot(ctx, request)
        except SmpError as exc:  # the service's document is this command's --product-file
            if exc.field and exc.field.startswith("product_document"):
                exc.field = "product_file" + exc.field.removeprefix("product_document")
            raise

    result = with_context(add)
    emit(result, as_json, f"lot {result.id} added (compliance {result.compliance})")


@lot.command("adjust")
def lot_adjust(
    lot_id: Annotated[int, id_argument("lot", "LOT_ID")],
    delta: Annotated[int, typer.Option(help="Units to add (negative to remove).")],
    reason: Annotated[str, typer.Option(help="Why: stock count, damaged, returned ...")],
    as_json: JsonFlag = False,
) -> None:
    """Correct a lot's stock, with the reason kept in the ledger."""
    from smpstudio.services.lots import AdjustLotRequest, adjust_lot

    request = run(lambda: AdjustLotRequest.of(lot_id=lot_id, delta=delta, reason=reason))
    result = with_context(lambda ctx: adjust_lot(ctx, request))
    emit(result, as_json, f"lot {result.id}: {result.quantity} in stock")


@lot.command("list")
def lot_list(as_json: JsonFlag = False) -> None:
    """Every lot with stock, expiry, compliance and recall status."""
    from smpstudio.services.lots import list_lots

    rows(
        with_context(list_lots),
        as_json,
        ["id", "kind", "product", "lot", "expires_on", "quantity", "compliance", "recalled"],
        "lots",
    )


@lot.command("expiring")
def lot_expiring(
    days: Annotated[int, typer.Option(help="Window in days.")] = 30, as_json: JsonFlag = False
) -> None:
    """Lots in stock that expire within the window (or have expired)."""
    from smpstudio.services.lots import LotsExpiringRequest, lots_expiring

    request = run(lambda: LotsExpiringRequest.of(within_days=days))
    rows(
        with_context(lambda ctx: lots_expiring(ctx, request)),
        as_json,
        ["id", "kind", "product", "lot", "expires_on", "quantity"],
        f"lots expiring within {days} days",
    )


def _print_exposed(result: LotExposure, as_json: bool, verb: str) -> None:
    if as_json:
        emit_json(result.to_json())
        return
    out.print(f"lot {plain(result.lot)} {verb}: {len(result.clients)} clients", highlight=False)
    table = Table("client", "name", "phone", "email", "sessions")
    for c in result.clients:
        table.add_row(
            str(c.id),
            plain(c.name, multiline=False),
            plain(c.contact.phone or "", multiline=False),
            plain(c.contact.email or "", multiline=False),
            ", ".join(s.date.isoformat() for s in c.sessions) or "patch test",
        )
    if result.clients:
        out.print(table)


@lot.command("recall")
def lot_recall(
    lot_code: Annotated[str, typer.Argument(metavar="LOT")],
    reason: Annotated[str | None, typer.Option(help="The recall notice's reason.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Mark a lot recalled and list every client who received it, with contacts and sessions."""
    from smpstudio.services.lots import RecallRequest, recall_lot

    request = run(lambda: RecallRequest.of(lot=lot_code, reason=reason))
    _print_exposed(with_context(lambda ctx: recall_lot(ctx, request)), as_json, "recalled")


@lot.command("clients")
def lot_clients_cmd(
    lot_code: Annotated[str, typer.Argument(metavar="LOT")], as_json: JsonFlag = False
) -> None:
    """List the clients who received a lot, without recalling it."""
    from smpstudio.services.lots import lot_clients

    _print_exposed(with_context(lambda ctx: lot_clients(ctx, lot_code)), as_json, "was used on")


def register(app: typer.Typer) -> None:
    app.add_typer(lot, name="lot")
