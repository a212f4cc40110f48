"""The repair consultation page: a close-up's dot map, the practitioner's corrections and the plan."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
