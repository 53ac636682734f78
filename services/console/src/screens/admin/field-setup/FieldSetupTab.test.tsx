import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { stubApi } from "../../../test/stubApi";
import { renderAt, userWith } from "../testing";
import { FieldSetupTab } from "./FieldSetupTab";

const north = { id: "o1", code: "N-1", name: "North", time_zone: "Europe/Stockholm", parent_id: null, version: 1 };
const empty = () => ({ items: [], next_cursor: null });
const kind = {
  id: "k1",
  version: 3,
  code: "REPAIR",
  name: "Repair",
  org_unit_id: null,
  active: true,
  requires_photos: false,
  default_message_text: null,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

describe("field work setup", () => {
  it("creates a technician with home base and working hours per weekday", async () => {
    const seen = stubApi({
      "GET /api/org-units": () => ({ items: [north], next_cursor: null }),
      "GET /api/technicians": empty,
      "GET /api/vehicles": empty,
      "GET /api/order-kinds": empty,
      "POST /api/technicians": (r) => ({ status: 201, body: { id: "t1", ...(r.body as object) } }),
    });
    renderAt(<FieldSetupTab />, userWith(["admin"]));
    await userEvent.click(screen.getByRole("button", { name: "New technician" }));
    const dialog = await screen.findByRole("dialog", { name: "New technician" });
    await userEvent.type(within(dialog).getByLabelText("Name"), "Tina Tekniker");
    await userEvent.selectOptions(within(dialog).getByLabelText("Org unit"), "o1");
    await userEvent.type(within(dialog).getByLabelText("Street"), "Storgatan 1");
    await userEvent.type(within(dialog).getByLabelText("City"), "Umeå");
    await userEvent.type(within(dialog).getByLabelText("Latitude"), "63,8");
    await userEvent.type(within(dialog).getByLabelText("Longitude"), "20.3");
    await userEvent.type(within(dialog).getByLabelText("Monday"), "7:00-11:30, 12:00-16:00");
    await userEvent.type(within(dialog).getByLabelText("Tuesday"), "morning");
    await userEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(within(dialog).getByLabelText("Tuesday")).toHaveAccessibleDescription(/"morning" is not a time interval/);
    expect(seen.some((r) => r.method === "POST")).toBe(false);

    await userEvent.clear(within(dialog).getByLabelText("Tuesday"));
    await userEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(seen.some((r) => r.method === "POST")).toBe(true));
    expect(seen.find((r) => r.method === "POST")?.body).toEqual({
      name: "Tina Tekniker",
      username: null,
      org_unit_id: "o1",
      email: null,
      mobile: null,
      active: true,
      home_base: { street: "Storgatan 1", postal_code: "", city: "Umeå", country: "", latitude: 63.8, longitude: 20.3 },
      working_hours: {
        "1": [
          { start: "07:00", end: "11:30" },
          { start: "12:00", end: "16:00" },
        ],
      },
    });
  }, 30_000);

  it("deactivates an order kind with its version", async () => {
    const seen = stubApi({
      "GET /api/org-units": () => ({ items: [north], next_cursor: null }),
      "GET /api/technicians": empty,
      "GET /api/vehicles": empty,
      "GET /api/order-kinds": () => ({ items: [kind], next_cursor: null }),
      "POST /api/order-kinds/{id}/deactivate": () => ({ ...kind, active: false, version: 4 }),
    });
    renderAt(<FieldSetupTab />, userWith(["admin"]));
    await userEvent.click(await screen.findByRole("button", { name: "Deactivate Repair" }));
    await waitFor(() => expect(seen.some((r) => r.method === "POST")).toBe(true));
    const post = seen.find((r) => r.method === "POST");
    expect(post?.path).toBe("/api/order-kinds/k1/deactivate");
    expect(post?.headers.get("If-Match")).toBe('"3"');
  }, 20_000);
});
