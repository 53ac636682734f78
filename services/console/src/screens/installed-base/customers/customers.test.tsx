import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { stubApi } from "../../../test/stubApi";
import { customer, CUSTOMER_ID, emptyPage, renderAt } from "../testing";

describe("the customer list", () => {
  it("sends the filters to the API and lists the page", async () => {
    const seen = stubApi({ "GET /api/customers": () => ({ items: [customer()], next_cursor: null }) });
    renderAt("/installed-base/customers", "operator");
    expect(await screen.findByRole("link", { name: "C-1" })).toHaveAttribute("href", `/installed-base/customers/${CUSTOMER_ID}`);
    expect(seen[0]?.query.get("active")).toBe("true");

    await userEvent.type(screen.getByLabelText("Name contains"), "acme");
    await userEvent.selectOptions(screen.getByLabelText("Kind"), "person");
    await userEvent.click(screen.getByRole("button", { name: "Search" }));
    await waitFor(() => expect(seen).toHaveLength(2));
    expect(seen[1]?.query.get("name")).toBe("acme");
    expect(seen[1]?.query.get("kind")).toBe("person");
    expect(seen[1]?.query.get("sort")).toBe("customer_number");
  });

  it("pages on with the cursor the API gave", async () => {
    const seen = stubApi({
      "GET /api/customers": (r) =>
        r.query.get("cursor") ? { items: [customer({ id: "c2", customer_number: "C-2" })], next_cursor: null } : { items: [customer()], next_cursor: "abc" },
    });
    renderAt("/installed-base/customers", "viewer");
    await userEvent.click(await screen.findByRole("button", { name: "Load more" }));
    expect(await screen.findByRole("link", { name: "C-2" })).toBeInTheDocument();
    expect(seen[1]?.query.get("cursor")).toBe("abc");
  });

  it("offers a viewer no new-customer button", async () => {
    stubApi({ "GET /api/customers": () => emptyPage });
    renderAt("/installed-base/customers", "viewer");
    await screen.findByText("Nothing to show.");
    expect(screen.queryByRole("link", { name: "New customer" })).not.toBeInTheDocument();
  });
});

describe("creating a customer", () => {
  it("sends the form's fields, communication preferences included", async () => {
    const seen = stubApi({
      "GET /api/org-units": () => emptyPage,
      "POST /api/customers": () => ({ status: 201, body: customer() }),
      "GET /api/customers/{id}": () => customer(),
    });
    renderAt("/installed-base/customers/new", "operator");
    await userEvent.type(screen.getByLabelText("Customer number"), "C-1");
    await userEvent.type(screen.getByLabelText("Name"), "Acme AB");
    await userEvent.type(screen.getByLabelText("E-mail addresses"), "info@acme.test{enter}sales@acme.test");
    await userEvent.click(screen.getByRole("checkbox", { name: "E-mail" }));
    await userEvent.click(screen.getByRole("checkbox", { name: "SMS" }));
    await userEvent.selectOptions(screen.getByLabelText("Preferred channel"), "sms");
    await userEvent.selectOptions(screen.getByLabelText("Language"), "sv");
    await userEvent.click(screen.getByRole("button", { name: "Create" }));
    await screen.findByRole("heading", { name: /Acme AB/ });
    const post = seen.find((r) => r.method === "POST");
    expect(post?.body).toEqual({
      customer_number: "C-1",
      name: "Acme AB",
      kind: "company",
      emails: ["info@acme.test", "sales@acme.test"],
      mobiles: [],
      allowed_methods: ["email", "sms"],
      preferred_method: "sms",
      language: "sv",
      time_zone: null,
      org_unit_id: null,
    });
  });

  it("shows the API's messages under the fields they name", async () => {
    stubApi({
      "GET /api/org-units": () => emptyPage,
      "POST /api/customers": () => ({
        status: 422,
        body: { title: "Invalid request", errors: [{ field: "customer_number", message: "already taken" }, { field: "emails.0", message: "not an e-mail address" }], request_id: "r-9" },
      }),
    });
    renderAt("/installed-base/customers/new", "admin");
    await userEvent.type(screen.getByLabelText("Customer number"), "C-1");
    await userEvent.type(screen.getByLabelText("E-mail addresses"), "nope");
    await userEvent.click(screen.getByRole("button", { name: "Create" }));
    expect(await screen.findByLabelText("Customer number")).toHaveAccessibleDescription("already taken");
    expect(screen.getByLabelText("E-mail addresses")).toHaveAccessibleDescription("One per line not an e-mail address");
  });
});

describe("editing a customer", () => {
  it("sends If-Match with the version read and says plainly when someone else changed it", async () => {
    let version = 3;
    const seen = stubApi({
      "GET /api/org-units": () => emptyPage,
      "GET /api/customers/{id}": () => ({ status: 200, body: customer({ version, name: version === 3 ? "Acme AB" : "Acme Group" }), headers: { ETag: `"${version}"` } }),
      "PATCH /api/customers/{id}": () => {
        version = 4;
        return { status: 412, body: { title: "Precondition Failed", detail: "stale version", field: "If-Match", current_version: 4 } };
      },
    });
    renderAt(`/installed-base/customers/${CUSTOMER_ID}/edit`, "operator");
    const name = await screen.findByLabelText("Name");
    await userEvent.clear(name);
    await userEvent.type(name, "Acme Nordic");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Someone else changed this record");
    const patch = seen.find((r) => r.method === "PATCH");
    expect(patch?.headers.get("If-Match")).toBe('"3"');
    expect(patch?.body).toMatchObject({ name: "Acme Nordic" });

    await userEvent.click(within(alert).getByRole("button", { name: "Reload" }));
    await waitFor(() => expect(screen.getByLabelText("Name")).toHaveValue("Acme Group"));
  });
});

describe("a customer's page", () => {
  const withContact = customer({
    contacts: [
      { id: "k1", customer_id: CUSTOMER_ID, name: "Bo Ek", email: "bo@acme.test", mobile: null, role: "Caretaker", send_service_protocol: true, send_work_order: false, receive_booking_confirmations: false },
    ],
  });

  it("shows the communication preferences and the contacts", async () => {
    stubApi({ "GET /api/customers/{id}": () => withContact, "GET /api/org-units": () => emptyPage });
    renderAt(`/installed-base/customers/${CUSTOMER_ID}`, "viewer");
    const prefs = await screen.findByRole("region", { name: "Communication preferences" });
    expect(prefs).toHaveTextContent("info@acme.test");
    expect(prefs).toHaveTextContent("E-mail");
    expect(screen.getByRole("table", { name: "Contacts" })).toHaveTextContent("Bo Ek");
  });

  it("offers a viewer no change at all", async () => {
    stubApi({ "GET /api/customers/{id}": () => withContact, "GET /api/org-units": () => emptyPage });
    renderAt(`/installed-base/customers/${CUSTOMER_ID}`, "viewer");
    await screen.findByRole("table", { name: "Contacts" });
    expect(screen.queryByRole("button")).not.toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Edit" })).not.toBeInTheDocument();
  });

  it("adds a contact with the customer's version, then shows the new list", async () => {
    let current = customer();
    const seen = stubApi({
      "GET /api/customers/{id}": () => ({ status: 200, body: current, headers: { ETag: `"${current.version}"` } }),
      "GET /api/org-units": () => emptyPage,
      "POST /api/customers/{id}/contacts": () => {
        current = { ...withContact, version: 4 };
        return { status: 201, body: withContact.contacts?.[0] };
      },
    });
    renderAt(`/installed-base/customers/${CUSTOMER_ID}`, "operator");
    await userEvent.click(await screen.findByRole("button", { name: "Add contact" }));
    const dialog = screen.getByRole("dialog", { name: "New contact" });
    await userEvent.type(within(dialog).getByLabelText("Name"), "Bo Ek");
    await userEvent.type(within(dialog).getByLabelText("E-mail"), "bo@acme.test");
    await userEvent.click(within(dialog).getByRole("checkbox", { name: "Service protocol" }));
    await userEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(await screen.findByRole("cell", { name: "Bo Ek" })).toBeInTheDocument();
    const post = seen.find((r) => r.method === "POST");
    expect(post?.headers.get("If-Match")).toBe('"3"');
    expect(post?.body).toEqual({ name: "Bo Ek", role: null, email: "bo@acme.test", mobile: null, send_service_protocol: true, send_work_order: false, receive_booking_confirmations: false });
  });

  it("removes a contact and deactivates the customer through their endpoints", async () => {
    const seen = stubApi({
      "GET /api/customers/{id}": () => ({ status: 200, body: withContact, headers: { ETag: '"5"' } }),
      "GET /api/org-units": () => emptyPage,
      "DELETE /api/customers/{id}/contacts/{contact}": () => ({ status: 204 }),
      "POST /api/customers/{id}/deactivate": () => customer({ active: false }),
    });
    renderAt(`/installed-base/customers/${CUSTOMER_ID}`, "operator");
    await userEvent.click(await screen.findByRole("button", { name: "Remove contact Bo Ek" }));
    await userEvent.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Delete" }));
    await screen.findByText("Contact removed.");
    await userEvent.click(screen.getByRole("button", { name: "Deactivate" }));
    await userEvent.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Deactivate" }));
    await screen.findByText("Customer deactivated.");
    const del = seen.find((r) => r.method === "DELETE");
    expect(del?.path).toBe(`/api/customers/${CUSTOMER_ID}/contacts/k1`);
    expect(del?.headers.get("If-Match")).toBe('"5"');
    expect(seen.some((r) => r.method === "POST" && r.path.endsWith("/deactivate"))).toBe(true);
  });
});
