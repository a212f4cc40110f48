"""Every router of the JSON API, in the order the OpenAPI document lists them."""

from __future__ import annotations

from fastapi import APIRouter

from smpstudio.web.api import session

__all__ = ["API_ROUTERS"]

API_ROUTERS: list[APIRouter] = [session.router]
