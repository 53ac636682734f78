import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { stubApi } from "../../../test/stubApi";
import { renderAt, userWith } from "../testing";
import { SendingTab } from "./SendingTab";

const north = { id: "o1", code: "N-1", name: "North", time_zone: "Europe/Stockholm", parent_id: null, version: 1 };
const window = {
  org_unit_code: "N-1",
  time_zone: "Europe/Stockholm",
  weekdays: ["monday", "tuesday", "wednesday", "thursday", "friday"],
  start: "08:00:00",
  end: "17:00:00",
  configured: false,
  updated_at: null,
  updated_by: null,
  next_opening: null,
};
const savedSettings = {
  org_unit_id: "o1",
  smtp_host: null,
  smtp_port: null,
  smtp_use_tls: false,
  smtp_username: null,
  smtp_password_set: false,
  from_address: "service@north.example",
  logo_url: null,
  footer: null,
  sms_sender_name: "North",
  version: 1,
  updated_at: "2026-01-01T00:00:00Z",
};

describe("sending settings", () => {
  it("creates an org unit's first settings without If-Match and keeps saying so", async () => {
    let stored = false;
    const seen = stubApi({
      "GET /api/org-units": () => ({ items: [north], next_cursor: null }),
      "GET /api/sending-settings/{id}": () => (stored ? { status: 200, body: savedSettings, headers: { ETag: '"1"' } } : { status: 404, body: { title: "Not Found", status: 404 } }),
      "PUT /api/sending-settings/{id}": () => {
        stored = true;
        return { status: 201, body: savedSettings, headers: { ETag: '"1"' } };
      },
      "GET /api/callouts/sending-windows/{code}": () => window,
      "GET /api/document-settings/{id}": () => ({ status: 200, body: { org_unit_id: "o1", version: 0, planner_emails: [] }, headers: { ETag: '"0"' } }),
    });
    renderAt(<SendingTab />, userWith(["admin"]));
    const panel = await screen.findByRole("region", { name: "E-mail and SMS sending" });
    await userEvent.type(await within(panel).findByLabelText("Sender address"), "service@north.example");
    await userEvent.type(within(panel).getByLabelText(/^SMS sender name/), "North");
    await userEvent.click(within(panel).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(within(screen.getByRole("region", { name: "E-mail and SMS sending" })).getByRole("status")).toHaveTextContent("Saved."));
    const put = seen.find((r) => r.method === "PUT");
    expect(put?.path).toBe("/api/sending-settings/o1");
    expect(put?.headers.has("If-Match")).toBe(false);
    expect(put?.body).toMatchObject({ from_address: "service@north.example", sms_sender_name: "North", smtp_host: null, clear_smtp_password: false });
    expect(put?.body).not.toHaveProperty("smtp_password");
    // The form shows what was saved, and the next save names its version.
    const saved = screen.getByRole("region", { name: "E-mail and SMS sending" });
    expect(within(saved).getByLabelText("Sender address")).toHaveValue("service@north.example");
    await userEvent.click(within(saved).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(seen.filter((r) => r.method === "PUT")).toHaveLength(2));
    expect(seen.filter((r) => r.method === "PUT")[1]?.headers.get("If-Match")).toBe('"1"');
  }, 20_000);

  it("sets the callouts' sending window of the org unit by its code", async () => {
    const seen = stubApi({
      "GET /api/org-units": () => ({ items: [north], next_cursor: null }),
      "GET /api/sending-settings/{id}": () => ({ status: 404, body: { title: "Not Found", status: 404 } }),
      "GET /api/callouts/sending-windows/{code}": () => window,
      "PUT /api/callouts/sending-windows/{code}": (r) => ({ ...window, ...(r.body as object), configured: true, updated_at: "2026-01-02T00:00:00Z" }),
      "GET /api/document-settings/{id}": () => ({ status: 200, body: { org_unit_id: "o1", version: 0 }, headers: { ETag: '"0"' } }),
    });
    renderAt(<SendingTab />, userWith(["admin"]));
    const panel = await screen.findByRole("region", { name: "Automatic sending of callouts" });
    expect(within(panel).getByLabelText("From")).toHaveValue("08:00");
    await userEvent.click(within(panel).getByRole("checkbox", { name: "Friday" }));
    await userEvent.click(within(panel).getByRole("button", { name: "Save sending window" }));
    await waitFor(() => expect(within(screen.getByRole("region", { name: "Automatic sending of callouts" })).getByRole("status")).toHaveTextContent("Saved."));
    const put = seen.find((r) => r.method === "PUT");
    expect(put?.path).toBe("/api/callouts/sending-windows/N-1");
    expect(put?.body).toEqual({ weekdays: ["monday", "tuesday", "wednesday", "thursday"], start: "08:00", end: "17:00" });
  }, 20_000);
});
