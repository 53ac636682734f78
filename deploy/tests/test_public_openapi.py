"""The public API's one OpenAPI document (``make openapi``, ``deploy/public_openapi.py``):
the committed file is what the services' documents make today, and it says what the
gateway does: only its routes, every ``$ref`` resolvable, the roles it lets call each
operation."""

from __future__ import annotations

import difflib
import importlib.util
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from gateway import domain
from gateway.proxy import FORWARDED_REQUEST_HEADERS

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "services" / "gateway" / "src" / "gateway" / "public_openapi.json"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def _generator() -> ModuleType:
    """deploy/public_openapi.py: a script, not a package, so loaded by its path."""
    spec = importlib.util.spec_from_file_location(
        "public_openapi", ROOT / "deploy" / "public_openapi.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generator = _generator()


@pytest.fixture(scope="module")
def regenerated() -> str:
    text: str = generator.render(generator.build())
    return text


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The committed document: what the gateway serves."""
    loaded: dict[str, Any] = json.loads(COMMITTED.read_text(encoding="utf-8"))
    return loaded


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def test_the_committed_document_is_what_the_services_make_today(regenerated: str) -> None:
    committed = COMMITTED.read_text(encoding="utf-8")
    if regenerated != committed:
        diff = difflib.unified_diff(
            committed.splitlines(), regenerated.splitlines(), "committed", "regenerated", n=1
        )
        pytest.fail(
            "services/gateway/src/gateway/public_openapi.json is stale: run `make openapi`"
            " and commit it\n" + "\n".join(itertools.islice(diff, 60)),
            pytrace=False,
        )


def test_every_public_resource_has_an_operation(document: dict[str, Any]) -> None:
    resources = {
        path.split("/")[2] for _, path, _ in operations(document) if path.startswith("/api/")
    }
    assert sorted(set(domain.ROUTES) - resources) == []


def test_nothing_outside_the_route_table(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        segments = path.split("/")
        if segments[1] == "auth":
            continue  # the gateway's own routes
        assert segments[1] == "api", f"{method} {path}"
        assert segments[2] in domain.ROUTES, f"{method} {path}: not a public resource"
        assert operation["x-service"] == domain.ROUTES[segments[2]], f"{method} {path}"
    assert not {p for p in document["paths"] if p.startswith(("/healthz", "/readyz", "/metrics"))}
    assert not [p for p in document["paths"] if "/user-accounts" in p]  # notifications' internal


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_ref_resolves(document: dict[str, Any]) -> None:
    refs = set(_refs(document))
    assert refs, "no $ref at all: the walk is broken"
    schemas = document["components"]["schemas"]
    for ref in sorted(refs):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.removeprefix("#/components/schemas/") in schemas, f"{ref} does not resolve"


def test_every_operation_names_the_roles_the_gateway_lets_call_it(document: dict[str, Any]) -> None:
    checked = 0
    for method, path, operation in operations(document):
        if path.startswith("/api/"):
            resource, upstream = path.split("/")[2], path.removeprefix("/api")
        elif path.startswith("/auth/users"):
            resource, upstream = domain.USERS, path
        else:
            assert "x-roles" not in operation  # sign in, sign out, me: any signed-in user
            continue
        access = domain.access_for(method.upper(), upstream)
        allowed = sorted(r for r in domain.ROLES if domain.is_allowed([r], resource, access))
        assert operation["x-roles"] == {access.value: allowed}, f"{method} {path}"
        checked += 1
    assert checked > 100
    # The one read-only POST reads, so viewers may call it.
    preview = document["paths"]["/api/service-types/preview"]["post"]
    assert "viewer" in preview["x-roles"]["read"]


def test_every_forwarded_operation_needs_the_bearer_token(document: dict[str, Any]) -> None:
    scheme = document["components"]["securitySchemes"]
    for method, path, operation in operations(document):
        if path in ("/auth/token", "/auth/session"):  # the two ways to sign in
            assert "security" not in operation
            continue
        assert operation["security"] == [{name: []} for name in scheme], f"{method} {path}"
        assert "401" in operation["responses"], f"{method} {path}"


def test_operation_ids_are_unique(document: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(document)]
    assert len(ids) == len(set(ids))


def test_only_headers_the_gateway_forwards_are_parameters(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "header":
                assert parameter["name"].lower() in FORWARDED_REQUEST_HEADERS, f"{method} {path}"


def test_schemas_two_services_name_alike_are_kept_apart() -> None:
    problem = generator.PROBLEM_SCHEMA
    gateway = {
        "openapi": "3.1.0",
        "info": {"version": "1"},
        "paths": {"/auth/me": {"get": {"operationId": "me", "responses": {}}}},
        "components": {"schemas": {"Problem": problem}, "securitySchemes": {"Bearer": {}}},
    }

    def service(path: str, title: str) -> dict[str, Any]:
        ref = {"$ref": "#/components/schemas/Thing"}
        return {
            "paths": {
                path: {"get": {"operationId": "read", "responses": {"200": {"schema": ref}}}},
                "/user-accounts/{u}": {"put": {"operationId": "internal", "responses": {}}},
            },
            "components": {
                "schemas": {
                    "Thing": {"title": title},
                    "Unused": {"title": "only an internal route's"},
                    "Problem": problem,
                }
            },
        }

    services = {
        "catalog": service("/products", "a product"),
        "campaigns": service("/cases", "a case"),
    }
    merged = generator.merge(services, gateway)

    schemas = merged["components"]["schemas"]
    assert sorted(schemas) == ["Problem", "campaigns.Thing", "catalog.Thing"]
    assert schemas["catalog.Thing"] == {"title": "a product"}
    products = merged["paths"]["/api/products"]["get"]
    assert products["responses"]["200"]["schema"] == {"$ref": "#/components/schemas/catalog.Thing"}
    assert products["operationId"] == "catalog_read"
    assert merged["paths"]["/api/cases"]["get"]["operationId"] == "campaigns_read"
    assert sorted(merged["paths"]) == ["/api/cases", "/api/products", "/auth/me"]
