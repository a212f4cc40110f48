"""The studio app: pages for the clinic and a JSON API beside them, over the service layer.

:func:`create_app` builds one app over an open store. ``smp studio`` serves it with uvicorn; tests build it
over a store of their own. Every route is guarded by :func:`smpstudio.web.auth.guard` against the table in
:mod:`smpstudio.web.permissions`.
"""

from __future__ import annotations

import os
from dataclasses import replace
from importlib import resources

from fastapi import Depends, FastAPI, routing
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from smpstudio.services.context import ServiceContext, open_context
from smpstudio.settings import Settings
from smpstudio.web.api import API_PREFIX
from smpstudio.web.api.routers import API_ROUTERS
from smpstudio.web.auth import guard
from smpstudio.web.errors import InternalErrors, install_error_handlers
from smpstudio.web.openapi import install_openapi
from smpstudio.web.pages.routers import PAGE_ROUTERS
from smpstudio.web.permissions import PUBLIC
from smpstudio.web.route_table import ROUTE_PERMISSIONS, known_permissions
from smpstudio.web.secret import load_or_create_secret
from smpstudio.web.security import AccessLog, BodyLimit, RequestGate, SecurityHeaders
from smpstudio.web.state import Studio

__all__ = ["api_routes", "app_from_env", "check_route_table", "create_app"]


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every route of the app with a handler of its own (pages and API), as FastAPI resolved them."""
    found = [context.original_route for context in routing.iter_route_contexts(app.routes)]
    return [route for route in found if isinstance(route, APIRoute)]


def check_route_table(app: FastAPI) -> None:
    """Refuse an app whose routes and permission table disagree (a route without a guard entry, or an
    entry without a route)."""
    served: set[tuple[str, str]] = set()
    for route in api_routes(app):
        served |= {(method, route.path) for method in route.methods or () if method != "HEAD"}
    missing = sorted(served - ROUTE_PERMISSIONS.keys())
    stale = sorted(ROUTE_PERMISSIONS.keys() - served)
    unknown = sorted(k for k, v in ROUTE_PERMISSIONS.items() if v not in known_permissions())
    if missing or stale or unknown:
        raise RuntimeError(
            f"routes without a permission: {missing}; permissions without a route: {stale}; "
            f"unknown permission words: {unknown}"
        )


def create_app(settings: Settings, context: ServiceContext, secret: bytes) -> FastAPI:
    """The studio over ``context``'s store (its acting user is ignored: each request has its own)."""
    app = FastAPI(
        title="smpstudio",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(guard)],
    )
    base = replace(context.acting_as(None), secret=secret)
    app.state.studio = Studio(settings=settings, context=base, secret=secret)
    static = resources.files("smpstudio.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    for router in API_ROUTERS:
        app.include_router(router)
    for router in PAGE_ROUTERS:
        app.include_router(router)
    check_route_table(app)
    install_error_handlers(app)
    install_openapi(app, API_PREFIX)
    app.add_middleware(InternalErrors, debug=settings.debug)
    app.add_middleware(BodyLimit, limit_bytes=settings.max_upload_bytes)
    public = frozenset(
        {path for (_, path), permission in ROUTE_PERMISSIONS.items() if permission == PUBLIC}
        | {f"{API_PREFIX}/openapi.json"}
    )
    app.add_middleware(RequestGate, api_prefix=f"{API_PREFIX}/", public_api_paths=public)
    hosts = [h.strip() for h in settings.allowed_hosts.split(",") if h.strip()]
    if "*" not in hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)
    return app


def app_from_env() -> FastAPI:
    """The app for a uvicorn worker (``--workers N``): settings from the ``SMP_*`` environment."""
    settings = Settings.from_env(os.environ)
    context = open_context(settings)
    return create_app(settings, context, load_or_create_secret(settings.data_dir))
