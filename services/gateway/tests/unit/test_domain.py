"""The permission table, the route table and bearer token digests: pure rules."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from gateway import domain
from gateway.domain import Access


@pytest.mark.parametrize("resource", sorted(domain.ROUTES))
@pytest.mark.parametrize("access", list(Access))
def test_admin_may_do_everything(resource: str, access: Access) -> None:
    assert domain.is_allowed(["admin"], resource, access)


OWN_SETTINGS = {"my-notification-preferences"}


@pytest.mark.parametrize(
    "resource",
    sorted(set(domain.ROUTES) - domain.ADMIN_ONLY - domain.OPERATOR_ONLY - OWN_SETTINGS),
)
def test_viewer_may_only_read(resource: str) -> None:
    assert domain.is_allowed(["viewer"], resource, Access.READ)
    assert not domain.is_allowed(["viewer"], resource, Access.WRITE)


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_only_admins_see_sending_settings_and_others_switches(role: str) -> None:
    for resource in domain.ADMIN_ONLY:
        for access in Access:
            assert not domain.is_allowed([role], resource, access)
    # ... while everyone keeps their own notification choices.
    assert domain.is_allowed([role], "my-notification-preferences", Access.WRITE)


def test_templates_are_chosen_by_all_but_written_by_admins() -> None:
    assert domain.is_allowed(["operator"], "message-templates", Access.READ)
    assert not domain.is_allowed(["operator"], "message-templates", Access.WRITE)
    assert domain.is_allowed(["operator"], "reports", Access.WRITE)
    assert not domain.is_allowed(["viewer"], "reports", Access.WRITE)


def test_the_print_queue_is_the_offices_own() -> None:
    assert domain.ROUTES["print-queue"] == "notifications"
    for access in Access:
        assert domain.is_allowed(["operator"], "print-queue", access)
        assert not domain.is_allowed(["viewer"], "print-queue", access)
        assert not domain.is_allowed(["technician"], "print-queue", access)


def test_operator_runs_daily_work_but_not_setup() -> None:
    for resource in ("customers", "serial-items", "imports", "callouts", "messages"):
        assert domain.is_allowed(["operator"], resource, Access.WRITE)
    for resource in ("products", "service-types", "org-units"):
        assert domain.is_allowed(["operator"], resource, Access.READ)
        assert not domain.is_allowed(["operator"], resource, Access.WRITE)


FIELDWORK = (
    "technicians",
    "vehicles",
    "order-kinds",
    "service-orders",
    "service-cases",
    "board",
    "planning",
    "my-day",
    "map",
)


@pytest.mark.parametrize("resource", FIELDWORK)
def test_field_work_resources_go_to_fieldwork(resource: str) -> None:
    route = domain.resolve_route(f"/api/{resource}/x")
    assert (route.service, route.path) == ("fieldwork", f"/{resource}/x")


def test_planners_plan_orders_but_admins_set_up_field_work() -> None:
    for resource in FIELDWORK:
        assert domain.is_allowed(["operator"], resource, Access.READ)
        assert domain.is_allowed(["viewer"], resource, Access.READ)
    assert domain.is_allowed(["operator"], "service-orders", Access.WRITE)
    assert domain.is_allowed(["operator"], "service-cases", Access.WRITE)
    for resource in ("technicians", "vehicles", "order-kinds"):
        assert not domain.is_allowed(["operator"], resource, Access.WRITE)
        assert domain.is_allowed(["admin"], resource, Access.WRITE)


def test_technicians_act_on_orders_and_read_their_day_and_map_only() -> None:
    assert domain.is_allowed(["technician"], "service-orders", Access.READ)
    assert domain.is_allowed(["technician"], "service-orders", Access.WRITE)
    readable = ("my-day", "map", "technicians", "vehicles", "order-kinds")
    for resource in readable:
        assert domain.is_allowed(["technician"], resource, Access.READ)
        assert not domain.is_allowed(["technician"], resource, Access.WRITE)
    assert domain.is_allowed(["technician"], "my-notification-preferences", Access.WRITE)
    assert domain.is_allowed(["technician"], "protocols", Access.WRITE)
    mine = {"service-orders", "protocols", "my-notification-preferences"}
    others = set(domain.ROUTES) - {*mine, *readable}
    for resource in others:
        for access in Access:
            assert not domain.is_allowed(["technician"], resource, access), resource
    assert not domain.is_allowed(["technician"], domain.USERS, Access.READ)
    assert domain.check_roles(["technician"]) == ["technician"]


CAMPAIGNS = ("campaigns", "case-templates", "cases")


@pytest.mark.parametrize("resource", CAMPAIGNS)
def test_campaign_resources_go_to_campaigns(resource: str) -> None:
    route = domain.resolve_route(f"/api/{resource}/x")
    assert (route.service, route.path) == ("campaigns", f"/{resource}/x")


def test_admins_manage_campaigns_operators_close_cases_viewers_read() -> None:
    for resource in CAMPAIGNS:
        assert domain.is_allowed(["admin"], resource, Access.WRITE)
        assert domain.is_allowed(["operator"], resource, Access.READ)
        assert domain.is_allowed(["viewer"], resource, Access.READ)
        assert not domain.is_allowed(["viewer"], resource, Access.WRITE)
        for access in Access:
            assert not domain.is_allowed(["technician"], resource, access), resource
    # Operators close cases by hand; campaigns and templates are admins' set-up.
    assert domain.is_allowed(["operator"], "cases", Access.WRITE)
    assert not domain.is_allowed(["operator"], "campaigns", Access.WRITE)
    assert not domain.is_allowed(["operator"], "case-templates", Access.WRITE)


def test_roles_add_up_and_unknown_roles_or_resources_grant_nothing() -> None:
    assert domain.is_allowed(["viewer", "admin"], "products", Access.WRITE)
    assert not domain.is_allowed([], "products", Access.READ)
    assert not domain.is_allowed(["superuser"], "products", Access.READ)
    assert not domain.is_allowed(["admin"], "internal", Access.READ)


def test_every_forwarded_method_has_an_access_and_only_safe_ones_read() -> None:
    reads = {m for m, a in domain.METHOD_ACCESS.items() if a is Access.READ}
    assert reads == {"GET", "HEAD"}


@pytest.mark.parametrize(
    ("method", "path", "access"),
    [
        ("POST", "/service-types/preview", Access.READ),  # computes dates, changes nothing
        ("POST", "/service-types/preview/", Access.READ),
        ("POST", "/service-types", Access.WRITE),
        ("PUT", "/service-types/preview", Access.WRITE),
        ("GET", "/service-types/x/preview", Access.READ),
    ],
)
def test_read_only_posts_need_read_access_only(method: str, path: str, access: Access) -> None:
    assert domain.access_for(method, path) is access


def test_check_roles_deduplicates_and_names_an_unknown_role() -> None:
    assert domain.check_roles(["viewer", "admin", "viewer"]) == ["admin", "viewer"]
    with pytest.raises(domain.InvalidUserField, match="'root'") as error:
        domain.check_roles(["admin", "root"])
    assert error.value.field == "roles"


def test_usernames_compare_case_insensitively() -> None:
    assert domain.normalize_username("  Dev ") == "dev"


@pytest.mark.parametrize(
    ("path", "service", "upstream_path"),
    [
        ("/api/products", "catalog", "/products"),
        ("/api/products/7/items", "catalog", "/products/7/items"),
        ("/api/customers/", "catalog", "/customers/"),
        ("/api/serial-items/x", "catalog", "/serial-items/x"),
        ("/api/org-units", "catalog", "/org-units"),
        ("/api/org-units/7", "catalog", "/org-units/7"),
        ("/api/imports/customers", "catalog", "/imports/customers"),
        ("/api/imports/7/errors", "catalog", "/imports/7/errors"),
        ("/api/service-types", "servicetypes", "/service-types"),
        ("/api/callouts/1/approve", "scheduling", "/callouts/1/approve"),
        ("/api/messages", "notifications", "/messages"),
    ],
)
def test_routes_map_resources_to_their_service(path: str, service: str, upstream_path: str) -> None:
    route = domain.resolve_route(path)
    assert (route.service, route.path) == (service, upstream_path)


@pytest.mark.parametrize(
    "path",
    [
        "/api",
        "/api/",
        "/api/productsx",
        "/api/outbox",
        "/api/healthz",
        "/products",
        "/api/products/../admin",
        "/api/products/./x",
        "/api/../products",
        "/api/products\\..\\admin",
    ],
)
def test_nothing_outside_the_route_table_is_reachable(path: str) -> None:
    with pytest.raises(domain.NoRoute):
        domain.resolve_route(path)


def test_token_digest_is_sha256_hex_and_not_the_token() -> None:
    token = "abc"
    assert domain.token_digest(token) == hashlib.sha256(b"abc").hexdigest()
    assert domain.token_digest(token) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert len(domain.token_digest(domain.new_token())) == 64


def test_new_tokens_are_long_random_and_url_safe() -> None:
    tokens = {domain.new_token() for _ in range(100)}
    assert len(tokens) == 100
    for token in tokens:
        assert len(token) >= 43  # 32 bytes in base64url
        assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert len({domain.token_digest(t) for t in tokens}) == 100


def test_a_token_lives_until_it_expires_or_is_revoked() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    expires = domain.token_expiry(now, 480)
    assert expires == now + timedelta(hours=8)
    assert domain.token_is_live(expires, None, now)
    assert not domain.token_is_live(expires, None, expires)
    assert not domain.token_is_live(expires, now, now)


def test_only_admins_administer_users() -> None:
    assert domain.is_allowed(["admin"], domain.USERS, Access.READ)
    assert domain.is_allowed(["admin"], domain.USERS, Access.WRITE)
    for role in ("operator", "viewer"):
        assert not domain.is_allowed([role], domain.USERS, Access.READ)


@pytest.mark.parametrize(
    "password",
    ["short", "a" * 11, "abababababababab", "xx-ada-lovelace-xx", "X" * 1025],
)
def test_weak_passwords_are_refused_naming_the_field(password: str) -> None:
    with pytest.raises(domain.InvalidUserField) as error:
        domain.check_password(password, "ada-lovelace")
    assert error.value.field == "password"


def test_a_long_varied_password_passes() -> None:
    domain.check_password("correct horse battery", "ada")


@pytest.mark.parametrize("username", ["ada", "Ada.Lovelace@example.com", "a_1-b"])
def test_usernames_are_normalized(username: str) -> None:
    assert domain.check_username(f" {username} ") == username.lower()


@pytest.mark.parametrize("username", ["", "has space", "-first", "åsa", "a,b", "x" * 151])
def test_bad_usernames_are_refused(username: str) -> None:
    with pytest.raises(domain.InvalidUserField):
        domain.check_username(username)


def test_org_unit_codes_are_deduplicated_sorted_and_header_safe() -> None:
    assert domain.check_org_units(["S", "N", "S", "North East"]) == ["N", "North East", "S"]
    assert domain.check_org_units([]) == []
    for bad in ["A,B", " A", "A ", "", "Å", "x" * 51, "a\tb"]:
        with pytest.raises(domain.InvalidUserField) as error:
            domain.check_org_units([bad])
        assert error.value.field == "org_units"


def test_an_admin_may_not_demote_or_deactivate_themselves() -> None:
    me, other = object(), object()
    domain.check_self_change(acting_user=me, target_user=me, roles=["admin"], active=True)
    with pytest.raises(domain.SelfChangeRefused, match="own admin role") as error:
        domain.check_self_change(acting_user=me, target_user=me, roles=["viewer"], active=True)
    assert error.value.field == "roles"
    with pytest.raises(domain.SelfChangeRefused, match="deactivate yourself") as error:
        domain.check_self_change(acting_user=me, target_user=me, roles=["admin"], active=False)
    assert error.value.field == "active"
    # Another user may be demoted and deactivated at once.
    domain.check_self_change(acting_user=me, target_user=other, roles=[], active=False)


@pytest.mark.parametrize(("given", "kept"), [("Ada", "Ada"), ("  Ada King ", "Ada King")])
def test_display_names_are_trimmed(given: str, kept: str) -> None:
    assert domain.check_display_name(given) == kept


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_a_blank_display_name_is_refused(blank: str) -> None:
    with pytest.raises(domain.InvalidUserField) as error:
        domain.check_display_name(blank)
    assert error.value.field == "display_name"


def test_a_restricted_admin_administers_only_users_within_its_units() -> None:
    from gateway.domain import in_scope

    assert in_scope([], [])  # head office: everyone
    assert in_scope([], ["A"])
    assert in_scope(["A", "B"], ["A"])
    assert not in_scope(["A"], [])  # an unrestricted user sees more than the admin
    assert not in_scope(["A"], ["A", "C"])


def test_a_restricted_admin_grants_only_its_own_units_and_never_all() -> None:
    from gateway.domain import OutOfScope, check_granted_scope

    check_granted_scope([], [])
    check_granted_scope(["A", "B"], ["B"])
    for granted in ([], ["C"], ["A", "C"]):
        with pytest.raises(OutOfScope):
            check_granted_scope(["A"], granted)


def test_protocols_are_written_by_planners_and_technicians_document_settings_by_admins() -> None:
    assert domain.ROUTES["protocols"] == domain.ROUTES["document-settings"] == "fieldwork"
    assert domain.is_allowed(["operator"], "protocols", Access.WRITE)
    assert domain.is_allowed(["viewer"], "protocols", Access.READ)
    assert not domain.is_allowed(["viewer"], "protocols", Access.WRITE)
    for role in ("operator", "viewer", "technician"):
        for access in Access:
            assert not domain.is_allowed([role], "document-settings", access), role
    assert domain.is_allowed(["admin"], "document-settings", Access.WRITE)
