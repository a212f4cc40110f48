"""The consultation page: the design placed, drawn and edited on the client's own photo."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
