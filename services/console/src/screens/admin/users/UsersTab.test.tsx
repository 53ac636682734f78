import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import type { components } from "../../../api/schema";
import { stubApi } from "../../../test/stubApi";
import { renderAt, userWith } from "../testing";
import { UsersTab } from "./UsersTab";

type User = components["schemas"]["UserAdminOut"];

const bo: User = {
  id: "u-bo",
  username: "bo",
  display_name: "Bo Berg",
  roles: ["operator"],
  org_units: ["N-1"],
  email: null,
  mobile: null,
  active: true,
  version: 2,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};
const orgUnits = {
  items: [
    { id: "o1", code: "N-1", name: "North", time_zone: "Europe/Stockholm", parent_id: null, version: 1 },
    { id: "o2", code: "S-2", name: "South", time_zone: "Europe/Stockholm", parent_id: null, version: 1 },
  ],
  next_cursor: null,
};
const admin = userWith(["admin"]);

describe("users and roles", () => {
  it("lists active users first, and sends the filter chosen", async () => {
    const seen = stubApi({
      "GET /auth/users": () => ({ items: [bo], next_cursor: null }),
      "GET /api/org-units": () => orgUnits,
    });
    renderAt(<UsersTab />, admin);
    const table = await screen.findByRole("table", { name: "Users" });
    expect(await within(table).findByText("Bo Berg")).toBeInTheDocument();
    expect(seen.find((r) => r.path === "/auth/users")?.query.get("active")).toBe("true");
    await userEvent.selectOptions(screen.getByLabelText("Show"), "Inactive users");
    await waitFor(() => expect(seen.filter((r) => r.path === "/auth/users").at(-1)?.query.get("active")).toBe("false"));
    await userEvent.selectOptions(screen.getByLabelText("Show"), "All");
    await waitFor(() => expect(seen.filter((r) => r.path === "/auth/users").at(-1)?.query.has("active")).toBe(false));
  }, 20_000);

  it("creates a user with the roles and org units ticked", async () => {
    const seen = stubApi({
      "GET /auth/users": () => ({ items: [], next_cursor: null }),
      "GET /api/org-units": () => orgUnits,
      "POST /auth/users": (r) => ({ status: 201, body: { ...bo, ...(r.body as object), id: "u-new", active: true } }),
    });
    renderAt(<UsersTab />, admin);
    await userEvent.click(screen.getByRole("button", { name: "New user" }));
    const dialog = await screen.findByRole("dialog", { name: "New user" });
    await userEvent.type(within(dialog).getByLabelText("Username"), "kim");
    await userEvent.type(within(dialog).getByLabelText("Display name"), "Kim Kvist");
    await userEvent.type(within(dialog).getByLabelText(/^Password/), "a-long-passw0rd");
    await userEvent.click(within(dialog).getByRole("checkbox", { name: "Viewer" }));
    await userEvent.click(await within(dialog).findByRole("checkbox", { name: "S-2 — South" }));
    await userEvent.click(within(dialog).getByRole("button", { name: "Create user" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(seen.find((r) => r.method === "POST")?.body).toEqual({
      username: "kim",
      display_name: "Kim Kvist",
      password: "a-long-passw0rd",
      roles: ["viewer"],
      org_units: ["S-2"],
    });
    expect(screen.getByRole("status")).toHaveTextContent("User kim created.");
  }, 20_000);

  it("shows the API's 422 under the field it names", async () => {
    stubApi({
      "GET /auth/users": () => ({ items: [], next_cursor: null }),
      "GET /api/org-units": () => orgUnits,
      "POST /auth/users": () => ({
        status: 422,
        body: { title: "Invalid request", status: 422, errors: [{ field: "password", message: "a password has at least 12 characters" }, { field: "roles", message: "at least one role" }], request_id: "r-1" },
      }),
    });
    renderAt(<UsersTab />, admin);
    await userEvent.click(screen.getByRole("button", { name: "New user" }));
    const dialog = await screen.findByRole("dialog", { name: "New user" });
    await userEvent.type(within(dialog).getByLabelText("Username"), "kim");
    await userEvent.type(within(dialog).getByLabelText(/^Password/), "short");
    await userEvent.click(within(dialog).getByRole("button", { name: "Create user" }));
    const password = within(dialog).getByLabelText(/^Password/);
    await waitFor(() => expect(password).toHaveAttribute("aria-invalid", "true"));
    expect(password).toHaveAccessibleDescription(/a password has at least 12 characters/);
    expect(within(dialog).getByRole("group", { name: "Roles" })).toHaveAccessibleDescription("at least one role");
  }, 20_000);

  it("edits with the user's ETag and sends only what changed", async () => {
    const seen = stubApi({
      "GET /auth/users": () => ({ items: [bo], next_cursor: null }),
      "GET /api/org-units": () => orgUnits,
      "GET /auth/users/{id}": () => ({ status: 200, body: bo, headers: { ETag: '"2"' } }),
      "GET /api/notification-preferences/{u}/channels": () => ({ status: 404, body: { title: "Not found", status: 404 } }),
      "PATCH /auth/users/{id}": () => ({ status: 200, body: { ...bo, roles: ["operator", "admin"], version: 3 } }),
    });
    renderAt(<UsersTab />, admin);
    await userEvent.click(await screen.findByRole("button", { name: "Edit bo" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit user bo" });
    expect(await within(dialog).findByText("This user has not saved notification settings yet.")).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole("checkbox", { name: "Admin" }));
    await userEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(seen.some((r) => r.method === "PATCH")).toBe(true));
    const patch = seen.find((r) => r.method === "PATCH");
    expect(patch?.body).toEqual({ roles: ["operator", "admin"] });
    expect(patch?.headers.get("If-Match")).toBe('"2"');
  }, 20_000);

  it("shows the 409 that would lock the admin out", async () => {
    stubApi({
      "GET /auth/users": () => ({ items: [bo], next_cursor: null }),
      "GET /api/org-units": () => orgUnits,
      "POST /auth/users/{id}/deactivate": () => ({
        status: 409,
        body: { title: "Conflict", status: 409, detail: "you may not deactivate yourself", field: "active", request_id: "r-9" },
      }),
    });
    renderAt(<UsersTab />, admin);
    await userEvent.click(await screen.findByRole("button", { name: "Deactivate bo" }));
    const dialog = await screen.findByRole("dialog", { name: "Deactivate bo?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Deactivate" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert).toHaveTextContent("you may not deactivate yourself");
    expect(alert).toHaveTextContent("r-9");
  }, 20_000);
});
