import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";

import { TestSession } from "../../../auth/session";
import { stubApi, type StubRoutes } from "../../../test/stubApi";
import { orderView, user } from "../shared/testData";
import type { OrderView } from "../shared/types";
import OrdersScreen from "./OrdersScreen";

function planned(): OrderView {
  return {
    ...orderView("o1", "SO-000001", "planned", 5),
    technician_id: "t1",
    technician_name: "Ada Lovelace",
    technicians: [{ id: "t1", name: "Ada Lovelace" }],
    contact: { contact_id: "k1", name: "Grace", email: "grace@example.com", mobile: null },
    bookings: [
      {
        id: "b1", state: "standing", technician_id: "t1", technician_name: "Ada Lovelace", local_date: "2026-12-01",
        local_start: "09:00:00", local_end: "10:00:00", starts_at: "2026-12-01T08:00:00Z", ends_at: "2026-12-01T09:00:00Z",
        overrides: [], override_reason: null, created_at: "2026-11-30T08:00:00Z", created_by: "dev",
      },
    ],
  };
}

function routes(extra: StubRoutes = {}): StubRoutes {
  return {
    "GET /api/service-orders/{id}": () => ({ status: 200, body: planned(), headers: { ETag: '"5"' } }),
    "GET /api/service-orders/{id}/history": () => ({
      items: [{ id: 1, at: "2026-11-30T08:00:00Z", by: "dev", kind: "created", from: null, to: null, detail: {} }],
      truncated: false,
    }),
    "GET /api/service-orders/{id}/booking-confirmation": () => ({
      can_offer: true,
      reason: null,
      default_recipient: { name: "Grace", email: "grace@example.com", mobile: null, source: "contact" },
      suggestions: [],
    }),
    "GET /api/service-orders/{id}/sent-log": () => ({ items: [] }),
    "GET /api/technicians": () => ({ items: [{ id: "t1", name: "Ada Lovelace" }], next_cursor: null }),
    ...extra,
  };
}

function renderOrder(...roles: string[]) {
  return render(
    <TestSession user={user(...roles)}>
      <MemoryRouter initialEntries={["/fieldwork/orders/o1"]}>
        <Routes>
          <Route path="/fieldwork/orders/*" element={<OrdersScreen />} />
        </Routes>
      </MemoryRouter>
    </TestSession>,
  );
}

afterEach(() => vi.restoreAllMocks());

describe("an order", () => {
  it("offers the status actions that apply and sends them with the order's version", async () => {
    const seen = stubApi(routes({ "POST /api/service-orders/{id}/actions/{action}": () => ({ ...planned(), status: "en_route", version: 6 }) }));
    renderOrder("operator");
    expect(await screen.findByRole("heading", { name: "Service order SO-000001" })).toBeInTheDocument();
    const actions = screen.getByRole("region", { name: "Status actions" });
    expect(within(actions).getAllByRole("button").map((b) => b.textContent)).toEqual(["Depart", "Complete", "Cancel order"]);
    await userEvent.click(within(actions).getByRole("button", { name: "Depart" }));
    await waitFor(() => expect(seen.some((r) => r.method === "POST")).toBe(true));
    const post = seen.find((r) => r.method === "POST")!;
    expect(post.path).toBe("/api/service-orders/o1/actions/depart");
    expect(post.headers.get("If-Match")).toBe('"5"');
    expect(await within(actions).findByRole("button", { name: "Arrive" })).toBeInTheDocument();
  });

  it("sends the booking confirmation and shows a refusal next to the field", async () => {
    const seen = stubApi(
      routes({
        "POST /api/service-orders/{id}/booking-confirmation": () => ({
          status: 422,
          body: { title: "Invalid request", status: 422, detail: "emails.0: not an e-mail address", errors: [{ field: "emails", message: "not an e-mail address" }] },
        }),
      }),
    );
    renderOrder("operator");
    const panel = await screen.findByRole("region", { name: "Booking confirmation" });
    expect(await within(panel).findByText("Goes to Grace (grace@example.com) unless you name others.")).toBeInTheDocument();
    await userEvent.type(within(panel).getByLabelText("Other e-mail addresses"), "nope");
    await userEvent.click(within(panel).getByRole("button", { name: "Send confirmation" }));
    const field = within(panel).getByLabelText("Other e-mail addresses");
    await waitFor(() => expect(field).toHaveAttribute("aria-invalid", "true"));
    expect(within(panel).getByText("not an e-mail address")).toBeInTheDocument();
    expect(seen.find((r) => r.method === "POST")!.body).toEqual({ channels: ["email"], emails: ["nope"], mobiles: null, note: null });
  });

  it("shows a viewer the order without a single action", async () => {
    stubApi(routes());
    renderOrder("viewer");
    expect(await screen.findByRole("heading", { name: "Service order SO-000001" })).toBeInTheDocument();
    expect(await within(screen.getByRole("region", { name: "History" })).findByText("Created")).toBeInTheDocument();
    expect(screen.queryByRole("region", { name: "Status actions" })).not.toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Edit" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Send confirmation|Add booking|Move the booking|Remove the booking/ })).not.toBeInTheDocument();
  });
});
