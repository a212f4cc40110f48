"""The JSON API of the consultation on the client's own photo."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
