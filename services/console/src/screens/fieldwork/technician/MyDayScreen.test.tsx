import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it } from "vitest";

import type { components } from "../../../api/schema";
import { TestSession } from "../../../auth/session";
import { stubApi, type StubRoutes } from "../../../test/stubApi";
import MyDayScreen from "./MyDayScreen";
import { CAMPAIGN_CASE_ID, myDay, order, ORDER_ID, protocol, PROTOCOL_ID } from "./testData";

type User = components["schemas"]["UserOut"];
const technician: User = { id: "u-1", username: "tess", display_name: "Tess", roles: ["technician"] } as User;
const viewer: User = { id: "u-2", username: "vera", display_name: "Vera", roles: ["viewer"] } as User;

function renderAt(path: string, user: User = technician) {
  return render(
    <TestSession user={user}>
      <MemoryRouter initialEntries={[path]}>
        <MyDayScreen />
      </MemoryRouter>
    </TestSession>,
  );
}

const orderPath = `/orders/${ORDER_ID}`;

/** The routes every order page reads: the order (with its ETag) and no protocol yet. */
function orderRoutes(view = order(), extra: StubRoutes = {}): StubRoutes {
  return {
    "GET /api/service-orders/{id}": () => ({ status: 200, body: view, headers: { ETag: '"3"' } }),
    "GET /api/protocols": () => ({ items: [], next_cursor: null }),
    ...extra,
  };
}

describe("My day", () => {
  it("lists the day's visits with their campaign cases, and switches day", async () => {
    const seen = stubApi({
      "GET /api/my-day": () => myDay(),
      "GET /api/service-orders/{id}": () => order(),
    });
    renderAt("/");
    const visit = await screen.findByRole("link", { name: /Berg AB.*SO-1042/ });
    expect(visit).toHaveAttribute("href", `/orders/${ORDER_ID}`);
    expect(screen.getByText("09:00–10:00")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: /Open Storgatan 1, 111 22 Stockholm in maps/ })).toHaveAttribute(
      "href",
      "geo:59.33,18.06",
    );
    expect(await screen.findByText(/Pump seal recall/)).toBeInTheDocument();
    expect(seen[0]?.query.has("date")).toBe(false);

    await userEvent.click(screen.getByRole("button", { name: /Next day/ }));
    await waitFor(() => expect(seen.some((r) => r.path === "/api/my-day" && r.query.get("date") === "2026-12-01")).toBe(true));
  });

  it("opens an order and leads back to the same day", async () => {
    stubApi({
      "GET /api/my-day": () => myDay(),
      ...orderRoutes(),
    });
    renderAt("/?date=2026-11-30");
    await userEvent.click(await screen.findByRole("link", { name: /Berg AB/ }));
    expect(await screen.findByRole("heading", { name: /Berg AB/, level: 1 })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: /My day/ })).toHaveAttribute("href", "/?date=2026-11-30");
  });

  it("says so when the user is no technician", async () => {
    stubApi({ "GET /api/my-day": () => ({ status: 404, body: { title: "Not found", status: 404 } }) });
    renderAt("/");
    expect(await screen.findByText(/not linked to a technician/)).toBeInTheDocument();
  });

  it("says so when nothing is booked", async () => {
    stubApi({ "GET /api/my-day": () => myDay([]) });
    renderAt("/");
    expect(await screen.findByText(/No visits are booked/)).toBeInTheDocument();
  });
});

describe("an order's status buttons", () => {
  it("offers only the actions the status allows", async () => {
    stubApi(orderRoutes(order({ status: "working" })));
    renderAt(orderPath);
    const actions = await screen.findByRole("region", { name: "Status" });
    const names = within(actions)
      .getAllByRole("button")
      .map((b) => b.textContent);
    expect(names).toEqual(["Take a break", "Complete order", "Cancel order"]);
  });

  it("sends the action with the order's version and shows the new status", async () => {
    const seen = stubApi(
      orderRoutes(order(), {
        "POST /api/service-orders/{id}/actions/{action}": () => ({
          status: 200,
          body: order({ status: "en_route", version: 4 }),
          headers: { ETag: '"4"' },
        }),
      }),
    );
    renderAt(orderPath);
    await userEvent.click(await screen.findByRole("button", { name: "Depart" }));
    await waitFor(() => expect(screen.getByTestId("order-status")).toHaveTextContent("En route"));
    const sent = seen.find((r) => r.method === "POST");
    expect(sent?.path).toBe(`/api/service-orders/${ORDER_ID}/actions/depart`);
    expect(sent?.headers.get("If-Match")).toBe('"3"');
    expect(screen.getByRole("button", { name: "Arrive" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Depart" })).not.toBeInTheDocument();
  });

  it("shows the server's reason when it refuses", async () => {
    stubApi(
      orderRoutes(order(), {
        "POST /api/service-orders/{id}/actions/{action}": () => ({
          status: 409,
          body: { title: "Conflict", status: 409, detail: "depart applies when the technician status is planned; it is en_route", request_id: "req-9" },
        }),
      }),
    );
    renderAt(orderPath);
    await userEvent.click(await screen.findByRole("button", { name: "Depart" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("depart applies when the technician status is planned; it is en_route");
    expect(alert).toHaveTextContent("req-9");
  });

  it("asks which campaign cases were done when completing", async () => {
    const seen = stubApi(
      orderRoutes(order({ status: "working" }), {
        "POST /api/service-orders/{id}/actions/{action}": () => order({ status: "done", stage: "completed" }),
      }),
    );
    renderAt(orderPath);
    await userEvent.click(await screen.findByRole("button", { name: "Complete order" }));
    const dialog = await screen.findByRole("dialog", { name: "Complete the order?" });
    await userEvent.click(within(dialog).getByRole("checkbox", { name: /PUMP-24/ }));
    await userEvent.click(within(dialog).getByRole("button", { name: "Complete order" }));
    await waitFor(() => expect(screen.getByTestId("order-status")).toHaveTextContent("Done"));
    const sent = seen.find((r) => r.method === "POST");
    expect(sent?.path).toMatch(/actions\/complete$/);
    expect(sent?.body).toEqual({ campaign_case_ids_done: [CAMPAIGN_CASE_ID] });
    expect(screen.getByText("No status change applies to this order any more.")).toBeInTheDocument();
  });

  it("shows a viewer no action buttons", async () => {
    stubApi(orderRoutes(order(), { "GET /api/protocols": () => ({ items: [{ id: PROTOCOL_ID }], next_cursor: null }), "GET /api/protocols/{id}": () => protocol() }));
    renderAt(orderPath, viewer);
    expect(await screen.findByRole("heading", { name: /Berg AB/ })).toBeInTheDocument();
    await screen.findByTestId("protocol-status");
    expect(screen.queryByRole("region", { name: "Status" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Depart|Save|Complete|Remove|Add/ })).not.toBeInTheDocument();
  });
});

describe("the protocol on site", () => {
  function protocolRoutes(view = protocol(), extra: StubRoutes = {}): StubRoutes {
    return orderRoutes(order({ status: "working" }), {
      "GET /api/protocols": () => ({ items: [{ id: PROTOCOL_ID }], next_cursor: null }),
      "GET /api/protocols/{id}": () => ({ status: 200, body: view, headers: { ETag: '"1"' } }),
      ...extra,
    });
  }

  it("starts a protocol for the order", async () => {
    const seen = stubApi(
      orderRoutes(order({ status: "working" }), {
        "POST /api/protocols": () => ({ status: 201, body: protocol(), headers: { ETag: '"1"' } }),
        "GET /api/protocols/{id}": () => ({ status: 200, body: protocol(), headers: { ETag: '"1"' } }),
      }),
    );
    renderAt(orderPath);
    await userEvent.click(await screen.findByRole("button", { name: "Start the protocol" }));
    expect(await screen.findByTestId("protocol-status")).toHaveTextContent("Protocol draft");
    expect(seen.find((r) => r.method === "POST")?.body).toEqual({ order_id: ORDER_ID });
  });

  it("uploads a photo as its own bytes with its type and name", async () => {
    let uploaded = false;
    const seen = stubApi(
      protocolRoutes(protocol(), {
        "POST /api/protocols/{id}/attachments": () => {
          uploaded = true;
          return { status: 201, body: { id: "att-1" } };
        },
      }),
    );
    renderAt(orderPath);
    const input = await screen.findByLabelText("Take or choose a photo");
    expect(input).toHaveAttribute("accept", "image/*");
    expect(input).toHaveAttribute("capture", "environment");
    const file = new File([new Uint8Array([0x50, 0x4e, 0x47, 0x21])], "pump.png", { type: "image/png" });
    await userEvent.upload(input, file);
    await waitFor(() => expect(uploaded).toBe(true));
    const sent = seen.find((r) => r.method === "POST");
    expect(sent?.path).toBe(`/api/protocols/${PROTOCOL_ID}/attachments`);
    expect(sent?.query.get("kind")).toBe("photo_after");
    expect(sent?.query.get("file_name")).toBe("pump.png");
    expect(sent?.headers.get("Content-Type")).toBe("image/png");
    expect(sent?.headers.get("X-Requested-With")).toBe("aftersales-console");
    // The raw bytes (ASCII here, so the stub can read them back), not multipart nor JSON.
    expect(sent?.body).toBe("PNG!");
    expect(await screen.findByText("1 file uploaded.")).toBeInTheDocument();
    // The protocol is read again: its attachments and its new version.
    expect(seen.filter((r) => r.method === "GET" && r.path === `/api/protocols/${PROTOCOL_ID}`)).toHaveLength(2);
  });

  it("shows thumbnails and removes one", async () => {
    const attachment = {
      id: "att-1",
      protocol_id: PROTOCOL_ID,
      kind: "photo_before" as const,
      file_name: "before.jpg",
      media_type: "image/jpeg",
      size_bytes: 2048,
      sha256: "x",
      uploaded_at: "2026-11-30T09:10:00Z",
      uploaded_by: "tess",
    };
    const seen = stubApi(
      protocolRoutes(protocol({ attachments: [attachment] }), {
        "DELETE /api/protocols/{id}/attachments/{aid}": () => ({ status: 204 }),
      }),
    );
    renderAt(orderPath);
    const image = await screen.findByRole("img", { name: "before.jpg" });
    expect(image).toHaveAttribute("src", `/api/protocols/${PROTOCOL_ID}/attachments/att-1`);
    await userEvent.click(screen.getByRole("button", { name: "Remove before.jpg" }));
    await waitFor(() => expect(seen.some((r) => r.method === "DELETE" && r.path.endsWith("/attachments/att-1"))).toBe(true));
  });

  it("saves the items with the protocol's version and shows an error next to its line", async () => {
    const seen = stubApi(
      protocolRoutes(protocol(), {
        "PUT /api/protocols/{id}/items": () => ({
          status: 422,
          body: { title: "Invalid request", status: 422, errors: [{ field: "items.0.quantity", message: "must be greater than 0" }] },
        }),
      }),
    );
    renderAt(orderPath);
    await userEvent.click(await screen.findByRole("button", { name: "Add an item" }));
    await userEvent.type(screen.getByLabelText("Item"), "Seal kit");
    const quantity = screen.getByLabelText("Quantity");
    await userEvent.clear(quantity);
    await userEvent.type(quantity, "0");
    await userEvent.click(screen.getByRole("button", { name: "Save items" }));
    expect(await screen.findByText("must be greater than 0")).toBeInTheDocument();
    expect(quantity).toHaveAttribute("aria-invalid", "true");
    const sent = seen.find((r) => r.method === "PUT");
    expect(sent?.headers.get("If-Match")).toBe('"1"');
    expect(sent?.body).toEqual({ items: [{ description: "Seal kit", quantity: "0", unit: "pcs" }] });
    // Unsaved lines keep the protocol from being completed.
    expect(screen.getByRole("button", { name: "Complete the protocol" })).toBeDisabled();
  });

  it("reports a problem, and shows the server's message next to its description", async () => {
    const seen = stubApi(
      protocolRoutes(protocol(), {
        "PATCH /api/protocols/{id}": () => ({
          status: 422,
          body: { title: "Invalid request", status: 422, errors: [{ field: "problem_description", message: "required while a problem is reported" }] },
        }),
      }),
    );
    renderAt(orderPath);
    await userEvent.click(await screen.findByRole("checkbox", { name: /Report a problem/ }));
    await userEvent.click(screen.getByRole("button", { name: "Save descriptions" }));
    expect(await screen.findByText("required while a problem is reported")).toBeInTheDocument();
    expect(screen.getByLabelText("What is the problem?")).toHaveAttribute("aria-invalid", "true");
    const sent = seen.find((r) => r.method === "PATCH");
    expect(sent?.headers.get("If-Match")).toBe('"1"');
    expect(sent?.body).toMatchObject({ problem_reported: true, problem_description: "", show_images: true });
  });

  it("completes the protocol and then shows it read-only", async () => {
    const work = { id: "w-1", position: 1, description: "Replaced seal", minutes: 30, technician_id: "tech-1", technician_name: "Tess", work_date: "2026-11-30" };
    const seen = stubApi(
      protocolRoutes(protocol({ works: [work] }), {
        "POST /api/protocols/{id}/complete": () => ({
          status: 200,
          body: { ...protocol({ works: [work], status: "completed" }), will_send_to: { name: "Anna Berg", email: "anna@example.com" } },
          headers: { ETag: '"2"' },
        }),
      }),
    );
    renderAt(orderPath);
    await userEvent.click(await screen.findByRole("button", { name: "Complete the protocol" }));
    expect(await screen.findByText(/e-mailed to Anna Berg/)).toBeInTheDocument();
    expect(screen.getByTestId("protocol-status")).toHaveTextContent("Protocol completed");
    expect(seen.find((r) => r.method === "POST")?.headers.get("If-Match")).toBe('"1"');
    expect(screen.queryByRole("button", { name: "Save work" })).not.toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Protocol PDF" })).toHaveAttribute("href", `/api/protocols/${PROTOCOL_ID}/pdf`);
  });
});
