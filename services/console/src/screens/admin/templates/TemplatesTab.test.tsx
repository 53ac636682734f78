import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { stubApi } from "../../../test/stubApi";
import { renderAt, userWith } from "../testing";
import { TemplatesTab } from "./TemplatesTab";

const template = {
  id: "t1",
  name: "Reminder",
  kind: "callout",
  order_kind: null,
  email_subject: "Time for service",
  email_body: "<p>Hello</p>",
  sms_text: null,
  report_title: null,
  report_text: null,
  report_file_name: null,
  version: 7,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-02T00:00:00Z",
};
const placeholders = { callout: { customer_name: "the customer's name" }, generic: {}, booking_confirmation: { next_booking: "the next booking" } };

describe("notification templates", () => {
  it("inserts a placeholder of the chosen kind where the caret is, and creates the template", async () => {
    const seen = stubApi({
      "GET /api/message-templates": () => [],
      "GET /api/message-templates/placeholders": () => placeholders,
      "POST /api/message-templates": (r) => ({ status: 201, body: { ...template, ...(r.body as object), id: "t2" } }),
    });
    renderAt(<TemplatesTab />, userWith(["admin"]));
    await userEvent.click(screen.getByRole("button", { name: "New template" }));
    const dialog = await screen.findByRole("dialog", { name: "New template" });
    await userEvent.type(within(dialog).getByLabelText("Name"), "Welcome");
    await userEvent.selectOptions(within(dialog).getByLabelText("Kind"), "callout");
    const body = within(dialog).getByLabelText(/^E-mail body/);
    await userEvent.type(body, "Dear !");
    (body as HTMLTextAreaElement).setSelectionRange(5, 5);
    await userEvent.click(within(dialog).getByRole("button", { name: "Insert customer_name (the customer's name)" }));
    expect(body).toHaveValue("Dear {{ customer_name }}!");
    await userEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(seen.some((r) => r.method === "POST")).toBe(true));
    expect(seen.find((r) => r.method === "POST")?.body).toEqual({
      name: "Welcome",
      kind: "callout",
      order_kind: null,
      email_subject: null,
      email_body: "Dear {{ customer_name }}!",
      sms_text: null,
      report_title: null,
      report_text: null,
      report_file_name: null,
    });
  }, 20_000);

  it("puts the caret after an inserted placeholder at once, so the next field typed into keeps its text", async () => {
    stubApi({
      "GET /api/message-templates": () => [],
      "GET /api/message-templates/placeholders": () => placeholders,
    });
    renderAt(<TemplatesTab />, userWith(["admin"]));
    await userEvent.click(screen.getByRole("button", { name: "New template" }));
    const dialog = await screen.findByRole("dialog", { name: "New template" });
    await userEvent.selectOptions(within(dialog).getByLabelText("Kind"), "callout");
    const body = within(dialog).getByLabelText(/^E-mail body/) as HTMLTextAreaElement;
    await userEvent.type(body, "Dear !");
    body.setSelectionRange(5, 5);
    within(dialog).getByRole("button", { name: "Insert customer_name (the customer's name)" }).click();
    // No frame later: the caret is there when the click is done.
    expect(document.activeElement).toBe(body);
    expect(body.selectionStart).toBe("Dear {{ customer_name }}".length);
    const subject = within(dialog).getByLabelText("E-mail subject");
    await userEvent.type(subject, "Time for service");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(subject).toHaveValue("Time for service");
    expect(body).toHaveValue("Dear {{ customer_name }}!");
  }, 20_000);

  it("filters by kind and deletes with the template's version", async () => {
    const seen = stubApi({
      "GET /api/message-templates": () => [template],
      "GET /api/message-templates/placeholders": () => placeholders,
      "DELETE /api/message-templates/{id}": () => ({ status: 204 }),
    });
    renderAt(<TemplatesTab />, userWith(["admin"]));
    await userEvent.selectOptions(screen.getByLabelText("Kind"), "callout");
    await waitFor(() => expect(seen.filter((r) => r.path === "/api/message-templates").at(-1)?.query.get("kind")).toBe("callout"));
    await userEvent.click(await screen.findByRole("button", { name: "Delete Reminder" }));
    const dialog = await screen.findByRole("dialog", { name: "Delete template Reminder?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(seen.some((r) => r.method === "DELETE")).toBe(true));
    expect(seen.find((r) => r.method === "DELETE")?.headers.get("If-Match")).toBe('"7"');
  }, 20_000);
});
