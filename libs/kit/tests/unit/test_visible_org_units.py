"""The visible-org-units dependency: an unrestricted caller costs no unit of work."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI

from aftersales_kit.identity import ORG_UNITS_HEADER
from aftersales_kit.org_units import VisibleIdsDep


class NoDatabase(Exception):
    pass


def _no_database() -> object:
    raise NoDatabase("this request needed a unit of work")


async def test_only_a_restricted_caller_asks_the_database_for_its_org_units() -> None:
    app = FastAPI()
    app.state.runtime = SimpleNamespace(uow=_no_database)

    @app.get("/visible")
    async def visible(ids: VisibleIdsDep) -> dict[str, object]:
        return {"ids": None if ids is None else sorted(map(str, ids))}

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://svc"
    ) as client:
        assert (await client.get("/visible")).json() == {"ids": None}  # not restricted
        # Restricted to nothing: nothing to look up either.
        assert (await client.get("/visible", headers={ORG_UNITS_HEADER: ""})).json() == {"ids": []}
        with pytest.raises(NoDatabase):
            await client.get("/visible", headers={ORG_UNITS_HEADER: "N-1"})
