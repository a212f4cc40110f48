"""What the clinic's pages share: trying a service call for a form, the redirect after a write, and the
error a form shows beside its field.

A form's service call either succeeds (the page redirects, POST-redirect-GET) or fails with an error the
user can fix (a wrong value, a conflict, a refusal): the page is shown again with the error beside its
field and the HTTP status of the error's kind. An access refusal or an id that is not the clinic's is not
a form error: it propagates to the error page (403, 404).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse

from smpstudio.errors import ConflictError, InputError, NotFoundError, RefusedError, SmpError
from smpstudio.services.context import ServiceContext
from smpstudio.web.permissions import allows
from smpstudio.web.route_table import ROUTE_PERMISSIONS
from smpstudio.web.state import principal_of, service_context

__all__ = [
    "FORM_ERRORS",
    "Context",
    "attempt",
    "field_error",
    "json_document",
    "may",
    "not_found",
    "see_other",
]

T = TypeVar("T")

#: The service context of a request, acting as the signed-in user (a handler's parameter).
Context = Annotated[ServiceContext, Depends(service_context)]

#: The errors a form shows beside its fields (anything else goes to the error page).
FORM_ERRORS = (InputError, ConflictError, RefusedError)


def attempt(call: Callable[[], T]) -> tuple[T | None, SmpError | None]:
    """Run ``call``: its result and no error, or no result and the form error it raised."""
    try:
        return call(), None
    except FORM_ERRORS as exc:
        return None, exc


def field_error(error: SmpError | None, *names: str) -> str | None:
    """The error's message when it names one of the fields ``names`` (for the field's own error line)."""
    if error is None or error.field is None:
        return None
    head = error.field.split(".")[0]
    return error.message if error.field in names or head in names else None


def see_other(path: str) -> RedirectResponse:
    """The redirect after a successful form (303: the browser GETs ``path``)."""
    return RedirectResponse(path, status_code=303)


def may(request: Request, method: str, path: str) -> bool:
    """Whether the signed-in user's role may call the route ``method path`` (a path template): a page
    shows a form only to those who may send it."""
    permission = ROUTE_PERMISSIONS.get((method, path))
    return permission is not None and allows(principal_of(request).role, permission)


def json_document(text: str, field: str) -> Any:
    """The JSON document typed or pasted into a form's ``field`` (None when left blank)."""
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            field=field,
            allowed="a JSON object, as on the product's data sheet",
        ) from None
    except (ValueError, RecursionError):  # a number beyond the digit limit, or nesting beyond the stack
        raise InputError(
            "a number in it is too long, or it is nested too deeply",
            field=field,
            allowed="a JSON object, as on the product's data sheet",
        ) from None


def not_found(what: str, ident: int, field: str) -> NotFoundError:
    """The error of an id that is not the clinic's (another clinic's answers as a missing one)."""
    return NotFoundError(f"no {what} {ident} in this clinic", field=field, allowed=f"a {what} of this clinic")
