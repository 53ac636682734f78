"""Catalog's routes through the gateway, both running as processes: the gateway checks
the token and the role, forwards the request with the user's identity headers, and
passes catalog's answers (statuses, ETags, problems) back unchanged."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from aftersales_testing.builders import unique
from aftersales_testing.journey import expect
from aftersales_testing.waiting import eventually

pytestmark = pytest.mark.e2e

# The ``sign_in`` fixture (conftest.py): a client signed in as a new user of these roles.
SignIn = Callable[..., Awaitable[httpx.AsyncClient]]

PROBLEM = "application/problem+json"


async def _create(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    created: dict[str, Any] = expect(response, 201)
    assert response.headers["etag"] == f'"{created["version"]}"'
    # Catalog may or may not name the new resource; if it does, the name is public.
    assert response.headers.get("location") in (None, f"{path}/{created['id']}")
    return created


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    return body


async def test_without_a_token_nothing_reaches_catalog(gateway_url: str) -> None:
    async with httpx.AsyncClient(base_url=gateway_url) as anonymous:
        for method, path in [("GET", "/api/customers"), ("POST", "/api/customers")]:
            response = await anonymous.request(method, path, json={})
            _problem(response, 401)
            assert response.headers["www-authenticate"] == "Bearer"


async def test_customer_create_update_contact_and_deactivate(sign_in: SignIn) -> None:
    operator, viewer = await sign_in("operator"), await sign_in("viewer")
    number = unique("C-")
    customer = await _create(
        operator,
        "/api/customers",
        {"customer_number": number, "name": "Ada Lovelace", "emails": ["ada@example.com"]},
    )
    url = f"/api/customers/{customer['id']}"
    assert (customer["customer_number"], customer["version"]) == (number, 1)

    got = await viewer.get(url)
    assert expect(got) == customer
    assert got.headers["etag"] == '"1"'

    # If-Match goes upstream: missing is 428, current updates, stale is 412.
    missing = _problem(await operator.patch(url, json={"name": "Ada King"}), 428)
    assert missing["field"] == "If-Match"
    patched = await operator.patch(url, json={"name": "Ada King"}, headers={"If-Match": '"1"'})
    assert expect(patched)["name"] == "Ada King"
    assert patched.headers["etag"] == '"2"'
    stale = await operator.patch(url, json={"name": "Ada B."}, headers={"If-Match": '"1"'})
    assert _problem(stale, 412)["field"] == "If-Match"

    contact = await operator.post(
        f"{url}/contacts",
        json={"name": "Charles Babbage", "email": "charles@example.com", "role": "engineer"},
        headers={"If-Match": '"2"'},
    )
    expect(contact, 201)
    assert contact.headers["etag"] == '"3"'  # the customer's new version
    contacts = expect(await viewer.get(f"{url}/contacts"))
    assert [c["name"] for c in contacts] == ["Charles Babbage"]

    deactivated = await operator.post(f"{url}/deactivate", headers={"If-Match": '"3"'})
    assert expect(deactivated)["active"] is False
    assert deactivated.headers["etag"] == '"4"'
    assert expect(await viewer.get(url))["active"] is False


async def test_bad_input_is_catalogs_problem_naming_the_field(sign_in: SignIn) -> None:
    operator = await sign_in("operator")
    response = await operator.post(
        "/api/customers",
        json={"customer_number": unique("C-"), "name": "Ada", "emails": ["not-an-address"]},
    )
    problem = _problem(response, 422)
    assert problem["field"].startswith("emails"), problem


async def test_serial_item_create_owner_change_and_deactivate(sign_in: SignIn) -> None:
    admin, operator, viewer = [await sign_in(role) for role in ("admin", "operator", "viewer")]
    # The product list is set up by an admin; an operator may not change it.
    product_body = {"product_number": unique("P-"), "name": "Pump"}
    refused = _problem(await operator.post("/api/products", json=product_body), 403)
    assert "may not write products" in refused["detail"]
    product = await _create(admin, "/api/products", product_body)
    first_owner = await _create(
        operator, "/api/customers", {"customer_number": unique("C-"), "name": "First"}
    )
    second_owner = await _create(
        operator, "/api/customers", {"customer_number": unique("C-"), "name": "Second"}
    )
    item = await _create(
        operator,
        "/api/serial-items",
        {
            "serial_number": unique("SN-"),
            "product_id": product["id"],
            "owner_customer_id": first_owner["id"],
        },
    )
    url = f"/api/serial-items/{item['id']}"
    owner = {"owner_customer_id": second_owner["id"]}

    _problem(await operator.post(f"{url}/owner", json=owner), 428)
    changed = await operator.post(f"{url}/owner", json=owner, headers={"If-Match": '"1"'})
    assert expect(changed)["owner_customer_id"] == second_owner["id"]
    assert changed.headers["etag"] == '"2"'
    stale = await operator.post(
        f"{url}/owner",
        json={"owner_customer_id": first_owner["id"]},
        headers={"If-Match": '"1"'},
    )
    _problem(stale, 412)

    deactivated = await operator.post(f"{url}/deactivate", headers={"If-Match": '"2"'})
    assert expect(deactivated)["status"] == "inactive"

    listed = expect(
        await viewer.get("/api/serial-items", params={"owner_customer_id": second_owner["id"]})
    )
    assert [i["id"] for i in listed["items"]] == [item["id"]]


async def test_a_viewer_reads_catalog_but_writes_nothing(sign_in: SignIn) -> None:
    viewer = await sign_in("viewer")
    customer = await _create(
        await sign_in("operator"),
        "/api/customers",
        {"customer_number": unique("C-"), "name": unique("Read Only ")},
    )
    url = f"/api/customers/{customer['id']}"
    writes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/api/customers", {"customer_number": unique("C-"), "name": "No"}),
        ("PATCH", url, {"name": "Changed"}),
        ("POST", f"{url}/contacts", {"name": "No"}),
        ("POST", f"{url}/deactivate", None),
        ("POST", "/api/serial-items", {}),
        ("POST", "/api/imports/customers", None),
    ]
    for method, path, body in writes:
        response = await viewer.request(method, path, json=body, headers={"If-Match": '"1"'})
        assert "may not write" in _problem(response, 403)["detail"], (method, path)
    assert expect(await viewer.get(url)) == customer  # unchanged: no write got through
    listed = expect(await viewer.get("/api/customers", params={"name": customer["name"]}))
    assert [c["id"] for c in listed["items"]] == [customer["id"]]


async def test_an_import_through_the_gateway(sign_in: SignIn) -> None:
    """The upload streams through to catalog, which records who asked; the job is polled
    and its bad rows read back through the gateway."""
    operator = await sign_in("operator")
    me = expect(await operator.get("/auth/me"))
    p = unique()
    response = await operator.post(
        "/api/imports/customers",
        content=f"customer_number,name\n{p}-1,Ada\n{p}-2,\n".encode(),
        headers={"Content-Type": "text/csv"},
    )
    job_id = expect(response, 202)["id"]
    assert response.headers["location"] == f"/api/imports/{job_id}"

    async def job() -> dict[str, Any]:
        found: dict[str, Any] = expect(await operator.get(f"/api/imports/{job_id}"))
        return found

    done = await eventually(
        job, lambda j: j["state"] in ("completed", "failed"), what="the import finished"
    )
    assert (done["state"], done["created"], done["failed"]) == ("completed", 1, 1)
    # Catalog got the user's name from the gateway's identity header.
    assert done["requested_by"] == me["username"]
    errors = expect(await operator.get(f"/api/imports/{job_id}/errors"))
    assert [(e["line"], e["field"]) for e in errors["items"]] == [(3, "name")]


async def test_a_user_restricted_to_an_org_unit_sees_only_its_items(sign_in: SignIn) -> None:
    """The gateway names the user's org units to catalog, which shows the items of those
    units and their descendants and nothing else; a client's own header changes nothing."""
    admin = await sign_in("admin")
    zone = "Europe/Stockholm"
    north = await _create(
        admin, "/api/org-units", {"code": unique("N-"), "name": "N", "time_zone": zone}
    )
    north_east = await _create(
        admin,
        "/api/org-units",
        {"code": unique("NE-"), "name": "NE", "time_zone": zone, "parent_id": north["id"]},
    )
    south = await _create(
        admin, "/api/org-units", {"code": unique("S-"), "name": "S", "time_zone": zone}
    )
    product = await _create(
        admin, "/api/products", {"product_number": unique("P-"), "name": "Pump"}
    )
    owner = await _create(
        admin, "/api/customers", {"customer_number": unique("C-"), "name": "Owner"}
    )
    prefix = unique("SN-")

    def item(key: str, unit: dict[str, Any] | None) -> dict[str, Any]:
        body = {
            "serial_number": f"{prefix}-{key}",
            "product_id": product["id"],
            "owner_customer_id": owner["id"],
        }
        return body | ({"org_unit_id": unit["id"]} if unit else {})

    in_north_east = await _create(admin, "/api/serial-items", item("ne", north_east))
    in_south = await _create(admin, "/api/serial-items", item("s", south))
    in_none = await _create(admin, "/api/serial-items", item("none", None))

    restricted = await sign_in("operator", org_units=(north["code"],))
    # Claiming another unit, or no restriction, in the client's own headers does nothing.
    spoof = {"X-Aftersales-Org-Units": south["code"], "X-Aftersales-Roles": "admin"}
    listed = expect(
        await restricted.get("/api/serial-items", params={"serial_number": prefix}, headers=spoof)
    )
    assert [i["id"] for i in listed["items"]] == [in_north_east["id"]]
    everything = expect(await admin.get("/api/serial-items", params={"serial_number": prefix}))
    assert {i["id"] for i in everything["items"]} == {
        in_north_east["id"],
        in_south["id"],
        in_none["id"],
    }

    for hidden in (in_south, in_none):
        _problem(await restricted.get(f"/api/serial-items/{hidden['id']}", headers=spoof), 404)
    expect(await restricted.get(f"/api/serial-items/{in_north_east['id']}"))

    refused = await restricted.post("/api/serial-items", json=item("new", south))
    assert _problem(refused, 403)["field"] == "org_unit_id"
    await _create(restricted, "/api/serial-items", item("new", north_east))
    # Customers are per org unit too: one without a unit is the unrestricted users'.
    _problem(await restricted.get(f"/api/customers/{owner['id']}"), 404)
    local = await _create(
        admin,
        "/api/customers",
        {
            "customer_number": unique("C-"),
            "name": "Local customer",
            "org_unit_id": north_east["id"],
        },
    )
    expect(await restricted.get(f"/api/customers/{local['id']}"))
