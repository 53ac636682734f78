import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { TestSession, type User } from "../../auth/session";
import { type StubRequest, type StubRoutes, stubApi } from "../../test/stubApi";
import CalloutsScreen from "./CalloutsScreen";
import { COLUMNS_STORAGE_KEY } from "./columns";
import type { Callout, ColumnMeta } from "./types";

const COLUMNS: ColumnMeta[] = [
  { key: "service_type_name", label: "Service type", hidden_by_default: false, sortable: true, filter: "service_type_id" },
  { key: "serial_number", label: "Serial number", hidden_by_default: false, sortable: true, filter: null },
  { key: "step_description", label: "Step", hidden_by_default: false, sortable: true, filter: "step" },
  { key: "scheduled_for", label: "Scheduled for", hidden_by_default: false, sortable: true, filter: "scheduled_from,scheduled_to" },
  { key: "state", label: "State", hidden_by_default: false, sortable: true, filter: "state" },
  { key: "created_at", label: "Created on", hidden_by_default: true, sortable: true, filter: null },
];

function callout(id: string, state: Callout["state"], serial: string): Callout {
  return {
    id,
    service_type_id: "type-1",
    service_type_name: "Annual inspection",
    serial_item_id: "item-1",
    serial_number: serial,
    serial_item_name: "Heat pump",
    customer_id: "cust-1",
    customer_number: "C-1",
    customer_name: "Ada Lovelace",
    step_id: "step-1",
    step_description: "1st reminder",
    occurrence: 0,
    org_unit: null,
    scheduled_for: "2026-12-01",
    due_at: "2026-12-01T00:00:00Z",
    state,
    approved_at: null,
    approved_by: null,
    send_requested_at: null,
    sent_at: null,
    completed_at: null,
    completed_by: null,
    cancelled_at: null,
    cancelled_by: null,
    send_to: "ada@example.com",
    message_id: null,
    completion_message_id: null,
    error: state === "failed" ? "smtp said no" : null,
    trace_id: state === "failed" ? "trace-123" : null,
    error_at: null,
    resend_at_customer_version: null,
    service_order_requested_at: null,
    service_order_requested_by: null,
    service_order_id: null,
    service_order_number: null,
    service_order_stage: null,
    created_at: "2026-11-30T08:00:00Z",
  };
}

const AWAITING = callout("c-awaiting", "awaiting_approval", "SN-1");
const SENT = callout("c-sent", "sent", "SN-2");
const FAILED = callout("c-failed", "failed", "SN-3");

function user(...roles: string[]): User {
  return { id: "u1", username: "eva", display_name: "Eva", roles, org_units: [] };
}

function routes(extra: StubRoutes = {}): StubRoutes {
  return {
    "GET /api/callouts/columns": () => COLUMNS,
    "GET /api/callouts/planning-runs": () => [],
    "GET /api/callouts": () => ({ items: [AWAITING, SENT, FAILED], next_cursor: null }),
    "GET /api/service-types": () => ({ items: [] }),
    "GET /api/org-units": () => ({ items: [{ id: "o1", code: "N-1", name: "North", time_zone: "Europe/Stockholm", parent_id: null, version: 1 }], next_cursor: null }),
    ...extra,
  };
}

/** The address the router holds now, for the tests that check what the list writes there. */
function Address() {
  const { pathname, search } = useLocation();
  return <output data-testid="address">{pathname + search}</output>;
}

function renderAt(path: string, roles: string[]) {
  return render(
    <TestSession user={user(...roles)}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/callouts/*" element={<CalloutsScreen />} />
        </Routes>
        <Address />
      </MemoryRouter>
    </TestSession>,
  );
}

// Rendering and typing take seconds on a loaded, shared machine: room beyond the 5 s default.
const SLOW = 30_000;

const lists = (seen: StubRequest[]) => seen.filter((r) => r.method === "GET" && r.path === "/api/callouts");

beforeEach(() => localStorage.clear());
afterEach(() => vi.restoreAllMocks());

describe("the callout list", () => {
  it("opens with the default scheduled-for window and sends the filters chosen", async () => {
    const seen = stubApi(routes());
    renderAt("/callouts", ["operator"]);
    await screen.findByText("SN-1");
    const first = lists(seen)[0]!;
    expect(first.query.get("scheduled_from")).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(first.query.get("scheduled_to")).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(first.query.get("sort")).toBe("scheduled_for");

    await userEvent.click(screen.getByText(/^State:/));
    await userEvent.click(screen.getByRole("checkbox", { name: "Failed" }));
    await userEvent.click(screen.getByText(/^Org\. unit:/));
    await userEvent.click(screen.getByRole("checkbox", { name: "N-1 · North" }));
    await userEvent.type(screen.getByRole("textbox", { name: "Step" }), "reminder");
    await userEvent.type(screen.getByRole("textbox", { name: "Customer" }), "Ada");
    await userEvent.clear(screen.getByLabelText("Scheduled from"));
    await userEvent.type(screen.getByLabelText("Approved from"), "2026-11-01");
    await userEvent.click(screen.getByRole("button", { name: "Show" }));

    await waitFor(() => expect(lists(seen)).toHaveLength(2));
    const filtered = lists(seen)[1]!;
    expect(filtered.query.getAll("state")).toEqual(["failed"]);
    expect(filtered.query.getAll("org_unit")).toEqual(["N-1"]);
    expect(filtered.query.get("step")).toBe("reminder");
    expect(filtered.query.get("customer")).toBe("Ada");
    expect(filtered.query.get("approved_from")).toBe("2026-11-01");
    expect(filtered.query.has("scheduled_from")).toBe(false);
    expect(filtered.query.get("scheduled_to")).toBe(first.query.get("scheduled_to"));
  }, SLOW);

  it("sorts by a column header and pages with the cursor", async () => {
    const seen = stubApi(
      routes({
        "GET /api/callouts": (request) =>
          request.query.get("cursor")
            ? { items: [FAILED], next_cursor: null }
            : { items: [AWAITING, SENT], next_cursor: "next-1" },
      }),
    );
    renderAt("/callouts", ["viewer"]);
    await screen.findByText("SN-2");
    await userEvent.click(screen.getByRole("button", { name: "Load more" }));
    await screen.findByText("SN-3");
    expect(lists(seen)[1]!.query.get("cursor")).toBe("next-1");

    await userEvent.click(screen.getByRole("button", { name: /^Sort by State/ }));
    await waitFor(() => expect(lists(seen).at(-1)!.query.get("sort")).toBe("state"));
    await userEvent.click(await screen.findByRole("button", { name: "Sort by State, sorted ascending" }));
    await waitFor(() => expect(lists(seen).at(-1)!.query.get("sort")).toBe("-state"));
  }, SLOW);

  it("shows the columns chosen and remembers them", async () => {
    stubApi(routes());
    renderAt("/callouts", ["viewer"]);
    const table = await screen.findByRole("table", { name: "Service callouts" });
    expect(within(table).queryByText("Created on")).toBeNull();
    await userEvent.click(screen.getByText("Columns", { selector: "summary" }));
    await userEvent.click(screen.getByRole("checkbox", { name: "Created on" }));
    expect(within(table).getByRole("button", { name: /^Sort by Created on/ })).toBeInTheDocument();
    expect(JSON.parse(localStorage.getItem(COLUMNS_STORAGE_KEY) ?? "[]")).toContain("created_at");
  }, SLOW);

  it("shows an error naming a filter under that filter", async () => {
    stubApi(
      routes({
        "GET /api/callouts": () => ({
          status: 422,
          body: {
            title: "Unprocessable",
            detail: "scheduled_from is after scheduled_to",
            errors: [{ field: "query.scheduled_from", message: "scheduled_from is after scheduled_to" }],
            request_id: "req-9",
          },
        }),
      }),
    );
    renderAt("/callouts", ["operator"]);
    const input = await screen.findByLabelText("Scheduled from");
    await waitFor(() => expect(input).toHaveAccessibleDescription("scheduled_from is after scheduled_to"));
    expect(screen.getByText(/req-9/)).toBeInTheDocument();
  }, SLOW);
});

describe("actions on the selection", () => {
  it("enables each action by its rule, posts the selection and shows acted and skipped", async () => {
    const seen = stubApi(
      routes({
        "POST /api/callouts/actions/{action}": () => ({
          acted: [{ id: AWAITING.id, state: "approved", reason: null }],
          skipped: [{ id: SENT.id, state: "sent", reason: "cannot approve a callout in state 'sent'" }],
        }),
      }),
    );
    renderAt("/callouts", ["operator"]);
    await screen.findByText("SN-1");
    const approve = screen.getByRole("button", { name: "Approve" });
    expect(approve).toBeDisabled();

    await userEvent.click(screen.getByRole("checkbox", { name: /Select callout SN-2/ }));
    expect(approve).toBeDisabled(); // a sent callout cannot be approved
    expect(screen.getByRole("button", { name: "Mark as completed" })).toBeEnabled();
    expect(screen.getByRole("button", { name: "Resend selected messages" })).toBeDisabled();

    await userEvent.click(screen.getByRole("checkbox", { name: /Select callout SN-1/ }));
    expect(approve).toBeEnabled();
    await userEvent.click(approve);

    const post = await waitFor(() => {
      const found = seen.find((r) => r.method === "POST");
      expect(found).toBeDefined();
      return found!;
    });
    expect(post.path).toBe("/api/callouts/actions/approve");
    expect(post.body).toEqual({ ids: [AWAITING.id, SENT.id] });
    const outcome = await screen.findByTestId("action-outcome");
    expect(outcome).toHaveTextContent("Approve: 1 done, 1 skipped");
    expect(outcome).toHaveTextContent("SN-2 · 1st reminder · 2026-12-01 (Sent): cannot approve a callout in state 'sent'");
  }, SLOW);

  it("shows a refused selection's reasons", async () => {
    stubApi(
      routes({
        "POST /api/callouts/actions/{action}": () => ({
          status: 409,
          body: {
            title: "Conflict",
            detail: "cannot cancel this selection",
            field: "ids",
            skipped: [{ id: SENT.id, state: "completed", reason: "completed meanwhile" }],
          },
        }),
      }),
    );
    renderAt("/callouts", ["admin"]);
    await screen.findByText("SN-2");
    await userEvent.click(screen.getByRole("checkbox", { name: /Select callout SN-2/ }));
    await userEvent.click(screen.getByRole("button", { name: "Cancel callouts" }));
    const outcome = await screen.findByTestId("action-outcome");
    expect(outcome).toHaveTextContent("Cancel callouts was refused");
    expect(outcome).toHaveTextContent("completed meanwhile");
  }, SLOW);

  it("approves all by the current filters after a confirmation", async () => {
    const seen = stubApi(routes({ "POST /api/callouts/approve-all": () => ({ approved: 7 }) }));
    renderAt("/callouts", ["operator"]);
    await screen.findByText("SN-1");
    await userEvent.click(screen.getByRole("button", { name: "Approve all…" }));
    const dialog = screen.getByRole("dialog", { name: "Approve all matching callouts" });
    expect(within(dialog).getByText("Scheduled from")).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole("button", { name: "Approve all" }));
    expect(await screen.findByText("Approved 7 callouts.")).toBeInTheDocument();
    const post = seen.find((r) => r.method === "POST")!;
    expect(post.path).toBe("/api/callouts/approve-all");
    expect(post.query.get("scheduled_from")).toBe(lists(seen)[0]!.query.get("scheduled_from"));
  }, SLOW);

  it("gives a viewer the list, export and dialogs but nothing to act with", async () => {
    stubApi(routes());
    renderAt("/callouts", ["viewer"]);
    await screen.findByText("SN-1");
    expect(screen.queryAllByRole("checkbox", { name: /Select callout/ })).toHaveLength(0);
    for (const name of ["Approve", "Send now", "Mark as completed", "Cancel callouts", "Approve all…"]) {
      expect(screen.queryByRole("button", { name })).toBeNull();
    }
    expect(screen.getByRole("button", { name: "Export CSV" })).toBeEnabled();
    await userEvent.click(screen.getByRole("button", { name: "Details of callout SN-3, 1st reminder" }));
    const dialog = screen.getByRole("dialog");
    expect(within(dialog).queryByRole("button", { name: "Update recipient information" })).toBeNull();
    expect(within(dialog).queryByRole("button", { name: "Create service order" })).toBeNull();
  }, SLOW);
});

describe("one callout's dialog", () => {
  it("shows the error with its trace id only for a callout in an error state", async () => {
    stubApi(
      routes({
        "GET /api/callouts/{id}/error": () => ({
          callout_id: FAILED.id,
          state: "failed",
          reason: "smtp said no",
          trace_id: "trace-123",
          occurred_at: "2026-11-30T09:00:00Z",
        }),
      }),
    );
    renderAt("/callouts", ["operator"]);
    await screen.findByText("SN-1");
    await userEvent.click(screen.getByRole("button", { name: "Details of callout SN-2, 1st reminder" }));
    expect(within(screen.getByRole("dialog")).getByRole("tab", { name: "Error" })).toBeDisabled();
    await userEvent.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Close" }));

    await userEvent.click(screen.getByRole("button", { name: "Details of callout SN-3, 1st reminder" }));
    const dialog = screen.getByRole("dialog");
    await userEvent.click(within(dialog).getByRole("tab", { name: "Error" }));
    expect(await within(dialog).findByTestId("trace-id")).toHaveTextContent("trace-123");
    expect(within(dialog).getByText("smtp said no")).toBeInTheDocument();
  }, SLOW);

  it("warns when no message has been generated, and shows the step's settings", async () => {
    stubApi(
      routes({
        "GET /api/callouts/{id}/message": () => ({ callout_id: AWAITING.id, messages: [], warning: "none yet" }),
        "GET /api/callouts/{id}/settings": () => ({
          callout_id: AWAITING.id,
          step_description: "1st reminder",
          fields: [{ field: "email_subject", initial: "Service due", on_completion: "Service done" }],
          initial: {},
          on_completion: {},
        }),
      }),
    );
    renderAt("/callouts", ["operator"]);
    await screen.findByText("SN-1");
    await userEvent.click(screen.getByRole("button", { name: "Details of callout SN-1, 1st reminder" }));
    const dialog = screen.getByRole("dialog");
    await userEvent.click(within(dialog).getByRole("tab", { name: "Message" }));
    expect(await within(dialog).findByText("No message has been generated for this callout yet.")).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole("tab", { name: "Settings" }));
    const row = await within(dialog).findByRole("row", { name: /E-mail subject/ });
    expect(row).toHaveTextContent("Service due");
    expect(row).toHaveTextContent("Service done");
  }, SLOW);

  it("updates the recipient in catalog with its ETag, then the callout with the new version", async () => {
    const seen = stubApi(
      routes({
        "GET /api/customers/{id}": () => ({
          status: 200,
          body: {
            id: "cust-1",
            customer_number: "C-1",
            name: "Ada Lovelace",
            emails: ["old@example.com"],
            mobiles: [],
            allowed_methods: ["letter"],
            preferred_method: null,
            language: "en",
            kind: "company",
            time_zone: null,
            active: true,
            version: 3,
          },
          headers: { ETag: '"3"' },
        }),
        "PATCH /api/customers/{id}": () => ({ status: 200, body: { id: "cust-1", version: 4 }, headers: { ETag: '"4"' } }),
        "POST /api/callouts/{id}/update-recipient": () => ({ ...FAILED, resend_at_customer_version: 4 }),
      }),
    );
    renderAt("/callouts", ["operator"]);
    await screen.findByText("SN-3");
    await userEvent.click(screen.getByRole("button", { name: "Details of callout SN-3, 1st reminder" }));
    const dialog = screen.getByRole("dialog");
    await userEvent.click(within(dialog).getByRole("button", { name: "Update recipient information" }));
    const emails = await within(dialog).findByLabelText("E-mail addresses");
    await userEvent.clear(emails);
    await userEvent.type(emails, "new@example.com, other@example.com");
    await userEvent.click(within(dialog).getByRole("checkbox", { name: "E-mail" }));
    await userEvent.click(within(dialog).getByRole("button", { name: "Save and resend" }));
    expect(await within(dialog).findByText(/Saved\. The callout follows/)).toBeInTheDocument();

    const patch = seen.find((r) => r.method === "PATCH")!;
    expect(patch.headers.get("If-Match")).toBe('"3"');
    expect(patch.body).toMatchObject({
      emails: ["new@example.com", "other@example.com"],
      allowed_methods: ["email", "letter"],
    });
    const post = seen.find((r) => r.method === "POST")!;
    expect(post.path).toBe(`/api/callouts/${FAILED.id}/update-recipient`);
    expect(post.body).toEqual({ customer_version: 4 });
  }, SLOW);

  it("shows catalog's message under the field it names", async () => {
    stubApi(
      routes({
        "GET /api/customers/{id}": () => ({
          id: "cust-1",
          customer_number: "C-1",
          name: "Ada Lovelace",
          emails: [],
          mobiles: [],
          allowed_methods: [],
          preferred_method: null,
          language: "en",
          kind: "company",
          time_zone: null,
          active: true,
          version: 3,
        }),
        "PATCH /api/customers/{id}": () => ({
          status: 422,
          body: { title: "Invalid request", errors: [{ field: "emails.0", message: "not a valid email address" }] },
        }),
      }),
    );
    renderAt("/callouts", ["operator"]);
    await screen.findByText("SN-3");
    await userEvent.click(screen.getByRole("button", { name: "Details of callout SN-3, 1st reminder" }));
    const dialog = screen.getByRole("dialog");
    await userEvent.click(within(dialog).getByRole("button", { name: "Update recipient information" }));
    await userEvent.type(await within(dialog).findByLabelText("E-mail addresses"), "nope");
    await userEvent.click(within(dialog).getByRole("button", { name: "Save and resend" }));
    await waitFor(() =>
      expect(within(dialog).getByLabelText("E-mail addresses")).toHaveAccessibleDescription(
        /not a valid email address/,
      ),
    );
  }, SLOW);
});

describe("a serial item's tab", () => {
  it("lists all of the item's callouts and recalculates its messages", async () => {
    const seen = stubApi(
      routes({
        "GET /api/serial-items/{id}": () => ({ id: "item-1", serial_number: "SN-1", name: "Heat pump" }),
        "POST /api/callouts/serial-items/{id}/recalculate": () => ({
          serial_item_id: "item-1",
          workflows: 1,
          created: 2,
          moved: 0,
          updated: 0,
          withdrawn: 1,
        }),
      }),
    );
    renderAt("/callouts/serial-items/item-1", ["operator"]);
    expect(await screen.findByRole("heading", { name: "Service callouts of SN-1 · Heat pump" })).toBeInTheDocument();
    await screen.findByText("SN-2");
    const first = lists(seen)[0]!;
    expect(first.query.get("serial_item_id")).toBe("item-1");
    expect(first.query.has("scheduled_from")).toBe(false);

    await userEvent.click(screen.getByRole("button", { name: "Recalculate messages" }));
    expect(await screen.findByText(/2 created, 0 moved, 0 updated, 1 withdrawn/)).toBeInTheDocument();
    await waitFor(() => expect(lists(seen)).toHaveLength(2));
    expect(seen.some((r) => r.path === "/api/callouts/serial-items/item-1/recalculate")).toBe(true);
  }, SLOW);

  it("has no recalculate button for a viewer", async () => {
    stubApi(routes({ "GET /api/serial-items/{id}": () => ({ id: "item-1", serial_number: "SN-1", name: "Heat pump" }) }));
    renderAt("/callouts/serial-items/item-1", ["viewer"]);
    await screen.findByText("SN-2");
    expect(screen.queryByRole("button", { name: "Recalculate messages" })).toBeNull();
  }, SLOW);
});

describe("Show", () => {
  it("reads the list again with unchanged filters", async () => {
    const seen = stubApi(routes());
    renderAt("/callouts", ["viewer"]);
    await screen.findByText("SN-1");
    await userEvent.click(screen.getByRole("button", { name: "Show" }));
    await userEvent.click(screen.getByRole("button", { name: "Show" }));
    await waitFor(() => expect(lists(seen)).toHaveLength(3));
  }, SLOW);
});

describe("planning runs", () => {
  it("says which service types are still being planned, and how far", async () => {
    stubApi(
      routes({
        "GET /api/callouts/planning-runs": () => [
          { service_type_id: "t1", display_name: "Annual inspection", version: 2, planned_version: 1, items_planned: 250, items_total: 1000 },
        ],
      }),
    );
    renderAt("/callouts", ["viewer"]);
    const bar = await screen.findByRole("progressbar", { name: "Annual inspection: 250 of 1,000 items planned" });
    expect(bar).toHaveAttribute("value", "250");
  }, SLOW);
});

describe("a linked list", () => {
  it("opens with the filters and sort its address names", async () => {
    const seen = stubApi(routes());
    renderAt("/callouts?state=failed&customer=Ada&scheduled_from=&scheduled_to=&sort=-state", ["viewer"]);
    await screen.findByText("SN-1");
    const first = lists(seen)[0]!;
    expect(first.query.getAll("state")).toEqual(["failed"]);
    expect(first.query.get("customer")).toBe("Ada");
    expect(first.query.has("scheduled_from")).toBe(false);
    expect(first.query.get("sort")).toBe("-state");
    expect(screen.getByRole("textbox", { name: "Customer" })).toHaveValue("Ada");
  }, SLOW);

  it("keeps the address it was opened with until the user changes the filters or sort", async () => {
    // Opening must not write the address: the list can mount after the user has already
    // clicked elsewhere (its chunk still loading), and a write would take them back here.
    stubApi(routes());
    renderAt("/callouts", ["viewer"]);
    await screen.findByText("SN-1");
    expect(screen.getByTestId("address")).toHaveTextContent(/^\/callouts$/);

    await userEvent.click(screen.getByRole("button", { name: /^Sort by State/ }));
    await waitFor(() => expect(screen.getByTestId("address")).toHaveTextContent(/sort=state/));
    expect(screen.getByTestId("address")).toHaveTextContent(/scheduled_from=\d{4}-\d{2}-\d{2}/);
  }, SLOW);
});
