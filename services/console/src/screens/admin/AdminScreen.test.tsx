import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { stubApi } from "../../test/stubApi";
import AdminScreen from "./AdminScreen";
import { NO_PREFERENCES, renderAt, userWith } from "./testing";

function stubMySettings(roles: string[]) {
  return stubApi({
    "GET /auth/me": () => userWith(roles),
    "GET /api/my-notification-preferences": () => ({ status: 200, body: NO_PREFERENCES, headers: { ETag: '"0"' } }),
    "GET /auth/users": () => ({ items: [], next_cursor: null }),
    "GET /api/org-units": () => ({ items: [], next_cursor: null }),
  });
}

describe("the admin screen's tabs", () => {
  it("shows a viewer only My settings, opened by default", async () => {
    stubMySettings(["viewer"]);
    renderAt(<AdminScreen />, userWith(["viewer"]));
    const tabs = screen.getByRole("navigation", { name: "Admin areas" });
    expect(within(tabs).getAllByRole("link").map((a) => a.textContent)).toEqual(["My settings"]);
    expect(await screen.findByRole("heading", { name: "My account" })).toBeInTheDocument();
    expect(await screen.findByRole("group", { name: "Tell me when" })).toBeInTheDocument();
  }, 20_000);

  it("shows an admin every area", () => {
    stubMySettings(["admin"]);
    renderAt(<AdminScreen />, userWith(["admin"]));
    const tabs = screen.getByRole("navigation", { name: "Admin areas" });
    expect(within(tabs).getAllByRole("link").map((a) => a.textContent)).toEqual([
      "My settings",
      "Users and roles",
      "Org units",
      "Notification templates",
      "Sending settings",
      "Field work setup",
    ]);
  }, 20_000);

  it("refuses an operator the users area, with no action to take", async () => {
    const seen = stubMySettings(["operator"]);
    renderAt(<AdminScreen />, userWith(["operator"]), "/admin/users");
    expect(await screen.findByRole("alert")).toHaveTextContent("You may not do this.");
    expect(screen.queryByRole("button", { name: "New user" })).not.toBeInTheDocument();
    expect(seen.some((r) => r.path === "/auth/users")).toBe(false);
  }, 20_000);
});
