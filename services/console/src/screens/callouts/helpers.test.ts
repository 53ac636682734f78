import { describe, expect, it } from "vitest";

import { ProblemError } from "../../api/problem";
import {
  COLUMNS_STORAGE_KEY,
  DEFAULT_SORT,
  loadColumnChoice,
  nextSort,
  saveColumnChoice,
  sortParam,
  toggleColumn,
  visibleColumns,
} from "./columns";
import { activeCount, defaultFilters, NO_FILTERS, toQuery } from "./filters";
import { formatDay, splitList } from "./format";
import { fromRefusal, fromResult, remainingSelection, rowName } from "./outcome";
import { collapseListFields, patchOf } from "./recipient";
import type { Callout, ColumnMeta } from "./types";

const META: ColumnMeta[] = [
  { key: "service_type_name", label: "Service type", hidden_by_default: false, sortable: true, filter: null },
  { key: "state", label: "State", hidden_by_default: false, sortable: true, filter: "state" },
  { key: "created_at", label: "Created on", hidden_by_default: true, sortable: true, filter: null },
];

describe("the default window", () => {
  it("runs 30 days back to 30 days ahead of today", () => {
    const filters = defaultFilters(new Date(2026, 10, 30));
    expect(filters.scheduledFrom).toBe("2026-10-31");
    expect(filters.scheduledTo).toBe("2026-12-30");
    expect(toQuery(filters)).toEqual({ scheduled_from: "2026-10-31", scheduled_to: "2026-12-30" });
  });

  it("is not set on an item's tab (all of its callouts)", () => {
    expect(toQuery(defaultFilters(new Date(), true), "item-1")).toEqual({ serial_item_id: "item-1" });
  });
});

describe("filters to query", () => {
  it("sends every filter by the API's name, lists repeated, blanks left out", () => {
    const query = toQuery({
      ...NO_FILTERS,
      states: ["failed", "sent"],
      serviceTypeIds: ["t1"],
      orgUnits: ["N-1"],
      approvedFrom: "2026-01-01",
      completedTo: "2026-02-01",
      customer: "  Ada ",
      customerId: "c1",
      step: "1st",
      serialItemId: "s1",
    });
    expect(query).toEqual({
      state: ["failed", "sent"],
      service_type_id: ["t1"],
      org_unit: ["N-1"],
      approved_from: "2026-01-01",
      completed_to: "2026-02-01",
      customer: "Ada",
      customer_id: "c1",
      step: "1st",
      serial_item_id: "s1",
    });
    expect(activeCount({ ...NO_FILTERS, step: "x", states: ["sent"] })).toBe(2);
  });
});

describe("column selection", () => {
  it("shows the columns not hidden by default until the user chooses", () => {
    expect(visibleColumns(META, null)).toEqual(["service_type_name", "state"]);
    expect(visibleColumns(META, ["created_at", "gone"])).toEqual(["created_at"]);
    expect(visibleColumns(META, ["gone"])).toEqual(["service_type_name", "state"]);
  });

  it("toggles in the API's order and keeps the last column", () => {
    expect(toggleColumn(META, ["state"], "created_at")).toEqual(["state", "created_at"]);
    expect(toggleColumn(META, ["service_type_name", "state"], "service_type_name")).toEqual(["state"]);
    expect(toggleColumn(META, ["state"], "state")).toEqual(["state"]);
  });

  it("remembers the choice in storage", () => {
    saveColumnChoice(["state"]);
    expect(localStorage.getItem(COLUMNS_STORAGE_KEY)).toBe('["state"]');
    expect(loadColumnChoice()).toEqual(["state"]);
    saveColumnChoice(null);
    expect(loadColumnChoice()).toBeNull();
    localStorage.setItem(COLUMNS_STORAGE_KEY, "{not json");
    expect(loadColumnChoice()).toBeNull();
  });

  it("sorts by a column, then the other way", () => {
    expect(sortParam(DEFAULT_SORT)).toBe("scheduled_for");
    const byState = nextSort(DEFAULT_SORT, "state");
    expect(sortParam(byState)).toBe("state");
    expect(sortParam(nextSort(byState, "state"))).toBe("-state");
  });
});

describe("an action's outcome", () => {
  const rows = [{ id: "a", serial_number: "SN-1", step_description: "1st reminder", scheduled_for: "2026-12-01" }] as Callout[];

  it("names the rows and deselects those acted on", () => {
    const outcome = fromResult("approve", {
      acted: [{ id: "a", state: "approved" }],
      skipped: [{ id: "b", state: "sent", reason: "cannot approve" }],
    });
    expect(rowName("a", rows)).toBe("SN-1 · 1st reminder · 2026-12-01");
    expect(rowName("b", rows)).toBeUndefined();
    expect(remainingSelection(new Set(["a", "b"]), outcome)).toEqual(new Set(["b"]));
  });

  it("reads a refused selection's skipped rows from the 409", () => {
    const refusal = new ProblemError(409, {
      title: "Conflict",
      skipped: [{ id: "a", state: "completed", reason: "cannot cancel" }, "junk"],
      request_id: "r1",
    });
    const outcome = fromRefusal("cancel", refusal);
    expect(outcome?.refused).toBe(true);
    expect(outcome?.skipped).toEqual([{ id: "a", state: "completed", reason: "cannot cancel" }]);
    expect(outcome?.requestId).toBe("r1");
    expect(fromRefusal("cancel", new ProblemError(422, {}))).toBeUndefined();
  });
});

describe("update recipient", () => {
  it("sends the lists split at commas and the methods in order", () => {
    expect(
      patchOf({ emails: "a@x.se, b@y.se,", mobiles: "", allowedMethods: ["sms", "email"], preferredMethod: "" }),
    ).toEqual({ emails: ["a@x.se", "b@y.se"], mobiles: [], allowed_methods: ["email", "sms"], preferred_method: null });
  });

  it("names a list's field for an error about one of its entries", () => {
    const error = collapseListFields(
      new ProblemError(422, { errors: [{ field: "emails.1", message: "not an e-mail" }], field: "emails.1" }),
    ) as ProblemError;
    expect(error.messageFor("emails")).toBe("not an e-mail");
  });
});

describe("formatting", () => {
  it("writes a day without shifting it by the time zone", () => {
    expect(formatDay("2026-12-01", "en-GB")).toBe("1 Dec 2026");
    expect(formatDay("", "en")).toBe("");
  });

  it("splits recipients at commas", () => {
    expect(splitList(" a@x.se ,b@y.se;; ")).toEqual(["a@x.se", "b@y.se"]);
  });
});

describe("the screen's texts", () => {
  it("exist in Swedish for every English key", async () => {
    const i18n = (await import("../../i18n")).default;
    await import("./messages");
    const en = Object.keys(i18n.getResourceBundle("en", "callouts") as Record<string, string>).sort();
    const sv = Object.keys(i18n.getResourceBundle("sv", "callouts") as Record<string, string>).sort();
    expect(sv).toEqual(en);
  });
});

describe("the filters in the address", () => {
  it("round-trip, a cleared window included", async () => {
    const { searchOf, filtersFromSearch } = await import("./filters");
    const { sortFromParam } = await import("./columns");
    const defaults = defaultFilters(new Date(2026, 10, 30));
    const chosen = { ...NO_FILTERS, states: ["failed", "sent"] as const, customer: "Ada", orgUnits: ["N-1"] };
    const params = searchOf({ ...chosen, states: [...chosen.states] }, "-state");
    expect(params.toString()).toBe("state=failed&state=sent&org_unit=N-1&scheduled_from=&scheduled_to=&customer=Ada&sort=-state");
    expect(filtersFromSearch(params, defaults)).toEqual({ ...chosen, states: ["failed", "sent"] });
    expect(sortFromParam(params.get("sort"))).toEqual({ field: "state", descending: true });
    expect(filtersFromSearch(new URLSearchParams(""), defaults)).toBe(defaults);
    expect(filtersFromSearch(new URLSearchParams("sort=state"), defaults)).toBe(defaults);
  });
});
