"""The JSON API of the repair consultation on a close-up."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
