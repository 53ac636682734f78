"""Every HTTP route of campaigns, by feature package."""

from __future__ import annotations

from fastapi import APIRouter

from campaigns.cases import routes as case_routes
from campaigns.drives import routes as campaign_routes

routers: list[APIRouter] = [*case_routes.routers, *campaign_routes.routers]
