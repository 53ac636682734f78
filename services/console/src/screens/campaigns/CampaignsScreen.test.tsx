import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { describe, expect, it, vi } from "vitest";

import { type Role, TestSession } from "../../auth/session";
import i18n from "../../i18n";
import { stubApi, type StubRoutes } from "../../test/stubApi";
import CampaignsScreen from "./CampaignsScreen";
import { aCampaign, aCase, aLine, page, PARENT, TEMPLATE } from "./testData";

// Typing a whole form takes a few seconds on a busy machine.
vi.setConfig({ testTimeout: 20_000 });

function renderAt(path: string, ...roles: Role[]) {
  return render(
    <TestSession user={{ id: "u1", username: "eva", display_name: "Eva", roles, org_units: [] }}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/campaigns/*" element={<CampaignsScreen />} />
        </Routes>
      </MemoryRouter>
    </TestSession>,
  );
}

const CAMPAIGN = aCampaign();
const ID = CAMPAIGN.id;

/** The reads a campaign's page makes, answered for `campaign`. */
function campaignReads(campaign = CAMPAIGN, lines = [aLine()], failing = [] as ReturnType<typeof aLine>[]): StubRoutes {
  return {
    "GET /api/campaigns/{id}": () => ({ status: 200, body: campaign, headers: { ETag: `"${campaign.version}"` } }),
    "GET /api/campaigns/{id}/serials": (r) => page(r.query.get("failing") === "true" ? failing : lines),
    "GET /api/case-templates/{id}": () => TEMPLATE,
    "GET /api/cases/{id}": () => PARENT,
    "GET /api/campaigns/{id}/progress": () => ({
      totals: campaign.counts,
      org_units: [{ org_unit_id: null, code: null, name: null, lines: 2, open: 1, closed: 1 }],
    }),
    "GET /api/cases": () => page([aCase({ campaign_id: campaign.id, serial_number: "SN-1" })]),
  };
}

describe("the campaign list", () => {
  it("sends the state and text filters and links each campaign", async () => {
    const seen = stubApi({ "GET /api/campaigns": () => page([CAMPAIGN]) });
    renderAt("/campaigns", "viewer");
    expect(await screen.findByRole("link", { name: "GASKET" })).toHaveAttribute("href", `/campaigns/${ID}`);
    expect(screen.queryByRole("link", { name: "New campaign" })).toBeNull();
    await userEvent.selectOptions(screen.getByLabelText("State"), "released");
    await userEvent.type(screen.getByLabelText("Code or name"), "gasket");
    await userEvent.click(screen.getByRole("button", { name: "Search" }));
    await waitFor(() => expect(seen.at(-1)?.query.get("q")).toBe("gasket"));
    expect(seen.at(-1)?.query.get("state")).toBe("released");
    expect(seen.at(-1)?.query.get("sort")).toBe("code");
  });
});

describe("creating a campaign", () => {
  const options: StubRoutes = {
    "GET /api/case-templates": () => page([TEMPLATE]),
    "GET /api/cases": () => page([PARENT]),
  };

  async function fillIn() {
    renderAt("/campaigns/new", "admin");
    await screen.findByRole("option", { name: "Service campaign" });
    await screen.findByRole("option", { name: "CA-000000 — Gasket recall" });
    await userEvent.type(screen.getByLabelText("Code"), "GASKET");
    await userEvent.type(screen.getByLabelText("Name"), "Burner gasket");
    await userEvent.selectOptions(screen.getByLabelText("Case template"), TEMPLATE.id);
    await userEvent.selectOptions(screen.getByLabelText("Parent case"), PARENT.id);
    await userEvent.type(screen.getByLabelText("Cause code"), "RC-7");
    await userEvent.click(screen.getByLabelText("Use customer from customer order"));
    await userEvent.click(screen.getByRole("button", { name: "Add a translation" }));
    await userEvent.type(screen.getByLabelText("Language 1 (e.g. sv)"), "sv");
    await userEvent.type(screen.getByLabelText("Name in language 1"), "Brännarpackning");
  }

  it("posts the definition and opens the campaign's serial numbers", async () => {
    const seen = stubApi({
      ...campaignReads(),
      ...options,
      "POST /api/campaigns": () => ({ status: 201, body: CAMPAIGN }),
    });
    await fillIn();
    await userEvent.click(screen.getByRole("button", { name: "Create campaign" }));
    const post = seen.find((r) => r.method === "POST");
    expect(post?.body).toEqual({
      code: "GASKET",
      name: "Burner gasket",
      translations: { sv: "Brännarpackning" },
      template_id: TEMPLATE.id,
      parent_case_id: PARENT.id,
      use_customer_from_order: true,
      cause_code: "RC-7",
    });
    expect(await screen.findByRole("heading", { level: 1, name: "GASKET — Burner gasket" })).toBeInTheDocument();
    expect(screen.getByLabelText("Serial numbers, one a line")).toBeInTheDocument();
  });

  it("shows the API's message next to the field it names", async () => {
    stubApi({
      ...options,
      "POST /api/campaigns": () => ({
        status: 409,
        body: { title: "Conflict", status: 409, detail: "a campaign with code 'GASKET' exists", field: "code", request_id: "req-1" },
      }),
    });
    await fillIn();
    await userEvent.click(screen.getByRole("button", { name: "Create campaign" }));
    const code = screen.getByLabelText("Code");
    await waitFor(() => expect(code).toHaveAttribute("aria-invalid", "true"));
    expect(code).toHaveAccessibleDescription(expect.stringContaining("a campaign with code 'GASKET' exists"));
    expect(screen.getByText("Conflict").closest("[role=alert]")).toHaveTextContent("req-1");
  });
});

describe("serial numbers", () => {
  it("adds a pasted list and uploads a CSV file as text/csv", async () => {
    const summary = { added: 2, duplicates: 0, failing: 1, cases_opened: 0, cases_pending: 0 };
    const seen = stubApi({
      ...campaignReads(),
      "POST /api/campaigns/{id}/serials": () => summary,
      "POST /api/campaigns/{id}/serials/upload": () => ({ ...summary, added: 3 }),
    });
    renderAt(`/campaigns/${ID}/serials`, "admin");
    await userEvent.type(await screen.findByLabelText("Serial numbers, one a line"), "SN-1{enter}SN-2;P-9");
    await userEvent.click(screen.getByRole("button", { name: "Add 2 serial numbers" }));
    expect(await screen.findByText(/Added: 2; already there: 0; failing validation: 1/)).toBeInTheDocument();
    expect(seen.find((r) => r.path.endsWith("/serials") && r.method === "POST")?.body).toEqual({
      serial_numbers: [
        { serial_number: "SN-1", product_number: "" },
        { serial_number: "SN-2", product_number: "P-9" },
      ],
    });

    const file = new File(["serial_number\nSN-3\nSN-4\nSN-5\n"], "serials.csv", { type: "text/csv" });
    await userEvent.upload(screen.getByLabelText("CSV file"), file);
    await userEvent.click(screen.getByRole("button", { name: "Upload file" }));
    expect(await screen.findByText(/Added: 3/)).toBeInTheDocument();
    const upload = seen.find((r) => r.path.endsWith("/serials/upload"));
    expect(upload?.headers.get("Content-Type")).toBe("text/csv");
    expect(upload?.body).toBe("serial_number\nSN-3\nSN-4\nSN-5\n");
  });

  it("removes a line without a case, naming its product", async () => {
    const seen = stubApi({
      ...campaignReads(CAMPAIGN, [aLine({ serial_number: "SN-9", product_number: "P-1" }), aLine({ serial_number: "SN-8", position: 2, case_id: "c" })]),
      "DELETE /api/campaigns/{id}/serials/{serial}": () => ({ status: 204 }),
    });
    renderAt(`/campaigns/${ID}/serials`, "admin");
    await userEvent.click(await screen.findByRole("button", { name: "Remove SN-9" }));
    expect(screen.queryByRole("button", { name: "Remove SN-8" })).toBeNull(); // it has its case
    const removal = seen.find((r) => r.method === "DELETE");
    expect(removal?.path).toBe(`/api/campaigns/${ID}/serials/SN-9`);
    expect(removal?.query.get("product_number")).toBe("P-1");
  });
});

describe("validation and release", () => {
  const failingLines = [
    aLine({ serial_number: "SN-X", position: 2, problem: "not_found", problem_detail: "no serial item SN-X" }),
    aLine({ serial_number: "SN-Y", position: 3, problem: "ambiguous", problem_detail: "on P-1, P-2" }),
  ];

  it("lists every failing serial number with its reason and keeps release disabled", async () => {
    const failing = aCampaign({ counts: { lines: 3, failing: 2, cases_open: 0, cases_closed: 0 } });
    const seen = stubApi(campaignReads(failing, [], failingLines));
    renderAt(`/campaigns/${ID}/validation`, "admin");
    const report = await screen.findByRole("table", { name: "Failing serial numbers of GASKET" });
    const rowX = (await within(report).findByText("SN-X")).closest("tr") as HTMLElement;
    expect(rowX).toHaveTextContent("Not found: no serial item has this number");
    const rowY = within(report).getByText("SN-Y").closest("tr") as HTMLElement;
    expect(rowY).toHaveTextContent("Ambiguous: the number exists on several products");
    expect(rowY).toHaveTextContent("on P-1, P-2");
    expect(seen.some((r) => r.path.endsWith("/serials") && r.query.get("failing") === "true")).toBe(true);
    const release = screen.getByRole("button", { name: "Release campaign" });
    expect(release).toBeDisabled();
    expect(release).toHaveAccessibleDescription(/Release is not possible while 2 serial numbers fail/);
  });

  it("validates and shows the outcome by reason", async () => {
    const seen = stubApi({
      ...campaignReads(),
      "POST /api/campaigns/{id}/validate": () => ({ lines: 3, failing: 2, problems: { not_found: 1, inactive: 1 } }),
    });
    renderAt(`/campaigns/${ID}/validation`, "admin");
    await userEvent.click(await screen.findByRole("button", { name: "Validate" }));
    const result = await screen.findByText("Serial numbers checked: 3; failing: 2.");
    const box = result.closest("[role=status]") as HTMLElement;
    expect(box).toHaveTextContent("Inactive: the item is inactive or scrapped: 1");
    expect(seen.some((r) => r.method === "POST" && r.path.endsWith("/validate"))).toBe(true);
  });

  it("shows a refused release's reason with the report", async () => {
    const seen = stubApi({
      ...campaignReads(),
      "POST /api/campaigns/{id}/release": () => ({
        status: 409,
        body: {
          title: "Conflict",
          status: 409,
          detail: "1 of 2 serial numbers fail validation; remove or fix them before release",
          field: "serial_numbers",
          failing: 1,
          problems: { inactive: 1 },
          request_id: "req-9",
        },
      }),
    });
    renderAt(`/campaigns/${ID}/validation`, "admin");
    await userEvent.click(await screen.findByRole("button", { name: "Release campaign" }));
    const refusal = await screen.findByText("The release was refused");
    const alert = refusal.closest("[role=alert]") as HTMLElement;
    expect(alert).toHaveTextContent("1 of 2 serial numbers fail validation");
    expect(alert).toHaveTextContent("Inactive: the item is inactive or scrapped: 1");
    expect(alert).toHaveTextContent("req-9");
    expect(seen.find((r) => r.path.endsWith("/release"))?.headers.get("If-Match")).toBe('"3"');
  });

  it("goes on releasing while cases are pending, with each answer's ETag", async () => {
    let calls = 0;
    const released = aCampaign({ state: "released", version: 4 });
    const seen = stubApi({
      ...campaignReads(),
      "POST /api/campaigns/{id}/release": () => {
        calls += 1;
        return calls === 1
          ? { status: 202, body: { campaign: released, done: 1000, pending: 500 }, headers: { ETag: '"4"' } }
          : { status: 200, body: { campaign: released, done: 500, pending: 0 }, headers: { ETag: '"4"' } };
      },
    });
    renderAt(`/campaigns/${ID}/validation`, "admin");
    await userEvent.click(await screen.findByRole("button", { name: "Release campaign" }));
    expect(await screen.findByText("Released: 1500 cases opened.")).toBeInTheDocument();
    const releases = seen.filter((r) => r.path.endsWith("/release"));
    expect(releases.map((r) => r.headers.get("If-Match"))).toEqual(['"3"', '"4"']);
  });

  it("offers to continue a release that stopped midway", async () => {
    const stopped = aCampaign({ state: "released", counts: { lines: 10, failing: 0, cases_open: 6, cases_closed: 0 } });
    stubApi(campaignReads(stopped));
    renderAt(`/campaigns/${ID}/validation`, "admin");
    expect(await screen.findByText(/4 serial numbers have no case yet/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Continue release" })).toBeEnabled();
  });
});

describe("roles", () => {
  const ACTIONS = [
    "Edit campaign",
    "Validate",
    "Release campaign",
    "Continue release",
    "Close campaign",
    "Close case",
    "Upload file",
    "Remove SN-1",
    "New campaign",
  ];

  function expectNoActions() {
    for (const name of ACTIONS) expect(screen.queryByRole("button", { name })).toBeNull();
    expect(screen.queryByRole("button", { name: /^Add / })).toBeNull();
  }

  it("a viewer reads every tab and sees no action button", async () => {
    const released = aCampaign({ state: "released", counts: { lines: 2, failing: 1, cases_open: 1, cases_closed: 0 } });
    stubApi(campaignReads(released, [aLine()], [aLine({ problem: "not_found" })]));
    for (const tab of ["", "/serials", "/validation", "/progress"]) {
      const { unmount } = renderAt(`/campaigns/${ID}${tab}`, "viewer");
      await screen.findByRole("heading", { level: 1, name: "GASKET — Burner gasket" });
      await screen.findAllByRole("table").catch(() => undefined);
      await waitFor(() => expect(screen.queryByText("Loading…")).toBeNull());
      expectNoActions();
      unmount();
    }
  });

  it("an operator closes a case by hand with a reason, and nothing else", async () => {
    const released = aCampaign({ state: "released", counts: { lines: 1, failing: 0, cases_open: 1, cases_closed: 0 } });
    const seen = stubApi({
      ...campaignReads(released),
      "POST /api/cases/{id}/close": () => aCase({ status: "closed" }),
    });
    renderAt(`/campaigns/${ID}/progress`, "operator");
    await userEvent.click(await screen.findByRole("button", { name: "Close case CA-000001" }));
    expect(screen.queryByRole("button", { name: "Close campaign" })).toBeNull();
    const dialog = screen.getByRole("dialog", { name: "Close case CA-000001" });
    await userEvent.type(within(dialog).getByLabelText("Reason"), "Replaced by the customer");
    await userEvent.selectOptions(within(dialog).getByLabelText("Outcome"), "cancelled");
    await userEvent.click(within(dialog).getByRole("button", { name: "Close the case" }));
    const close = seen.find((r) => r.method === "POST" && r.path.endsWith("/close"));
    expect(close?.body).toEqual({ reason: "Replaced by the customer", outcome: "cancelled" });
    expect(close?.headers.get("If-Match")).toBe('"1"');
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  });

  it("shows progress per org unit with its bar", async () => {
    stubApi(campaignReads(aCampaign({ state: "released" })));
    renderAt(`/campaigns/${ID}/progress`, "viewer");
    const table = await screen.findByRole("table", { name: "Cases per org unit" });
    expect(within(table).getByRole("rowheader")).toHaveTextContent("No org unit");
    expect(within(table).getByRole("progressbar", { name: "Share of cases closed in No org unit" })).toHaveAttribute("value", "50");
  });
});

describe("changing a campaign", () => {
  it("lets a released campaign change only its texts, sent with If-Match", async () => {
    const released = aCampaign({ state: "released", version: 5 });
    const seen = stubApi({
      ...campaignReads(released),
      "GET /api/case-templates": () => page([TEMPLATE]),
      "GET /api/cases": () => page([PARENT]),
      "PATCH /api/campaigns/{id}": () => ({ status: 200, body: { ...released, version: 6, cause_code: "RC-8" }, headers: { ETag: '"6"' } }),
    });
    renderAt(`/campaigns/${ID}`, "admin");
    await userEvent.click(await screen.findByRole("button", { name: "Edit campaign" }));
    expect(screen.getByLabelText("Case template")).toBeDisabled();
    expect(screen.getByLabelText("Parent case")).toBeDisabled();
    expect(screen.getByLabelText("Use customer from customer order")).toBeDisabled();
    const cause = screen.getByLabelText("Cause code");
    expect(cause).toBeEnabled();
    await userEvent.clear(cause);
    await userEvent.type(cause, "RC-8");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    const patch = seen.find((r) => r.method === "PATCH");
    expect(patch?.body).toEqual({ cause_code: "RC-8" });
    expect(patch?.headers.get("If-Match")).toBe('"5"');
    expect(await screen.findByText("Saved.")).toBeInTheDocument();
  });

  it("shows a closed campaign without Edit even to an admin", async () => {
    stubApi(campaignReads(aCampaign({ state: "closed" })));
    renderAt(`/campaigns/${ID}`, "admin");
    await screen.findByText("Service campaign");
    expect(screen.queryByRole("button", { name: "Edit campaign" })).toBeNull();
  });
});

describe("case templates", () => {
  it("an admin creates one and deactivates one with its version", async () => {
    const seen = stubApi({
      "GET /api/case-templates": () => page([TEMPLATE]),
      "POST /api/case-templates": () => ({ status: 201, body: { ...TEMPLATE, id: "t2", name: "Recall" } }),
      "POST /api/case-templates/{id}/deactivate": () => ({ ...TEMPLATE, active: false, version: 2 }),
    });
    renderAt("/campaigns/templates", "admin");
    await userEvent.type(await screen.findByLabelText("Name"), "Recall");
    await userEvent.click(screen.getByLabelText("Cause description"));
    await userEvent.click(screen.getByRole("button", { name: "Create template" }));
    expect(await screen.findByText("Template Recall created.")).toBeInTheDocument();
    expect(seen.find((r) => r.method === "POST")?.body).toEqual({
      name: "Recall",
      case_type: "service_campaign",
      required_fields: ["cause_description"],
    });
    await userEvent.click(screen.getByRole("button", { name: "Deactivate Service campaign" }));
    const off = seen.find((r) => r.path.endsWith("/deactivate"));
    expect(off?.headers.get("If-Match")).toBe('"1"');
    expect(await screen.findByRole("button", { name: "Activate Service campaign" })).toBeInTheDocument();
  });

  it("a viewer reads them without buttons", async () => {
    stubApi({ "GET /api/case-templates": () => page([TEMPLATE]) });
    renderAt("/campaigns/templates", "viewer");
    const table = await screen.findByRole("table", { name: "Case templates" });
    await waitFor(() => expect(within(table).getAllByRole("row")).toHaveLength(2));
    expect(within(table).getAllByRole("row")[1]).toHaveTextContent("Cause code");
    expect(screen.queryByRole("button", { name: /Deactivate|Create template/ })).toBeNull();
  });
});

describe("a technician", () => {
  it("is told campaigns are not theirs, without asking the API", async () => {
    const seen = stubApi({});
    renderAt("/campaigns", "technician");
    expect(screen.getByRole("alert")).toHaveTextContent("You may not do this.");
    expect(seen).toHaveLength(0);
  });
});

describe("in Swedish", () => {
  it("gives the failing serial numbers' reasons in Swedish", async () => {
    await i18n.changeLanguage("sv");
    try {
      stubApi(campaignReads(aCampaign({ counts: { lines: 1, failing: 1, cases_open: 0, cases_closed: 0 } }), [], [aLine({ problem: "inactive" })]));
      renderAt(`/campaigns/${ID}/validation`, "admin");
      const report = await screen.findByRole("table", { name: "Underkända serienummer i GASKET" });
      expect(await within(report).findByText("Inaktivt: enheten är inaktiv eller skrotad")).toBeInTheDocument();
      expect(screen.getByRole("button", { name: "Släpp kampanjen" })).toBeDisabled();
    } finally {
      await i18n.changeLanguage("en");
    }
  });
});

describe("closing and exporting", () => {
  it("closes a released campaign, going on while cases are pending", async () => {
    let calls = 0;
    const released = aCampaign({ state: "released", version: 7, counts: { lines: 2, failing: 0, cases_open: 2, cases_closed: 0 } });
    const seen = stubApi({
      ...campaignReads(released),
      "POST /api/campaigns/{id}/close": () => {
        calls += 1;
        const closed = { ...released, state: "closed", version: 8 };
        return calls === 1
          ? { status: 202, body: { campaign: closed, done: 1, pending: 1 }, headers: { ETag: '"8"' } }
          : { status: 200, body: { campaign: closed, done: 1, pending: 0 }, headers: { ETag: '"8"' } };
      },
    });
    renderAt(`/campaigns/${ID}/progress`, "admin");
    await userEvent.click(await screen.findByRole("button", { name: "Close campaign" }));
    const dialog = screen.getByRole("dialog", { name: "Close campaign GASKET?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Close campaign and its cases" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    const closes = seen.filter((r) => r.path.endsWith(`/campaigns/${ID}/close`));
    expect(closes.map((r) => r.headers.get("If-Match"))).toEqual(['"7"', '"8"']);
  });

  it("exports the campaign's cases with the filters shown", async () => {
    const createObjectURL = vi.fn(() => "blob:cases");
    Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() });
    const save = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => undefined);
    const seen = stubApi({
      ...campaignReads(aCampaign({ state: "released" })),
      "GET /api/cases/export.csv": () => ({ status: 200, body: "number\n", headers: { "Content-Disposition": 'attachment; filename="cases.csv"' } }),
    });
    renderAt(`/campaigns/${ID}/progress`, "viewer");
    await userEvent.selectOptions(await screen.findByLabelText("Status"), "open");
    await userEvent.click(screen.getByRole("button", { name: "Export CSV" }));
    await waitFor(() => expect(save).toHaveBeenCalled());
    expect(createObjectURL).toHaveBeenCalled();
    const exported = seen.find((r) => r.path === "/api/cases/export.csv");
    expect(exported?.query.get("campaign_id")).toBe(ID);
    expect(exported?.query.get("status")).toBe("open");
  });
});
