"""Catalog's write routes through the gateway, against the real catalog service.

Catalog runs as it does in production: its own app, database (migrated) and broker
connection, behind a real HTTP server on a free port; the gateway forwards to it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import catalog
from aftersales_testing.infrastructure import Infrastructure
from aftersales_testing.waiting import eventually
from catalog.main import build_app as build_catalog_app
from catalog.settings import Settings as CatalogSettings
from gateway.settings import Settings

from ..conftest import TokenFactory, serve_in_thread

CATALOG_MIGRATIONS = Path(catalog.__file__).parent / "migrations"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def catalog_url(
    infra: Infrastructure,
    service_database: Callable[[str, Path | None], str],
    broker_prefix: str,
) -> Iterator[str]:
    catalog_settings = CatalogSettings(
        database_url=service_database("catalog", CATALOG_MIGRATIONS),
        amqp_url=infra.amqp_url,
        broker_prefix=broker_prefix,
        log_json=False,
    )
    with serve_in_thread(build_catalog_app(catalog_settings), "catalog") as url:
        yield url


@pytest.fixture(scope="module")
def settings(settings: Settings, catalog_url: str) -> Settings:
    """The gateway's settings with the real catalog as its catalog upstream."""
    return settings.model_copy(update={"catalog_url": catalog_url})


def _bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def _n() -> str:
    return uuid.uuid4().hex[:10]


async def _create(
    client: httpx.AsyncClient, token: str, path: str, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(path, json=body, headers=_bearer(token))
    assert response.status_code == 201, response.text
    created = dict(response.json())
    assert response.headers["etag"] == f'"{created["version"]}"'
    # Catalog may or may not name the new resource; if it does, the name is public.
    assert response.headers.get("location") in (None, f"{path}/{created['id']}")
    return created


async def test_without_a_token_nothing_reaches_catalog(client: httpx.AsyncClient) -> None:
    for method, path in [("GET", "/api/customers"), ("POST", "/api/customers")]:
        response = await client.request(method, path, json={})
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"] == "Bearer"


async def test_customer_create_update_contact_and_deactivate(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    operator, viewer = await token_for("operator"), await token_for("viewer")
    number = f"C-{_n()}"
    customer = await _create(
        client,
        operator,
        "/api/customers",
        {"customer_number": number, "name": "Ada Lovelace", "emails": ["ada@example.com"]},
    )
    url = f"/api/customers/{customer['id']}"
    assert (customer["customer_number"], customer["version"]) == (number, 1)

    got = await client.get(url, headers=_bearer(viewer))
    assert got.status_code == 200, got.text
    assert got.headers["etag"] == '"1"'
    assert got.json() == customer

    # If-Match goes upstream: missing is 428, current updates, stale is 412.
    missing = await client.patch(url, json={"name": "Ada King"}, headers=_bearer(operator))
    assert missing.status_code == 428, missing.text
    assert missing.headers["content-type"] == PROBLEM
    assert missing.json()["field"] == "If-Match"
    patched = await client.patch(
        url, json={"name": "Ada King"}, headers=_bearer(operator, **{"If-Match": '"1"'})
    )
    assert patched.status_code == 200, patched.text
    assert patched.headers["etag"] == '"2"'
    assert patched.json()["name"] == "Ada King"
    stale = await client.patch(
        url, json={"name": "Ada B."}, headers=_bearer(operator, **{"If-Match": '"1"'})
    )
    assert stale.status_code == 412, stale.text
    assert stale.headers["content-type"] == PROBLEM

    contact = await client.post(
        f"{url}/contacts",
        json={"name": "Charles Babbage", "email": "charles@example.com", "role": "engineer"},
        headers=_bearer(operator, **{"If-Match": '"2"'}),
    )
    assert contact.status_code == 201, contact.text
    assert contact.headers["etag"] == '"3"'  # the customer's new version
    contacts = await client.get(f"{url}/contacts", headers=_bearer(viewer))
    assert contacts.status_code == 200
    assert [c["name"] for c in contacts.json()] == ["Charles Babbage"]

    deactivated = await client.post(
        f"{url}/deactivate", headers=_bearer(operator, **{"If-Match": '"3"'})
    )
    assert deactivated.status_code == 200, deactivated.text
    assert deactivated.json()["active"] is False
    assert deactivated.headers["etag"] == '"4"'


async def test_bad_input_is_catalogs_problem_naming_the_field(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    response = await client.post(
        "/api/customers",
        json={"customer_number": f"C-{_n()}", "name": "Ada", "emails": ["not-an-address"]},
        headers=_bearer(await token_for("operator")),
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert "emails" in response.text


async def test_serial_item_create_owner_change_and_deactivate(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    admin, operator = await token_for("admin"), await token_for("operator")
    # The product list is set up by an admin; an operator may not change it.
    product_body = {"product_number": f"P-{_n()}", "name": "Pump"}
    refused = await client.post("/api/products", json=product_body, headers=_bearer(operator))
    assert refused.status_code == 403, refused.text
    product = await _create(client, admin, "/api/products", product_body)
    first_owner = await _create(
        client, operator, "/api/customers", {"customer_number": f"C-{_n()}", "name": "First"}
    )
    second_owner = await _create(
        client, operator, "/api/customers", {"customer_number": f"C-{_n()}", "name": "Second"}
    )
    item = await _create(
        client,
        operator,
        "/api/serial-items",
        {
            "serial_number": f"SN-{_n()}",
            "product_id": product["id"],
            "owner_customer_id": first_owner["id"],
        },
    )
    url = f"/api/serial-items/{item['id']}"
    owner = {"owner_customer_id": second_owner["id"]}

    missing = await client.post(f"{url}/owner", json=owner, headers=_bearer(operator))
    assert missing.status_code == 428, missing.text
    changed = await client.post(
        f"{url}/owner", json=owner, headers=_bearer(operator, **{"If-Match": '"1"'})
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["owner_customer_id"] == second_owner["id"]
    assert changed.headers["etag"] == '"2"'
    stale = await client.post(
        f"{url}/owner",
        json={"owner_customer_id": first_owner["id"]},
        headers=_bearer(operator, **{"If-Match": '"1"'}),
    )
    assert stale.status_code == 412, stale.text

    deactivated = await client.post(
        f"{url}/deactivate", headers=_bearer(operator, **{"If-Match": '"2"'})
    )
    assert deactivated.status_code == 200, deactivated.text
    assert deactivated.json()["status"] == "inactive"

    listed = await client.get(
        "/api/serial-items",
        params={"owner_customer_id": second_owner["id"]},
        headers=_bearer(await token_for("viewer")),
    )
    assert listed.status_code == 200, listed.text
    assert [i["id"] for i in listed.json()["items"]] == [item["id"]]


async def test_a_viewer_reads_catalog_but_writes_nothing(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    viewer = await token_for("viewer")
    customer = await _create(
        client,
        await token_for("operator"),
        "/api/customers",
        {"customer_number": f"C-{_n()}", "name": "Read Only"},
    )
    url = f"/api/customers/{customer['id']}"
    writes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/api/customers", {"customer_number": f"C-{_n()}", "name": "No"}),
        ("PATCH", url, {"name": "Changed"}),
        ("POST", f"{url}/contacts", {"name": "No"}),
        ("POST", f"{url}/deactivate", None),
        ("POST", "/api/serial-items", {}),
        ("POST", "/api/imports/customers", None),
    ]
    for method, path, body in writes:
        response = await client.request(
            method, path, json=body, headers=_bearer(viewer, **{"If-Match": '"1"'})
        )
        assert response.status_code == 403, (method, path, response.text)
        assert response.headers["content-type"] == PROBLEM
    got = await client.get(url, headers=_bearer(viewer))
    assert got.status_code == 200
    assert got.json() == customer  # unchanged: no write got through
    listed = await client.get(
        "/api/customers", params={"name": "Read Only"}, headers=_bearer(viewer)
    )
    assert listed.status_code == 200
    assert customer["id"] in [c["id"] for c in listed.json()["items"]]


async def test_an_import_through_the_gateway(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    """The upload streams through to catalog, which records who asked; the job is polled
    and its bad rows read back through the gateway."""
    token = await token_for("operator")
    p = _n()
    response = await client.post(
        "/api/imports/customers",
        content=f"customer_number,name\n{p}-1,Ada\n{p}-2,\n".encode(),
        headers=_bearer(token, **{"Content-Type": "text/csv"}),
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    assert response.headers["location"] == f"/api/imports/{job_id}"

    async def finished() -> dict[str, Any] | None:
        job = (await client.get(f"/api/imports/{job_id}", headers=_bearer(token))).json()
        return dict(job) if job["state"] in ("completed", "failed") else None

    job = await eventually(finished, what="the import finished")
    assert (job["state"], job["created"], job["failed"]) == ("completed", 1, 1)
    assert job["requested_by"] is not None
    errors = (await client.get(f"/api/imports/{job_id}/errors", headers=_bearer(token))).json()
    assert [(e["line"], e["field"]) for e in errors["items"]] == [(3, "name")]


async def test_a_user_restricted_to_an_org_unit_sees_only_its_items(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    """The gateway names the user's org units to catalog, which shows the items of those
    units and their descendants and nothing else; a client's own header changes nothing."""
    admin = await token_for("admin")
    zone = "Europe/Stockholm"
    north = await _create(
        client, admin, "/api/org-units", {"code": f"N-{_n()}", "name": "N", "time_zone": zone}
    )
    north_east = await _create(
        client,
        admin,
        "/api/org-units",
        {"code": f"NE-{_n()}", "name": "NE", "time_zone": zone, "parent_id": north["id"]},
    )
    south = await _create(
        client, admin, "/api/org-units", {"code": f"S-{_n()}", "name": "S", "time_zone": zone}
    )
    product = await _create(
        client, admin, "/api/products", {"product_number": f"P-{_n()}", "name": "Pump"}
    )
    owner = await _create(
        client, admin, "/api/customers", {"customer_number": f"C-{_n()}", "name": "Owner"}
    )
    prefix = f"SN-{_n()}"

    def item(key: str, unit: dict[str, Any] | None) -> dict[str, Any]:
        body = {
            "serial_number": f"{prefix}-{key}",
            "product_id": product["id"],
            "owner_customer_id": owner["id"],
        }
        return body | ({"org_unit_id": unit["id"]} if unit else {})

    in_north_east = await _create(client, admin, "/api/serial-items", item("ne", north_east))
    in_south = await _create(client, admin, "/api/serial-items", item("s", south))
    in_none = await _create(client, admin, "/api/serial-items", item("none", None))

    restricted = await token_for("operator", org_units=(north["code"],))
    # Claiming another unit, or no restriction, in the client's own headers does nothing.
    spoof = {"X-Aftersales-Org-Units": south["code"], "X-Aftersales-Roles": "admin"}
    listed = await client.get(
        "/api/serial-items",
        params={"serial_number": prefix},
        headers=_bearer(restricted, **spoof),
    )
    assert listed.status_code == 200, listed.text
    assert [i["id"] for i in listed.json()["items"]] == [in_north_east["id"]]
    everything = await client.get(
        "/api/serial-items", params={"serial_number": prefix}, headers=_bearer(admin)
    )
    assert {i["id"] for i in everything.json()["items"]} == {
        in_north_east["id"],
        in_south["id"],
        in_none["id"],
    }

    for hidden in (in_south, in_none):
        got = await client.get(f"/api/serial-items/{hidden['id']}", headers=_bearer(restricted))
        assert got.status_code == 404, got.text
        assert got.headers["content-type"] == PROBLEM
    seen = await client.get(f"/api/serial-items/{in_north_east['id']}", headers=_bearer(restricted))
    assert seen.status_code == 200, seen.text

    refused = await client.post(
        "/api/serial-items", json=item("new", south), headers=_bearer(restricted)
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["field"] == "org_unit_id"
    await _create(client, restricted, "/api/serial-items", item("new", north_east))
    # Customers are not per org unit.
    customer = await client.get(f"/api/customers/{owner['id']}", headers=_bearer(restricted))
    assert customer.status_code == 200, customer.text
