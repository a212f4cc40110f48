"""The dashboard: today's sessions, the follow-ups due and the alerts, each alert linking to the page that
fixes it; closing a follow-up from the list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from smpstudio.errors import SmpError
from smpstudio.services import registers
from smpstudio.services.dashboard import Alert, Dashboard, DashboardRequest, dashboard
from smpstudio.web.pages.clinic_forms import Context, attempt, see_other
from smpstudio.web.pages.rendering import page

__all__ = ["alert_link", "router"]

router = APIRouter(include_in_schema=False)

#: What the link of each kind of alert says (the page it opens fixes it).
ACTIONS = {
    "recall": "See the clients to contact",
    "lot_expiring": "Open the lot",
    "patch_test_read_overdue": "Open the client's record",
    "adverse_event_deadline": "Open adverse events",
    "sterilisation_failed": "Open the sterilisation log",
    "certificate_expiring": "Open users",
    "followup_overdue": "Open the client's record",
    "client_report": "Open the client's record",
    "client_report_urgent": "Open the client's record",
}
#: The words of each severity on its badge.
SEVERITY_WORDS = {"danger": "Act now", "warning": "Due soon", "info": "Note"}


def alert_link(alert: Alert, followup_clients: dict[int, int]) -> str:
    """The page that fixes ``alert`` (``followup_clients``: follow-up id -> its client's id)."""
    ident = alert.target_id
    if alert.target == "lot":
        return f"/lots/{ident}"
    if alert.target == "client":
        return f"/clients/{ident}"
    if alert.target == "cycle":
        return f"/sterilisation/cycles/{ident}" if isinstance(ident, int) else "/sterilisation#corrective"
    if alert.target == "adverse_event":
        return f"/adverse-events#event-{ident}"
    if alert.target == "user":
        return f"/users#user-{ident}"
    client = followup_clients.get(ident) if isinstance(ident, int) else None
    return f"/clients/{client}" if client is not None else "/#followups"


def _action(alert: Alert) -> str:
    """What the alert's link says."""
    if alert.target == "cycle" and isinstance(alert.target_id, int):
        return "Open the load"
    return ACTIONS[alert.kind]


def _render(
    request: Request,
    board: Dashboard,
    status_code: int = 200,
    error: SmpError | None = None,
    failed: int | None = None,
    outcome: str = "",
) -> Response:
    clients = {f.id: f.client.id for f in board.followups_due}
    alerts = [
        {
            "alert": a,
            "link": alert_link(a, clients),
            "action": _action(a),
            "words": SEVERITY_WORDS[a.severity],
        }
        for a in board.alerts
    ]
    return page(
        request,
        "dashboard/index.html",
        status_code=status_code,
        json_twin="/api/v1/dashboard",
        board=board,
        alerts=alerts,
        error=error,
        failed=failed,
        outcome=outcome,
    )


@router.get("/")
def dashboard_page(request: Request, ctx: Context) -> Response:
    return _render(request, dashboard(ctx, DashboardRequest()))


@router.post("/follow-ups/{followup_id}/complete")
def complete_followup(
    request: Request, ctx: Context, followup_id: int, outcome: Annotated[str, Form(max_length=4000)] = ""
) -> Response:
    def close() -> registers.FollowUpClosed:
        call = registers.CompleteFollowUpRequest.of(followup_id=followup_id, outcome=outcome)
        return registers.complete_followup(ctx, call)

    _, error = attempt(close)
    if error is None:
        return see_other("/#followups")
    board = dashboard(ctx, DashboardRequest())
    return _render(request, board, error.http_status, error=error, failed=followup_id, outcome=outcome)
