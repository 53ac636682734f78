import { configure, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { describe, expect, it } from "vitest";

import { TestSession, type User } from "../../auth/session";
import { type StubRequest, stubApi } from "../../test/stubApi";

import type { ServiceTypeIn } from "./draft";
import { PRODUCT, SAVED, STEP_A, STEP_B } from "./fixtures";
import ServiceTypesScreen from "./ServiceTypesScreen";

// The editor is a large form and the machine is shared: wait up to 5 s for what follows.
configure({ asyncUtilTimeout: 5_000 });

const PLACEHOLDERS = {
  syntax: "{{ name }}",
  fields: ["initial.email_subject"],
  items: [
    { name: "customer_name", description: "The customer's name" },
    { name: "serial_number", description: "The item's serial number" },
  ],
};

/** A preview whose dates follow the request: step N's first date is in month `span` (or
 * its day), so a changed schedule shows changed dates. */
function previewOf(request: StubRequest) {
  const body = request.body as { service_type: ServiceTypeIn; startup_date: string };
  const steps = (body.service_type.steps ?? []).map((step, position) => {
    const n = step.schedule.span ?? step.schedule.day ?? 1;
    return { step_id: `s${position}`, position, description: step.description, dates: [`2027-${String(n).padStart(2, "0")}-01`] };
  });
  return {
    service_type_id: null,
    version: null,
    startup_date: body.startup_date,
    until: "2032-01-15",
    truncated: false,
    sms: [],
    steps,
    occurrences: steps.map((s) => ({ on: s.dates[0], step_id: s.step_id, position: s.position, description: s.description, index: 0 })),
  };
}

function routes(extra: Parameters<typeof stubApi>[0] = {}) {
  return stubApi({
    "GET /api/service-types/placeholders": () => PLACEHOLDERS,
    "GET /api/service-types/{id}": () => ({ status: 200, body: SAVED, headers: { ETag: '"3"' } }),
    "GET /api/service-types": () => ({ items: [SAVED] }),
    "POST /api/service-types/preview": previewOf,
    "GET /api/products/{id}": () => ({
      id: PRODUCT,
      product_number: "P-100",
      name: "Heat pump",
      active: true,
      product_group: null,
      translations: {},
      version: 1,
    }),
    ...extra,
  });
}

function renderAt(path: string, ...roles: string[]) {
  const user: User = { id: "u1", username: "eva", display_name: "Eva", roles, org_units: [] };
  return render(
    <TestSession user={user}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/service-types/*" element={<ServiceTypesScreen />} />
        </Routes>
      </MemoryRouter>
    </TestSession>,
  );
}

const stepRegion = (number: number) => screen.getByRole("region", { name: new RegExp(`^Step ${number}:`) });
const previews = (seen: StubRequest[]) => seen.filter((r) => r.method === "POST" && r.path === "/api/service-types/preview");

// The editor is a large form: jsdom renders it slowly on a shared machine.
describe("the service type editor", { timeout: 20_000 }, () => {
  it("saves the draft with PUT and If-Match, step ids kept and anchors as positions", async () => {
    const seen = routes({
      "PUT /api/service-types/{id}": (request) => ({
        status: 200,
        body: { ...SAVED, version: 4, display_name: (request.body as ServiceTypeIn).display_name },
        headers: { ETag: '"4"' },
      }),
    });
    const user = userEvent.setup({ delay: null });
    renderAt(`/service-types/${SAVED.id}`, "admin");
    const name = await screen.findByLabelText("Display name");
    await user.clear(name);
    await user.type(name, "Check");
    const span = within(stepRegion(2)).getByLabelText("Span");
    await user.clear(span);
    await user.type(span, "3");
    await user.click(screen.getByRole("button", { name: "Save" }));

    await screen.findByText("Saved: version 4.");
    const put = seen.find((r) => r.method === "PUT");
    expect(put?.headers.get("If-Match")).toBe('"3"');
    const body = put?.body as ServiceTypeIn;
    expect(body.display_name).toBe("Check");
    expect(body.steps?.map((s) => s.step_id)).toEqual([STEP_A, STEP_B]);
    expect(body.steps?.[1]?.schedule).toEqual({
      kind: "after",
      anchor: "step",
      anchor_step_position: 0,
      span: 3,
      period: "months",
      limit_repetitions: 2,
    });
    expect(body.links).toEqual([{ main_product_id: PRODUCT, apply_to_main_product: true, related_product_ids: [], pre_code: "X1" }]);
    expect(screen.getByText("Version 4")).toBeInTheDocument();
  });

  it("shows a 422 on steps.1 under that step's input, the rest in the alert with the request id", async () => {
    routes({
      "PUT /api/service-types/{id}": () => ({
        status: 422,
        body: {
          title: "Invalid service type",
          status: 422,
          detail: "2 problems",
          request_id: "req-42",
          errors: [
            { field: "steps.1.schedule.limit_repetitions", message: "at most 1000" },
            { field: "steps.0.initial.email_subject", message: "unknown placeholder(s): iban" },
            { field: "somewhere_else", message: "odd" },
          ],
        },
      }),
    });
    const user = userEvent.setup({ delay: null });
    renderAt(`/service-types/${SAVED.id}`, "admin");
    await screen.findByLabelText("Display name");
    await user.click(screen.getByRole("button", { name: "Save" }));

    const limit = await within(stepRegion(2)).findByLabelText("At most (occurrences)");
    await waitFor(() => expect(limit).toHaveAttribute("aria-invalid", "true"));
    expect(limit).toHaveAccessibleDescription("at most 1000");
    // The same input of the other step is untouched.
    expect(within(stepRegion(1)).queryByText("at most 1000")).toBeNull();
    const subject = within(within(stepRegion(1)).getByRole("group", { name: "Initial" })).getByLabelText("Email subject");
    expect(subject).toHaveAccessibleDescription("unknown placeholder(s): iban");
    // The first input named gets the focus.
    await waitFor(() => expect(subject).toHaveFocus());
    const alert = screen.getByText("somewhere_else").closest("[role=alert]") as HTMLElement;
    expect(alert).toHaveTextContent("odd");
    expect(alert).toHaveTextContent("req-42");
    expect(alert).not.toHaveTextContent("at most 1000");
  });

  it("asks for a new preview when a schedule changes, and shows its dates", async () => {
    const seen = routes();
    const user = userEvent.setup({ delay: null });
    renderAt(`/service-types/${SAVED.id}`, "admin");
    const dates = await screen.findByRole("list", { name: "Dates of step 2" });
    await waitFor(() => expect(within(dates).getByRole("listitem").querySelector("time")).toHaveAttribute("dateTime", "2027-01-01"));
    const before = previews(seen).length;
    expect(previews(seen).at(-1)?.body).toMatchObject({ startup_date: expect.stringMatching(/^\d{4}-\d\d-\d\d$/) });

    const span = within(stepRegion(2)).getByLabelText("Span");
    await user.clear(span);
    await user.type(span, "7");
    await waitFor(() =>
      expect(screen.getByRole("list", { name: "Dates of step 2" }).querySelector("time")).toHaveAttribute("dateTime", "2027-07-01"),
    );
    const last = previews(seen).at(-1)?.body as { service_type: ServiceTypeIn };
    expect(last.service_type.steps?.[1]?.schedule).toMatchObject({ span: 7, anchor_step_position: 0 });
    expect(last.service_type.steps?.[1]?.step_id).toBeUndefined();
    // Debounced: typing "7" after clearing is not a request per key stroke plus one.
    expect(previews(seen).length - before).toBeLessThanOrEqual(2);

    await user.selectOptions(within(stepRegion(1)).getByLabelText("Schedule"), "monthly");
    await waitFor(() => expect((previews(seen).at(-1)?.body as { service_type: ServiceTypeIn }).service_type.steps?.[0]?.schedule).toEqual({ kind: "monthly", anchor: "startup", day: 15 }));
  });

  it("shows a preview's errors inline and keeps the draft", async () => {
    routes({
      "POST /api/service-types/preview": (request) => {
        const body = request.body as { service_type: ServiceTypeIn };
        if (body.service_type.steps?.[0]?.schedule.day === 40) {
          return {
            status: 422,
            body: {
              title: "Invalid service type",
              status: 422,
              errors: [{ field: "service_type.steps.0.schedule.day", message: "must be between 1 and 31" }],
            },
          };
        }
        return previewOf(request);
      },
    });
    const user = userEvent.setup({ delay: null });
    renderAt(`/service-types/${SAVED.id}`, "admin");
    const day = await within(await screen.findByRole("region", { name: /^Step 1:/ })).findByLabelText("Day of month");
    await user.clear(day);
    await user.type(day, "40");
    await waitFor(() => expect(day).toHaveAccessibleDescription("must be between 1 and 31"));
    expect(screen.getByText(/The preview waits for these to be fixed/)).toBeInTheDocument();
    expect(day).toHaveValue(40);
    expect(screen.getByLabelText("Display name")).toHaveValue("Annual inspection");
  });

  it("adds, reorders and removes steps, with the anchor following its step", async () => {
    const seen = routes({ "PUT /api/service-types/{id}": () => ({ status: 200, body: SAVED, headers: { ETag: '"4"' } }) });
    const user = userEvent.setup({ delay: null });
    renderAt(`/service-types/${SAVED.id}`, "admin");
    await screen.findByLabelText("Display name");
    await user.click(screen.getByRole("button", { name: "Add step" }));
    await user.type(within(stepRegion(3)).getByLabelText("Description"), "F");
    await user.click(screen.getByRole("button", { name: "Move step 2 up" }));
    await user.click(screen.getByRole("button", { name: "Remove step 3" }));
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(seen.some((r) => r.method === "PUT")).toBe(true));
    const body = seen.find((r) => r.method === "PUT")?.body as ServiceTypeIn;
    expect(body.steps?.map((s) => s.description)).toEqual(["Reminder", "Inspection"]);
    expect(body.steps?.map((s) => s.step_id)).toEqual([STEP_B, STEP_A]);
    expect(body.steps?.[0]?.schedule.anchor_step_position).toBe(1);
  });

  it("inserts a placeholder into the text last written in", async () => {
    routes();
    const user = userEvent.setup({ delay: null });
    renderAt(`/service-types/${SAVED.id}`, "admin");
    const initial = within(await screen.findByRole("region", { name: /^Step 2:/ })).getByRole("group", { name: "Initial" });
    const sms = within(initial).getByLabelText("SMS message");
    await user.click(sms);
    await user.type(sms, " ");
    await user.selectOptions(within(initial).getByLabelText("Placeholder"), "customer_name");
    expect(within(initial).getByText("The customer's name")).toBeInTheDocument();
    await user.click(within(initial).getByRole("button", { name: "Insert into SMS message" }));
    expect(sms).toHaveValue("Remember {{ customer_name }}");
  });

  it("folds a step's texts away while they are empty, and unfolds them on demand", async () => {
    routes();
    const user = userEvent.setup({ delay: null });
    renderAt(`/service-types/${SAVED.id}`, "admin");
    await screen.findByLabelText("Display name");
    await user.click(screen.getByRole("button", { name: "Add step" }));
    const summary = within(stepRegion(3)).getByText("Messages: initial and on completion (0 filled in)");
    const details = summary.closest("details") as HTMLDetailsElement;
    expect(details.open).toBe(false);
    expect((stepRegion(1).querySelector("details") as HTMLDetailsElement).open).toBe(true);
    await user.click(summary);
    expect(details.open).toBe(true);
  });

  it("creates a new type with POST and opens it", async () => {
    const created = { ...SAVED, id: "aaaaaaaa-0000-0000-0000-000000000001", version: 1, steps: [], links: [] };
    const seen = routes({
      "POST /api/service-types": () => ({ status: 201, body: created, headers: { ETag: '"1"' } }),
      "GET /api/service-types/{id}": () => ({ status: 200, body: created, headers: { ETag: '"1"' } }),
    });
    const user = userEvent.setup({ delay: null });
    renderAt("/service-types/new", "admin");
    await user.type(screen.getByLabelText("Display name"), "Annual inspection");
    await user.type(screen.getByLabelText("System name"), "annual_inspection");
    await user.selectOptions(screen.getByLabelText("Approval method"), "automatic");
    await user.click(screen.getByRole("button", { name: "Add step" }));
    await user.type(within(stepRegion(1)).getByLabelText("Description"), "First reminder");
    await user.click(screen.getByRole("button", { name: "Create service type" }));
    await screen.findByText("Saved: version 1.");
    const post = seen.find((r) => r.method === "POST" && r.path === "/api/service-types")?.body as ServiceTypeIn;
    expect(post).toMatchObject({ display_name: "Annual inspection", system_name: "annual_inspection", approval_method: "automatic", links: [] });
    expect(post.steps).toEqual([
      { description: "First reminder", schedule: { kind: "after", anchor: "startup", span: 1, period: "years" }, initial: {}, on_completion: {} },
    ]);
    expect(await screen.findByRole("heading", { level: 1 })).toHaveTextContent("Service type: Annual inspection");
  });

  it("is read-only for a viewer: no edit controls, the saved version's dates", async () => {
    const seen = routes({
      "GET /api/service-types/{id}/preview": (request) => ({
        ...previewOf({ ...request, body: { service_type: { steps: [] }, startup_date: request.query.get("startup_date") } }),
        service_type_id: SAVED.id,
        version: 3,
      }),
    });
    renderAt(`/service-types/${SAVED.id}`, "viewer");
    expect(await screen.findByLabelText("Display name")).toBeDisabled();
    expect(screen.getByText(/only admins change service types/)).toBeInTheDocument();
    for (const name of ["Save", "Delete", "Add step", "Add link", "Remove step 1", "Move step 2 up"]) {
      expect(screen.queryByRole("button", { name })).toBeNull();
    }
    expect(within(stepRegion(2)).getByLabelText("Span")).toBeDisabled();
    expect(screen.queryByLabelText("Placeholder")).toBeNull();
    await waitFor(() => expect(seen.some((r) => r.path === `/api/service-types/${SAVED.id}/preview`)).toBe(true));
    expect(previews(seen)).toHaveLength(0);
    expect(screen.getByLabelText("Startup date")).toBeEnabled();
  });

  it("shows the link's product by number and name", async () => {
    routes();
    renderAt(`/service-types/${SAVED.id}`, "operator");
    expect(await screen.findByText("P-100 Heat pump")).toBeInTheDocument();
    expect(screen.getByLabelText("Pre-code (action code)")).toHaveValue("X1");
  });
});

describe("the service type list", () => {
  it("lists the types, filters them, and lets an admin delete one after confirming", async () => {
    const seen = routes({
      "DELETE /api/service-types/{id}": () => ({ id: SAVED.id, system_name: SAVED.system_name, version: 4, pending_callouts: "cancelled", detail: "deleted" }),
    });
    const user = userEvent.setup({ delay: null });
    renderAt("/service-types", "admin");
    const table = await screen.findByRole("table", { name: "Service types (1)" });
    expect(within(table).getByRole("link", { name: "Annual inspection" })).toHaveAttribute("href", `/service-types/${SAVED.id}`);
    expect(screen.getByRole("link", { name: "New service type" })).toBeInTheDocument();

    await user.type(screen.getByLabelText("Name contains"), "recall");
    expect(screen.getByText("No service type matches the filter.")).toBeInTheDocument();
    await user.clear(screen.getByLabelText("Name contains"));

    await user.click(screen.getByRole("button", { name: "Delete Annual inspection" }));
    const dialog = screen.getByRole("dialog", { name: /Delete the service type/ });
    await user.click(within(dialog).getByRole("button", { name: "Delete service type" }));
    await screen.findByText("The service type “Annual inspection” was deleted.");
    const deletion = seen.find((r) => r.method === "DELETE");
    expect(deletion?.query.get("confirm")).toBe("true");
    expect(deletion?.headers.get("If-Match")).toBe('"3"');
  });

  it("offers no create or delete to an operator", async () => {
    routes();
    renderAt("/service-types", "operator");
    await screen.findByRole("table", { name: "Service types (1)" });
    expect(screen.queryByRole("link", { name: "New service type" })).toBeNull();
    expect(screen.queryByRole("button", { name: /Delete/ })).toBeNull();
  });
});
