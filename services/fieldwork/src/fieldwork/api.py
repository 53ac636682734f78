"""Every HTTP route of field work, by feature package."""

from __future__ import annotations

from fastapi import APIRouter

from fieldwork.cases import routes as case_routes
from fieldwork.confirmations import routes as confirmation_routes
from fieldwork.documents import routes as document_routes
from fieldwork.orders import routes as order_routes
from fieldwork.planning import routes as planning_routes
from fieldwork.protocols import routes as protocol_routes
from fieldwork.resources import routes as resource_routes
from fieldwork.views import routes as view_routes

routers: list[APIRouter] = [
    *resource_routes.routers,
    *order_routes.routers,
    *case_routes.routers,
    *planning_routes.routers,
    *view_routes.routers,
    *confirmation_routes.routers,
    *document_routes.routers,
    *protocol_routes.routers,
]
