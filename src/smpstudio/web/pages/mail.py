"""The clinic's mail server page (owner: the server, the reminders' hour, a test message), the public
unsubscribe page a reminder links to, and turning a client's reminders back on from their record."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from smpstudio.errors import NotFoundError, SmpError
from smpstudio.services import client_messages, mail_settings
from smpstudio.services.context import ServiceContext
from smpstudio.web.pages.client_forms import can
from smpstudio.web.pages.clinic_forms import Context, attempt, see_other
from smpstudio.web.pages.rendering import page
from smpstudio.web.state import studio_of

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

Short = Annotated[str, Form(max_length=255)]
SECURITY_CHOICES = (
    ("starttls", "STARTTLS (usually port 587)"),
    ("tls", "TLS from the start (usually port 465)"),
    ("none", "None (only on a trusted network)"),
)


def _mail_page(
    request: Request,
    ctx: ServiceContext,
    *,
    status_code: int = 200,
    error: SmpError | None = None,
    form: str | None = None,
    values: dict[str, str] | None = None,
    notice: str | None = None,
) -> Response:
    return page(
        request,
        "mail/settings.html",
        status_code=status_code,
        json_twin="/api/v1/clinic/mail",
        settings=mail_settings.show_mail_settings(ctx),
        security_choices=SECURITY_CHOICES,
        hour_choices=[(str(h), f"{h:02d}:00") for h in range(24)],
        error=error,
        form=form,
        values=values or {},
        notice=notice or request.query_params.get("done"),
    )


@router.get("/settings/mail")
def mail_page(request: Request, ctx: Context) -> Response:
    return _mail_page(request, ctx)


@router.post("/settings/mail")
def save_mail(
    request: Request,
    ctx: Context,
    host: Short = "",
    port: Annotated[str, Form(max_length=10)] = "",
    security: Annotated[str, Form(max_length=10)] = "starttls",
    username: Short = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    clear_password: Annotated[str, Form(max_length=5)] = "",
    from_address: Short = "",
    enabled: Annotated[str, Form(max_length=5)] = "",
    send_hour: Annotated[str, Form(max_length=2)] = "9",
) -> Response:
    values = {
        "host": host,
        "port": port,
        "security": security,
        "username": username,
        "from_address": from_address,
        "enabled": enabled,
        "send_hour": send_hour,
    }

    def save() -> mail_settings.MailSettings:
        request_values: dict[str, object] = {
            "host": host,
            "port": port or "587",
            "security": security,
            "username": username or None,
            "from_address": from_address,
            "enabled": enabled == "on",
            "send_hour": send_hour,
            "clear_password": clear_password == "on",
        }
        if password:  # empty keeps the stored password
            request_values["password"] = password
        return mail_settings.set_mail_settings(ctx, mail_settings.SetMailSettingsRequest.of(**request_values))

    _, error = attempt(save)
    if error is None:
        return see_other("/settings/mail?done=saved")
    return _mail_page(request, ctx, status_code=error.http_status, error=error, form="server", values=values)


@router.post("/settings/mail/test")
def test_mail(request: Request, ctx: Context, to: Short = "") -> Response:
    sent, error = attempt(
        lambda: mail_settings.send_test_message(ctx, mail_settings.MailTestRequest.of(to=to or None))
    )
    if error is None and sent is not None:
        return _mail_page(request, ctx, notice=f"A test message went to {sent.to}.")
    return _mail_page(
        request,
        ctx,
        status_code=error.http_status if error else 200,
        error=error,
        form="test",
        values={"to": to},
    )


# --- the client's record -----------------------------------------------------------------------------------


def reminders_panel(request: Request, ctx: ServiceContext, client_id: int) -> dict[str, Any]:
    """What the client's record shows of their e-mail reminders: the messages (for the timeline), since
    when they are stopped, and whether the signed-in user may turn them back on."""
    return {
        "email_reminders": client_messages.client_messages(
            ctx, client_messages.ClientMessagesRequest.of(client_id=client_id)
        ),
        "may_resume_reminders": can(request, "POST", "/clients/{client_id}/email-reminders"),
    }


@router.post("/clients/{client_id}/email-reminders")
def resume_reminders(
    request: Request,
    ctx: Context,
    client_id: int,
    client_agreed: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    client_messages.resume_reminders(
        ctx,
        client_messages.ResumeRemindersRequest.of(client_id=client_id, client_agreed=client_agreed == "on"),
    )
    return see_other(f"/clients/{client_id}?done=reminders_on#details-h")


# --- the public unsubscribe page ---------------------------------------------------------------------------


def _unknown(request: Request) -> Response:
    return page(request, "mail/unsubscribe.html", status_code=404, state="unknown", clinic_name=None)


@router.get("/unsubscribe/{token}")
def unsubscribe_page(request: Request, token: str) -> Response:
    try:
        found = client_messages.unsubscribe_page(studio_of(request).context, token)
    except NotFoundError:
        return _unknown(request)
    state = "done" if found.unsubscribed else "ask"
    return page(request, "mail/unsubscribe.html", state=state, clinic_name=found.clinic_name, token=token)


@router.post("/unsubscribe/{token}")
def unsubscribe(request: Request, token: str) -> Response:
    try:
        done = client_messages.unsubscribe(studio_of(request).context, token)
    except NotFoundError:
        return _unknown(request)
    return page(request, "mail/unsubscribe.html", state="done", clinic_name=done.clinic_name)
