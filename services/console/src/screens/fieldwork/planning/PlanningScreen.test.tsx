import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";

import { TestSession } from "../../../auth/session";
import { stubApi, type StubRequest } from "../../../test/stubApi";
import { addDays, mondayOf, todayIso } from "../shared/format";
import { card, EMPTY_LOOKUPS, orderView, user } from "../shared/testData";
import type { PlanningDay } from "../shared/types";
import PlanningScreen from "./PlanningScreen";

const today = todayIso();
const day = (): PlanningDay => ({
  date: today,
  technicians: [
    {
      technician: { id: "t1", name: "Ada Lovelace", org_unit_id: null, time_zone: "Europe/Stockholm" },
      days: [
        {
          date: today,
          working_hours: [{ start: "08:00", end: "16:00" }],
          gaps: [{ starts_at: "", ends_at: "", local_start: "10:00", local_end: "16:00", minutes: 360 }],
          bookings: [
            {
              booking_id: "b1", local_date: today, local_start: "08:00", local_end: "10:00", starts_at: "", ends_at: "",
              overrides: [], override_reason: null, order: card("o2", "SO-000002", "planned"),
            },
          ],
        },
      ],
    },
  ],
  unbooked: { count: 1, items: [card("o1", "SO-000001", "new", { priority: "urgent" })], next_cursor: null },
});

const refusal = {
  status: 409,
  body: {
    title: "Conflict",
    status: 409,
    detail: "09:00-10:00 … outside working hours",
    conflicts: [
      { kind: "overlap", booking_id: "b1", order_id: "o2", order_number: "SO-000002", starts_at: `${today}T08:00:00Z`, ends_at: `${today}T10:00:00Z` },
      { kind: "working_hours", weekday: 1, working_hours: [{ start: "08:00", end: "16:00" }] },
    ],
  },
};

function renderPlanning(...roles: string[]) {
  return render(
    <TestSession user={user(...roles)}>
      <MemoryRouter>
        <PlanningScreen />
      </MemoryRouter>
    </TestSession>,
  );
}

const posts = (seen: StubRequest[]) => seen.filter((r) => r.method === "POST");

afterEach(() => vi.restoreAllMocks());

describe("the planning", () => {
  it("shows bookings, free time and the unbooked orders of the day", async () => {
    const monday = mondayOf(today);
    const seen = stubApi({
      ...EMPTY_LOOKUPS,
      "GET /api/planning/day": () => day(),
      "GET /api/planning/week": () => ({ ...day(), week_start: monday, days: [0, 1, 2, 3, 4, 5, 6].map((n) => addDays(monday, n)) }),
    });
    renderPlanning("viewer");
    expect(await screen.findByRole("button", { name: /SO-000002 Grace Hopper AB, 08:00–10:00/ })).toBeInTheDocument();
    expect(screen.getByText("Free 10:00–16:00")).toBeInTheDocument();
    expect(screen.getByTestId("unbooked-SO-000001")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Book SO-000001" })).not.toBeInTheDocument();
    expect(seen.find((r) => r.path === "/api/planning/day")!.query.get("date")).toBe(today);
    await userEvent.click(screen.getByRole("tab", { name: "Week" }));
    expect(await screen.findByRole("table", { name: `Bookings ${monday} to ${addDays(monday, 6)}` })).toBeInTheDocument();
    expect(seen.find((r) => r.path === "/api/planning/week")!.query.get("week_start")).toBe(monday);
  });

  it("names the conflicts of a refused booking and books anyway with a reason", async () => {
    let answer: unknown = refusal;
    const seen = stubApi({
      ...EMPTY_LOOKUPS,
      "GET /api/planning/day": () => day(),
      "GET /api/service-orders/{id}": () => ({ status: 200, body: orderView("o1", "SO-000001", "new"), headers: { ETag: '"3"' } }),
      "POST /api/service-orders/{id}/bookings": () => answer,
    });
    renderPlanning("operator");
    await userEvent.click(await screen.findByRole("button", { name: "Book SO-000001" }));
    const dialog = await screen.findByRole("dialog", { name: "Book SO-000001" });
    await userEvent.selectOptions(within(dialog).getByLabelText("Technician"), "t1");
    await userEvent.click(within(dialog).getByRole("button", { name: "Book" }));
    const alert = await within(dialog).findByText("The booking conflicts with the technician's day:");
    const box = alert.closest("[role=alert]") as HTMLElement;
    expect(box).toHaveTextContent("It overlaps SO-000002");
    expect(box).toHaveTextContent("It is outside the working hours (08:00–16:00).");
    const anyway = within(dialog).getByRole("button", { name: "Book anyway" });
    expect(anyway).toBeDisabled();
    await userEvent.type(within(dialog).getByLabelText("Reason to book anyway"), "Customer asked for it");
    answer = { status: 201, body: orderView("o1", "SO-000001", "planned", 4) };
    await userEvent.click(anyway);
    await waitFor(() => expect(posts(seen)).toHaveLength(2));
    expect(posts(seen)[0]!.headers.get("If-Match")).toBe('"3"');
    expect(posts(seen)[1]!.body).toEqual({
      technician_id: "t1",
      date: today,
      start: "09:00",
      end: "10:00",
      override: { reason: "Customer asked for it" },
    });
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
  });

  it("books an order dropped on a technician's time, and opens the form when refused", async () => {
    const seen = stubApi({
      ...EMPTY_LOOKUPS,
      "GET /api/planning/day": () => day(),
      "GET /api/service-orders/{id}": () => ({ status: 200, body: orderView("o1", "SO-000001", "new"), headers: { ETag: '"3"' } }),
      "POST /api/service-orders/{id}/bookings": () => refusal,
    });
    renderPlanning("operator");
    const order = await screen.findByTestId("unbooked-SO-000001");
    const track = screen.getByTestId("track-Ada Lovelace");
    fireEvent.dragStart(order, { dataTransfer: { setData: () => undefined } });
    fireEvent.dragOver(track, { dataTransfer: {} });
    fireEvent.drop(track, { dataTransfer: { getData: () => "o1" } });
    await waitFor(() => expect(posts(seen)).toHaveLength(1));
    // jsdom lays nothing out: the drop lands at the row's start (07:00), an hour long.
    expect(posts(seen)[0]!.body).toEqual({ technician_id: "t1", date: today, start: "07:00", end: "08:00" });
    const dialog = await screen.findByRole("dialog", { name: "Book SO-000001" });
    expect(within(dialog).getByLabelText("From")).toHaveValue("07:00");
    expect(within(dialog).getByText("It overlaps", { exact: false })).toBeInTheDocument();
  });
});
