"""Every router of the studio's pages."""

from __future__ import annotations

from fastapi import APIRouter

from smpstudio.web.pages import session

__all__ = ["PAGE_ROUTERS"]

PAGE_ROUTERS: list[APIRouter] = [session.router]
