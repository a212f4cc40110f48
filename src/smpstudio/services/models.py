"""The base of every service request and result model.

Requests and results are Pydantic models: the CLI prints ``result.model_dump(mode="json")`` for
``--json`` and the web API declares the same model as its ``response_model``, so both print the same JSON
for the same call. Field names are snake_case and carry their units (``depth_mm``, ``days``).
"""

from __future__ import annotations

import re
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from smpstudio.errors import InputError, echo

__all__ = ["Request", "Result", "input_error"]


#: The longest name of one step of a field's path, and of a message or allowed values, taken as it is.
_PART_CHARS, _TEXT_CHARS = 40, 200
#: A quoted value in Pydantic's words (``'...'`` or ``"..."``).
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def _part(step: object) -> str:
    """One step of a field's path: a name or an index as it is, a long or odd key (a user's) cut."""
    text = str(step)
    return text if len(text) <= _PART_CHARS and text.isprintable() else echo(text)


def _short(text: str) -> str:
    """Pydantic's words with every long quoted value cut (:func:`~smpstudio.errors.echo`), then the
    whole cut to a short length: a message never carries a user's value whole."""
    text = _QUOTED.sub(lambda m: echo(m.group()[1:-1]) if len(m.group()) > _PART_CHARS else m.group(), text)
    return text if len(text) <= _TEXT_CHARS else text[: _TEXT_CHARS - 3] + "..."


def input_error(exc: ValidationError) -> InputError:
    """The first problem of a Pydantic validation as the one error shape (field named, snake_case).

    A user's values quoted in it (a long text, a huge dict key in the field's path) are cut short.
    """
    first = exc.errors()[0]
    field = ".".join(_part(p) for p in first["loc"]) or "request"
    allowed = None
    ctx = first.get("ctx") or {}
    if "expected" in ctx:
        allowed = _short(str(ctx["expected"]))
    elif {"ge", "le"} <= ctx.keys():
        allowed = f"{ctx['ge']} to {ctx['le']}"
    elif "max_length" in ctx:
        allowed = f"at most {ctx['max_length']} characters"
    return InputError(_short(first["msg"]), field=field, allowed=allowed)


class Request(BaseModel):
    """A use case's typed input: unknown fields are refused, values are checked on construction."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @classmethod
    def of(cls, **values: Any) -> Self:
        """Build the request, turning a validation failure into an :class:`InputError` naming the field."""
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise input_error(exc) from None


class Result(BaseModel):
    """A use case's typed output, the JSON every face prints."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_json(self) -> dict[str, Any]:
        """The JSON object the faces print (``--json``, the API body)."""
        return self.model_dump(mode="json")
