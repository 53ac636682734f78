import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";

import { TestSession } from "../../../auth/session";
import { stubApi } from "../../../test/stubApi";
import { card, column, EMPTY_LOOKUPS, orderView, user } from "../shared/testData";
import BoardScreen from "./BoardScreen";

const board = () => ({
  columns: [
    column("new", [card("o1", "SO-000001", "new")], 7, "next-new"),
    column("planned", [card("o2", "SO-000002", "planned")], 1),
    column("completed", [], 0),
    column("cancelled", [], 0),
  ],
});

function renderBoard(...roles: string[]) {
  return render(
    <TestSession user={user(...roles)}>
      <MemoryRouter>
        <BoardScreen />
      </MemoryRouter>
    </TestSession>,
  );
}

afterEach(() => vi.restoreAllMocks());

describe("the board", () => {
  it("shows the API's columns with their exact counts and cards", async () => {
    stubApi({ ...EMPTY_LOOKUPS, "GET /api/board": () => board() });
    renderBoard("operator");
    const newColumn = await screen.findByTestId("column-new");
    expect(within(newColumn).getByRole("heading", { name: /New/ })).toBeInTheDocument();
    expect(within(newColumn).getByRole("heading", { name: "New 7 orders" })).toBeInTheDocument();
    expect(within(newColumn).getByRole("link", { name: "SO-000001" })).toHaveAttribute("href", "/fieldwork/orders/o1");
    expect(within(screen.getByTestId("column-planned")).getByText("Ada Lovelace")).toBeInTheDocument();
    expect(within(newColumn).getByRole("button", { name: "Show more (1 of 7)" })).toBeInTheDocument();
  });

  it("sends the filters and pages one column with its cursor", async () => {
    const seen = stubApi({ ...EMPTY_LOOKUPS, "GET /api/board": () => board() });
    renderBoard("viewer");
    await screen.findByTestId("column-new");
    await userEvent.selectOptions(screen.getByLabelText("Priority"), "urgent");
    await userEvent.type(screen.getByLabelText("Order number starts with"), "SO-00");
    await userEvent.click(screen.getByRole("button", { name: "Apply filters" }));
    await waitFor(() => expect(seen.filter((r) => r.path === "/api/board").length).toBe(2));
    const filtered = seen.filter((r) => r.path === "/api/board")[1]!;
    expect(filtered.query.getAll("priority")).toEqual(["urgent"]);
    expect(filtered.query.get("q")).toBe("SO-00");
    await userEvent.click(await screen.findByRole("button", { name: "Show more (1 of 7)" }));
    await waitFor(() => expect(seen.filter((r) => r.path === "/api/board").length).toBe(3));
    const page = seen.filter((r) => r.path === "/api/board")[2]!;
    expect(page.query.get("column")).toBe("new");
    expect(page.query.get("cursor")).toBe("next-new");
    expect(page.query.get("priority")).toBe("urgent");
  });

  it("gives a viewer no drag and no move buttons", async () => {
    stubApi({ ...EMPTY_LOOKUPS, "GET /api/board": () => board() });
    renderBoard("viewer");
    const first = await screen.findByTestId("card-SO-000001");
    expect(first).toHaveAttribute("draggable", "false");
    expect(screen.queryByRole("button", { name: /Move to…/ })).not.toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "New order" })).not.toBeInTheDocument();
  });

  it("moves a card by drag and drop with the order's version", async () => {
    const seen = stubApi({
      ...EMPTY_LOOKUPS,
      "GET /api/board": () => board(),
      "GET /api/service-orders/{id}": () => ({ status: 200, body: orderView("o2", "SO-000002", "planned", 4), headers: { ETag: '"4"' } }),
      "POST /api/service-orders/{id}/move": () => orderView("o2", "SO-000002", "new", 5),
    });
    renderBoard("operator");
    const moving = await screen.findByTestId("card-SO-000002");
    expect(moving).toHaveAttribute("draggable", "true");
    const target = screen.getByTestId("column-new");
    fireEvent.dragStart(moving, { dataTransfer: { setData: () => undefined, effectAllowed: "" } });
    fireEvent.dragOver(target, { dataTransfer: { dropEffect: "" } });
    fireEvent.drop(target, { dataTransfer: { getData: () => "o2" } });
    await waitFor(() => expect(seen.some((r) => r.method === "POST")).toBe(true));
    const move = seen.find((r) => r.method === "POST")!;
    expect(move.path).toBe("/api/service-orders/o2/move");
    expect(move.headers.get("If-Match")).toBe('"4"');
    expect(move.body).toEqual({ stage: "new" });
    expect(await screen.findByText("SO-000002 moved to New.")).toBeInTheDocument();
  });

  it("puts the card back and names the reason when the server refuses the move", async () => {
    stubApi({
      ...EMPTY_LOOKUPS,
      "GET /api/board": () => board(),
      "GET /api/service-orders/{id}": () => ({ status: 200, body: orderView("o1", "SO-000001", "new"), headers: { ETag: '"3"' } }),
      "POST /api/service-orders/{id}/move": () => ({
        status: 409,
        body: { title: "Conflict", status: 409, detail: "complete needs a planned order (a technician and a booking); this one is new" },
        headers: { "X-Request-Id": "req-42" },
      }),
    });
    renderBoard("operator");
    await screen.findByTestId("card-SO-000001");
    await userEvent.click(screen.getByRole("button", { name: "Move to… SO-000001" }));
    await userEvent.click(screen.getByRole("button", { name: "Completed" }));
    const refusal = await screen.findByTestId("move-refused");
    expect(refusal).toHaveTextContent("complete needs a planned order");
    expect(refusal).toHaveTextContent("req-42");
    expect(within(screen.getByTestId("column-new")).getByTestId("card-SO-000001")).toBeInTheDocument();
    expect(within(screen.getByTestId("column-completed")).queryByTestId("card-SO-000001")).not.toBeInTheDocument();
    expect(within(screen.getByTestId("column-new")).getByText("7 orders")).toBeInTheDocument();
  });

  it("asks for a booking when a new order is moved to planned", async () => {
    const seen = stubApi({
      ...EMPTY_LOOKUPS,
      "GET /api/board": () => board(),
      "GET /api/service-orders/{id}": () => ({ status: 200, body: orderView("o1", "SO-000001", "new"), headers: { ETag: '"3"' } }),
      "POST /api/service-orders/{id}/move": () => orderView("o1", "SO-000001", "planned", 4),
    });
    renderBoard("operator");
    await screen.findByTestId("card-SO-000001");
    await userEvent.click(screen.getByRole("button", { name: "Move to… SO-000001" }));
    await userEvent.click(screen.getByRole("button", { name: "Planned" }));
    const dialog = await screen.findByRole("dialog", { name: "Plan SO-000001" });
    await userEvent.selectOptions(within(dialog).getByLabelText("Technician"), "t1");
    fireEvent.change(within(dialog).getByLabelText("Date"), { target: { value: "2026-12-02" } });
    await userEvent.click(within(dialog).getByRole("button", { name: "Book and plan" }));
    await waitFor(() => expect(seen.some((r) => r.method === "POST")).toBe(true));
    expect(seen.find((r) => r.method === "POST")!.body).toEqual({
      stage: "planned",
      booking: { technician_id: "t1", date: "2026-12-02", start: "09:00", end: "10:00", override: null },
    });
  });
});
