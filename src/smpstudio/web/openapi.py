"""The OpenAPI document of the JSON API: API routes only, each with every status it can answer and the
one error shape, and the two ways to sign in (bearer token, session cookie)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, routing
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from smpstudio import __version__
from smpstudio.web.errors import ErrorBody
from smpstudio.web.permissions import PUBLIC
from smpstudio.web.route_table import ROUTE_PERMISSIONS

__all__ = ["install_openapi", "statuses_of"]

_ERRORS: dict[int, str] = {
    401: "Not signed in, or the session or token has ended.",
    403: "The user's role may not do this, or the CSRF token is missing.",
    404: "No such resource in the user's clinic.",
    409: "A conflict with stored data, or a safety refusal (with its reasons).",
    413: "The request body is too large.",
    422: "A value is missing, of the wrong kind or out of range; the answer names the field.",
    429: "Too many failed logins for this account or address; wait and try again.",
    503: "The store is busy or being upgraded; try again.",
}
_ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}


def statuses_of(method: str, path: str) -> set[int]:
    """The error statuses a route can answer, from its guard entry, its path and its method."""
    permission = ROUTE_PERMISSIONS.get((method, path))
    statuses = {422, 503}
    if permission != PUBLIC:
        statuses |= {401, 403}
    if "{" in path:
        statuses.add(404)
    if method in {"POST", "PATCH", "PUT", "DELETE"}:
        statuses |= {409, 413}
    if path.endswith("/login"):
        statuses |= {401, 429}
    return statuses


def install_openapi(app: FastAPI, prefix: str) -> None:
    """Serve an OpenAPI document of the routes under ``prefix`` only, completed with their error answers."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        routes = [
            context
            for context in routing.iter_route_contexts(app.routes)
            if isinstance(context.original_route, APIRoute) and context.original_route.path.startswith(prefix)
        ]
        schema = get_openapi(
            title="smpstudio",
            version=__version__,
            summary="The clinic records and care answers of the studio, as JSON.",
            routes=routes,
        )
        components = schema.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        schemas["ErrorBody"] = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        components["securitySchemes"] = {
            "token": {
                "type": "http",
                "scheme": "bearer",
                "description": "A personal API token (smp user token).",
            },
            "session": {"type": "apiKey", "in": "cookie", "name": "smp_session"},
        }
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                public = ROUTE_PERMISSIONS.get((method.upper(), path)) == PUBLIC
                operation["security"] = [] if public else [{"token": []}, {"session": []}]
                answers = operation.setdefault("responses", {})
                for status in sorted(statuses_of(method.upper(), path)):
                    answers[str(status)] = {
                        "description": _ERRORS[status],
                        "content": {"application/json": {"schema": _ERROR_REF}},
                    }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
