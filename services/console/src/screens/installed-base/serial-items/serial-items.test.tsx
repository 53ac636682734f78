import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { stubApi } from "../../../test/stubApi";
import { customer, CUSTOMER_ID, emptyPage, ITEM_ID, PRODUCT_ID, renderAt, serialItem } from "../testing";

const product = { id: PRODUCT_ID, product_number: "P-1", name: "Heat pump", translations: {}, product_group: null, active: true, version: 1 };

function detailRoutes(extra: Parameters<typeof stubApi>[0] = {}) {
  return stubApi({
    "GET /api/serial-items/{id}": () => ({ status: 200, body: serialItem(), headers: { ETag: '"7"' } }),
    "GET /api/products/{id}": () => product,
    "GET /api/customers/{id}": () => customer(),
    "GET /api/customers": () => ({ items: [customer({ id: "c-new", name: "New Owner AB", customer_number: "C-2" })], next_cursor: null }),
    ...extra,
  });
}

describe("the serial item list", () => {
  it("sends the filters, an owner's from the address", async () => {
    const seen = stubApi({
      "GET /api/serial-items": () => ({ items: [serialItem()], next_cursor: null }),
      "GET /api/products": () => ({ items: [product], next_cursor: null }),
      "GET /api/org-units": () => emptyPage,
      "GET /api/service-types": () => ({ items: [] }),
    });
    renderAt(`/installed-base/serial-items?owner_customer_id=${CUSTOMER_ID}`, "viewer");
    expect(await screen.findByRole("link", { name: "SN-100" })).toHaveAttribute("href", `/installed-base/serial-items/${ITEM_ID}`);
    const first = seen.find((r) => r.path === "/api/serial-items");
    expect(first?.query.get("owner_customer_id")).toBe(CUSTOMER_ID);

    await userEvent.type(screen.getByLabelText("Serial number starts with"), "SN-1");
    await userEvent.selectOptions(await screen.findByLabelText("Product"), PRODUCT_ID);
    await userEvent.selectOptions(screen.getByLabelText("Pending campaign"), "true");
    await userEvent.click(screen.getByRole("button", { name: "Search" }));
    await waitFor(() => expect(seen.filter((r) => r.path === "/api/serial-items")).toHaveLength(2));
    const second = seen.filter((r) => r.path === "/api/serial-items")[1];
    expect(second?.query.get("serial_number")).toBe("SN-1");
    expect(second?.query.get("product_id")).toBe(PRODUCT_ID);
    expect(second?.query.get("has_pending_campaign")).toBe("true");
    expect(screen.queryByRole("link", { name: "New serial item" })).not.toBeInTheDocument();
  });
});

describe("a serial item's page", () => {
  it("shows its marks, product, owner and address, and links to its callouts", async () => {
    detailRoutes();
    renderAt(`/installed-base/serial-items/${ITEM_ID}`, "viewer");
    const marks = await screen.findByRole("region", { name: "Marks" });
    expect(within(marks).getByRole("list", { name: "Service types that apply" })).toHaveTextContent("Annual inspection");
    expect(within(marks).getByRole("list", { name: "Pending campaigns" })).toHaveTextContent("RECALL-7 Valve recall");
    expect(await screen.findByText("P-1 Heat pump")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Acme AB (C-1)" })).toHaveAttribute("href", `/installed-base/customers/${CUSTOMER_ID}`);
    expect(screen.getByRole("region", { name: "Installation address" })).toHaveTextContent("Storgatan 1");
    expect(screen.getByRole("link", { name: "Callouts" })).toHaveAttribute("href", `/callouts/serial-items/${ITEM_ID}`);
    expect(screen.queryByRole("button")).not.toBeInTheDocument();
  });

  it("changes the owner with the item's version", async () => {
    const seen = detailRoutes({ "POST /api/serial-items/{id}/owner": () => serialItem({ owner_customer_id: "c-new" }) });
    renderAt(`/installed-base/serial-items/${ITEM_ID}`, "operator");
    await userEvent.click(await screen.findByRole("button", { name: "Change owner" }));
    const dialog = screen.getByRole("dialog");
    await userEvent.type(within(dialog).getByLabelText("Search customer by name"), "New");
    await waitFor(() => expect(within(dialog).getByRole("option", { name: "New Owner AB (C-2)" })).toBeInTheDocument(), { timeout: 3000 });
    await userEvent.selectOptions(within(dialog).getByLabelText("Owner"), "c-new");
    await userEvent.click(within(dialog).getByRole("button", { name: "Change owner" }));
    await screen.findByText("Owner changed.");
    const post = seen.find((r) => r.method === "POST");
    expect(post?.path).toBe(`/api/serial-items/${ITEM_ID}/owner`);
    expect(post?.headers.get("If-Match")).toBe('"7"');
    expect(post?.body).toEqual({ owner_customer_id: "c-new" });
  });
});

describe("editing a serial item", () => {
  it("sends the changed fields with If-Match and shows an address error under its field", async () => {
    const seen = stubApi({
      "GET /api/serial-items/{id}": () => ({ status: 200, body: serialItem(), headers: { ETag: '"7"' } }),
      "GET /api/products": () => ({ items: [product], next_cursor: null }),
      "GET /api/org-units": () => emptyPage,
      "GET /api/service-types": () => ({ items: [] }),
      "PATCH /api/serial-items/{id}": () => ({
        status: 422,
        body: { title: "Invalid request", errors: [{ field: "installation_address.country", message: "not a country code" }] },
      }),
    });
    renderAt(`/installed-base/serial-items/${ITEM_ID}/edit`, "operator");
    const country = await screen.findByLabelText("Country");
    await userEvent.clear(country);
    await userEvent.type(country, "XX");
    await userEvent.type(screen.getByLabelText("Attributes"), "colour = red{enter}floor=2");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByLabelText("Country")).toHaveAttribute("aria-invalid", "true"));
    expect(screen.getByLabelText("Country")).toHaveAccessibleDescription("Two letters, e.g. SE not a country code");
    const patch = seen.find((r) => r.method === "PATCH");
    expect(patch?.headers.get("If-Match")).toBe('"7"');
    expect(patch?.body).toMatchObject({ name: "Pump in basement", installation_address: { street: "Storgatan 1", country: "XX" }, attributes: { colour: "red", floor: "2" }, pinned_service_type_id: null });
  });
});

describe("registering a serial item", () => {
  it("sends product, owner picked by name, dates and address", async () => {
    const seen = stubApi({
      "GET /api/products": () => ({ items: [product], next_cursor: null }),
      "GET /api/org-units": () => emptyPage,
      "GET /api/service-types": () => ({ items: [] }),
      "GET /api/customers": (r) => ({ items: r.query.get("name") === "Acme" ? [customer()] : [], next_cursor: null }),
      "POST /api/serial-items": () => ({ status: 201, body: serialItem() }),
      "GET /api/serial-items/{id}": () => serialItem(),
      "GET /api/products/{id}": () => product,
      "GET /api/customers/{id}": () => customer(),
    });
    renderAt("/installed-base/serial-items/new", "operator");
    await userEvent.type(screen.getByLabelText("Serial number"), "SN-100");
    await waitFor(() => expect(screen.getByRole("option", { name: "P-1 Heat pump" })).toBeInTheDocument(), { timeout: 3000 });
    await userEvent.selectOptions(screen.getByLabelText("Product"), PRODUCT_ID);
    await userEvent.type(screen.getByLabelText("Search customer by name"), "Acme");
    await waitFor(() => expect(screen.getByRole("option", { name: "Acme AB (C-1)" })).toBeInTheDocument(), { timeout: 3000 });
    await userEvent.selectOptions(screen.getByLabelText("Owner"), CUSTOMER_ID);
    await userEvent.type(screen.getByLabelText("Startup date"), "2026-01-15");
    await userEvent.type(screen.getByLabelText("Street"), "Storgatan 1");
    await userEvent.type(screen.getByLabelText("Postal code"), "111 22");
    await userEvent.type(screen.getByLabelText("City"), "Stockholm");
    await userEvent.type(screen.getByLabelText("Country"), "se");
    await userEvent.click(screen.getByRole("button", { name: "Create" }));
    await screen.findByRole("region", { name: "Marks" });
    const post = seen.find((r) => r.method === "POST");
    expect(post?.body).toEqual({
      serial_number: "SN-100",
      product_id: PRODUCT_ID,
      owner_customer_id: CUSTOMER_ID,
      name: null,
      org_unit_id: null,
      action_code: null,
      status: "active",
      startup_date: "2026-01-15",
      delivery_date: null,
      installation_address: { street: "Storgatan 1", postal_code: "111 22", city: "Stockholm", country: "SE", latitude: null, longitude: null },
      pinned_service_type_id: null,
      attributes: {},
    });
  }, 20_000);
});
