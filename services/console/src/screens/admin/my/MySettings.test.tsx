import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { stubApi } from "../../../test/stubApi";
import { NO_PREFERENCES, renderAt, userWith } from "../testing";
import { MySettings } from "./MySettings";

const me = userWith(["technician"], { username: "tom", display_name: "Tom Tekniker" });

describe("my settings", () => {
  it("shows the gateway's E.164 message under the mobile field, then saves a good number", async () => {
    const seen = stubApi({
      "GET /auth/me": () => me,
      "GET /api/my-notification-preferences": () => ({ status: 200, body: NO_PREFERENCES, headers: { ETag: '"0"' } }),
      "PATCH /auth/me": (r) => {
        const body = r.body as { mobile: string | null };
        if (body.mobile === "0701") {
          return { status: 422, body: { title: "Invalid request", status: 422, errors: [{ field: "body.mobile", message: "String should match pattern '^\\+[1-9][0-9]{6,14}$'" }] } };
        }
        return { ...me, mobile: body.mobile };
      },
    });
    renderAt(<MySettings />, me);
    const form = await screen.findByRole("form", { name: "My account" });
    expect(within(form).getByText("Tom Tekniker")).toBeInTheDocument();
    const mobile = within(form).getByLabelText("Mobile");
    await userEvent.type(mobile, "0701");
    await userEvent.click(within(form).getByRole("button", { name: "Save my contact details" }));
    await waitFor(() => expect(mobile).toHaveAttribute("aria-invalid", "true"));
    expect(mobile).toHaveAccessibleDescription(/Not a mobile number in international form/);

    await userEvent.clear(mobile);
    await userEvent.type(mobile, "+46701234567");
    await userEvent.click(within(form).getByRole("button", { name: "Save my contact details" }));
    await waitFor(() => expect(within(form).getByRole("status")).toHaveTextContent("Saved."));
    expect(mobile).not.toHaveAttribute("aria-invalid");
    expect(seen.filter((r) => r.method === "PATCH").at(-1)?.body).toEqual({ email: null, mobile: "+46701234567" });
  }, 20_000);

  it("saves the events and channels chosen with the version read", async () => {
    const seen = stubApi({
      "GET /auth/me": () => me,
      "GET /api/my-notification-preferences": () => ({ status: 200, body: { ...NO_PREFERENCES, events: ["booked"], version: 4 }, headers: { ETag: '"4"' } }),
      "PUT /api/my-notification-preferences": (r) => ({ status: 200, body: { ...NO_PREFERENCES, ...(r.body as object), version: 5 }, headers: { ETag: '"5"' } }),
    });
    renderAt(<MySettings />, me);
    const form = await screen.findByRole("form", { name: "My notifications" });
    expect(await within(form).findByRole("checkbox", { name: "An order is booked" })).toBeChecked();
    await userEvent.click(within(form).getByRole("checkbox", { name: "I am assigned to an order" }));
    await userEvent.click(within(form).getByRole("checkbox", { name: "SMS" }));
    await userEvent.click(within(form).getByRole("button", { name: "Save my notification settings" }));
    await waitFor(() => expect(within(form).getByRole("status")).toHaveTextContent("Saved."));
    const put = seen.find((r) => r.method === "PUT");
    expect(put?.headers.get("If-Match")).toBe('"4"');
    expect(put?.body).toEqual({ events: ["booked", "order_assigned"], email_enabled: false, sms_enabled: true, email: null, mobile: null });
  }, 20_000);

  it("shows a channel refused for want of an address under its switch", async () => {
    stubApi({
      "GET /auth/me": () => me,
      "GET /api/my-notification-preferences": () => ({ status: 200, body: NO_PREFERENCES, headers: { ETag: '"0"' } }),
      "PUT /api/my-notification-preferences": () => ({
        status: 422,
        body: { title: "Invalid request", status: 422, errors: [{ field: "sms_enabled", message: "no mobile number to send SMS to" }, { field: "events.0", message: "unknown event" }] },
      }),
    });
    renderAt(<MySettings />, me);
    const form = await screen.findByRole("form", { name: "My notifications" });
    await userEvent.click(await within(form).findByRole("checkbox", { name: "SMS" }));
    await userEvent.click(within(form).getByRole("button", { name: "Save my notification settings" }));
    await waitFor(() => expect(within(form).getByRole("checkbox", { name: "SMS" })).toHaveAccessibleDescription("no mobile number to send SMS to"));
    expect(within(form).getByRole("group", { name: "Tell me when" })).toHaveAccessibleDescription("unknown event");
    expect(within(form).queryByRole("alert", { name: /Invalid request/ })).not.toBeInTheDocument();
  }, 20_000);
});
