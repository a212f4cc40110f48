"""The clinic's mail server (owner: read, set, send a test message) and a client's e-mail reminders (the
messages sent, and turning reminders back on with the client's say-so)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from smpstudio.services import client_messages as messages
from smpstudio.services import mail_settings
from smpstudio.services.client_messages import ClientMessages, RemindersResumed
from smpstudio.services.context import ServiceContext
from smpstudio.services.mail_settings import (
    MailSettings,
    MailTestRequest,
    MailTestSent,
    SetMailSettingsRequest,
)
from smpstudio.web.api import API_PREFIX
from smpstudio.web.errors import ErrorBody
from smpstudio.web.state import service_context

__all__ = ["ResumeBody", "router"]

router = APIRouter(prefix=API_PREFIX, tags=["mail"])

Context = Annotated[ServiceContext, Depends(service_context)]


class ResumeBody(BaseModel):
    """Turn the client's e-mail reminders back on: ``client_agreed`` must be true."""

    model_config = ConfigDict(extra="forbid")

    client_agreed: bool = False


@router.get(
    "/clinic/mail", response_model=MailSettings, summary="The clinic's mail server (never the password)"
)
def show_mail(ctx: Context) -> MailSettings:
    return mail_settings.show_mail_settings(ctx)


@router.put("/clinic/mail", response_model=MailSettings, summary="Set the clinic's mail server")
def set_mail(body: SetMailSettingsRequest, ctx: Context) -> MailSettings:
    return mail_settings.set_mail_settings(ctx, body)


@router.post(
    "/clinic/mail/test",
    response_model=MailTestSent,
    summary="Send a test message through the clinic's mail server",
    responses={
        409: {"model": ErrorBody, "description": "The server cannot be reached, refused the login, ..."}
    },
)
def test_mail(ctx: Context, body: MailTestRequest | None = None) -> MailTestSent:
    return mail_settings.send_test_message(ctx, body or MailTestRequest())


@router.get(
    "/clients/{client_id}/messages",
    response_model=ClientMessages,
    summary="The e-mails sent to a client, and whether they unsubscribed",
)
def client_messages(client_id: int, ctx: Context) -> ClientMessages:
    return messages.client_messages(ctx, messages.ClientMessagesRequest.of(client_id=client_id))


@router.post(
    "/clients/{client_id}/email-reminders",
    response_model=RemindersResumed,
    summary="Turn a client's e-mail reminders back on (with the client's say-so)",
)
def resume(client_id: int, ctx: Context, body: ResumeBody | None = None) -> RemindersResumed:
    agreed = body.client_agreed if body is not None else False
    return messages.resume_reminders(
        ctx, messages.ResumeRemindersRequest.of(client_id=client_id, client_agreed=agreed)
    )
