"""What every response carries and every request is held to: security headers, a body size limit and an
access log that names routes, never the values in a URL.
"""

from __future__ import annotations

import json
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "SECURITY_HEADERS",
    "AccessLog",
    "BodyLimit",
    "BodyTooLargeError",
    "RequestGate",
    "SecurityHeaders",
]

#: Only the studio's own scripts, styles and images (signatures drawn on a canvas are data: URLs); no frames.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)

SECURITY_HEADERS: dict[str, str] = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(self), microphone=(), geolocation=()",
}

log = logging.getLogger("smpstudio.web")


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every response, and ``Cache-Control: no-store`` to every response
    that is not a static file (pages and API answers hold health data)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                if not static and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLargeError(Exception):
    """A request body went past the studio's limit while it was being read."""

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(f"the request body is larger than {limit_bytes} bytes")
        self.limit_bytes = limit_bytes


class BodyLimit:
    """Refuses request bodies over ``limit_bytes``: at once (413) when ``Content-Length`` says so, and by
    counting when it does not (the handler then sees :class:`BodyTooLargeError`)."""

    def __init__(self, app: ASGIApp, limit_bytes: int) -> None:
        self.app = app
        self.limit_bytes = limit_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and (not value.isdigit() or int(value) > self.limit_bytes):
                await _too_large(send, self.limit_bytes)
                return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit_bytes:
                    raise BodyTooLargeError(self.limit_bytes)
            return message

        await self.app(scope, counted, send)


async def _too_large(send: Send, limit_bytes: int) -> None:
    body = (
        b'{"ok":false,"error":"the request body is too large","code":"body_too_large","kind":"invalid",'
        b'"field":"body","allowed":"at most ' + str(limit_bytes).encode() + b' bytes"}'
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class AccessLog:
    """One log line per request: method, the route's path template (ids and queries never appear), status
    and time taken."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [0]

        async def noting(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting)
        finally:
            route = scope.get("route")
            where = getattr(route, "path", None) or (
                "/static" if scope["path"].startswith("/static/") else "?"
            )
            elapsed_ms = (time.perf_counter() - start) * 1000
            log.info("%s %s %d %.0fms", scope["method"], where, status[0], elapsed_ms)


class RequestGate:
    """Refusals that need no route: a cross-site write (a form on another site posting to the studio,
    the login included), a cross-site API call carrying the session cookie, and an API call with no
    credential at all (401 at once, before any body is read). The guard still checks every credential.

    ``Sec-Fetch-Site`` is sent by every current browser; a script without it is judged by its credential.
    """

    def __init__(self, app: ASGIApp, api_prefix: str, public_api_paths: frozenset[str]) -> None:
        self.app = app
        self.api_prefix = api_prefix
        self.public_api_paths = public_api_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {name: value for name, value in scope.get("headers", [])}
        path = str(scope.get("path", ""))
        api = path.startswith(self.api_prefix)
        cross_site = headers.get(b"sec-fetch-site") == b"cross-site"
        cookie = b"smp_session=" in headers.get(b"cookie", b"")
        bearer = b"authorization" in headers
        if cross_site and (
            scope["method"] not in ("GET", "HEAD", "OPTIONS") or (api and cookie and not bearer)
        ):
            await _refuse(send, 403, "cross_site", "a request from another site is not accepted", api)
            return
        if api and path not in self.public_api_paths and not cookie and not bearer:
            await _refuse(send, 401, "not_signed_in", "sign in first", api)
            return
        await self.app(scope, receive, send)


async def _refuse(send: Send, status: int, code: str, message: str, api: bool) -> None:
    kind = "unauthenticated" if status == 401 else "forbidden"
    body = json.dumps(
        {"ok": False, "error": message, "code": code, "kind": kind, "field": None, "allowed": None}
    )
    headers = [(b"content-type", b"application/json")]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    if not api:
        body, headers = message, [(b"content-type", b"text/plain; charset=utf-8")]
    data = body.encode()
    headers.append((b"content-length", str(len(data)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
