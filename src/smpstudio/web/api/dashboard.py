"""The dashboard: today's sessions, the follow-ups due and the alerts, as the acting user's role may read
them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from smpstudio.services.context import ServiceContext
from smpstudio.services.dashboard import Dashboard, DashboardRequest, dashboard
from smpstudio.web.api import API_PREFIX
from smpstudio.web.state import service_context

__all__ = ["router"]

router = APIRouter(prefix=API_PREFIX, tags=["dashboard"])


@router.get("/dashboard", response_model=Dashboard, summary="Today's work, follow-ups due and alerts")
def get_dashboard(
    ctx: Annotated[ServiceContext, Depends(service_context)],
    horizon_days: Annotated[int, Query(ge=1, le=365, description="Window for alerts. [days]")] = 30,
) -> Dashboard:
    return dashboard(ctx, DashboardRequest.of(horizon_days=horizon_days))
