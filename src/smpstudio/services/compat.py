"""Transitional: the keyword calls and dict results of the clinic, client and consent services.

Until issue 11 these services took keywords (and file paths) and returned dicts. Callers that have not
moved to ``f(ctx, XRequest.of(...))`` and attribute access yet (tests of other areas) keep working through
this module: :func:`keyword_calls` builds the request from the keywords, and :class:`ItemResult` answers
``result["key"]`` from the result's JSON. Delete this module once no caller needs it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol, TypeVar

from smpstudio.errors import InputError, read_json_file
from smpstudio.services.context import ServiceContext
from smpstudio.services.models import Request, Result

__all__ = ["ItemResult", "KeywordService", "keyword_calls"]

Req = TypeVar("Req", bound=Request)
Req_contra = TypeVar("Req_contra", bound=Request, contravariant=True)
Res_co = TypeVar("Res_co", covariant=True)
Res = TypeVar("Res")


class ItemResult(Result):
    """A result that also answers ``result["key"]`` (from its JSON), as the dicts it replaces did."""

    def __getitem__(self, key: str) -> Any:
        return self.to_json()[key]


class KeywordService(Protocol[Req_contra, Res_co]):
    """A service called ``f(ctx, request)``, or the old way with keywords (transitional)."""

    def __call__(
        self, ctx: ServiceContext, request: Req_contra | None = None, /, *args: Any, **kw: Any
    ) -> Res_co:
        """Run the use case."""
        ...


def _read(path: object, how: str, field: str) -> Any:
    file = Path(str(path))
    if how == "json":
        return read_json_file(file, field)
    if not file.is_file():
        raise InputError(f"no file {file}", field=field)
    return file.read_bytes() if how == "bytes" else file.read_text(encoding="utf-8")


def keyword_calls(
    request_type: type[Req],
    *,
    positional: tuple[str, ...] = (),
    files: Mapping[str, tuple[str, str]] | None = None,
) -> Callable[[Callable[[ServiceContext, Req], Res]], KeywordService[Req, Res]]:
    """Let ``f(ctx, request)`` also be called the old way: ``f(ctx, *positional, **keywords)``.

    ``files`` maps an old keyword that named a file to ``(request field, "json" | "bytes" | "text")``:
    the file is read here, as the faces do now.
    """

    def wrap(service: Callable[[ServiceContext, Req], Res]) -> KeywordService[Req, Res]:
        @functools.wraps(service)
        def call(ctx: ServiceContext, request: Any = None, /, *args: Any, **kw: Any) -> Res:
            if isinstance(request, request_type):
                if args or kw:
                    raise TypeError(f"{service.__name__}: a request, or keywords, not both")
                return service(ctx, request)
            values = dict(zip(positional, (request, *args) if request is not None else args, strict=False))
            values.update(kw)
            for old, (new, how) in (files or {}).items():
                if old in values:
                    path = values.pop(old)
                    values[new] = None if path is None else _read(path, how, new)
            return service(ctx, request_type.of(**values))

        return call

    return wrap
