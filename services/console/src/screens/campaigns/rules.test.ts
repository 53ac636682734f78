import { describe, expect, it } from "vitest";

import { closesCases, managesCampaigns } from "./roles";
import {
  closedPercent,
  createBody,
  editableFields,
  emptyForm,
  etagOfVersion,
  formOf,
  parseSerialList,
  patchBody,
  pendingLines,
  problemCounts,
  problemKey,
  releaseBlock,
} from "./rules";
import type { Campaign } from "./types";

const campaign: Campaign = {
  id: "c1",
  version: 3,
  code: "GASKET",
  name: "Burner gasket",
  translations: { sv: "Brännarpackning" },
  template_id: "t1",
  parent_case_id: "p1",
  use_customer_from_order: false,
  our_reference: "Quality",
  cause_code: "RC-7",
  cause_description: null,
  state: "draft",
  created_at: "2026-11-30T10:00:00Z",
  created_by: "dev",
  updated_at: "2026-11-30T10:00:00Z",
  released_at: null,
  released_by: null,
  closed_at: null,
  closed_by: null,
};

describe("the create body", () => {
  it("trims, leaves empty optional texts out and maps the translation rows", () => {
    const body = createBody({
      ...emptyForm(),
      code: " GASKET ",
      name: " Burner gasket ",
      template_id: "t1",
      parent_case_id: "p1",
      cause_code: "RC-7",
      our_reference: "  ",
      translations: [
        { locale: "sv", name: "Brännarpackning" },
        { locale: "", name: "" },
      ],
    });
    expect(body).toEqual({
      code: "GASKET",
      name: "Burner gasket",
      translations: { sv: "Brännarpackning" },
      template_id: "t1",
      parent_case_id: "p1",
      use_customer_from_order: false,
      cause_code: "RC-7",
    });
  });

  it("sends a half-filled translation so the API names it", () => {
    const body = createBody({ ...emptyForm(), translations: [{ locale: "de", name: "" }] });
    expect(body.translations).toEqual({ de: "" });
  });
});

describe("what a state lets change", () => {
  it("a draft everything, a released campaign its texts, a closed one nothing", () => {
    expect(editableFields("draft").has("template_id")).toBe(true);
    expect(editableFields("released").has("template_id")).toBe(false);
    expect(editableFields("released").has("cause_code")).toBe(true);
    expect(editableFields("closed").size).toBe(0);
  });

  it("patches only the changed fields the state allows; an emptied text is null", () => {
    const form = { ...formOf(campaign), name: "Gasket", our_reference: "", template_id: "t2" };
    expect(patchBody(campaign, form)).toEqual({ name: "Gasket", our_reference: null, template_id: "t2" });
    expect(patchBody({ ...campaign, state: "released" }, form)).toEqual({ name: "Gasket", our_reference: null });
    expect(patchBody(campaign, formOf(campaign))).toEqual({});
  });

  it("patches the translations when one changed", () => {
    const form = { ...formOf(campaign), translations: [{ locale: "sv", name: "Packning" }] };
    expect(patchBody(campaign, form)).toEqual({ translations: { sv: "Packning" } });
  });
});

describe("a pasted list of serial numbers", () => {
  it("reads one a line, with an optional product number after , ; or tab", () => {
    expect(parseSerialList("SN-1\r\n\n  SN-2 ; P-9\nSN-3\tP-8\nSN-4,\n")).toEqual([
      { serial_number: "SN-1", product_number: "" },
      { serial_number: "SN-2", product_number: "P-9" },
      { serial_number: "SN-3", product_number: "P-8" },
      { serial_number: "SN-4", product_number: "" },
    ]);
    expect(parseSerialList(" \n,P-1\n")).toEqual([]);
  });
});

describe("validation and release", () => {
  const counts = { lines: 3, failing: 1, cases_open: 0, cases_closed: 0 };

  it("a draft is not released while a line fails or without lines", () => {
    expect(releaseBlock("draft", counts)).toBe("failing");
    expect(releaseBlock("draft", { ...counts, lines: 0, failing: 0 })).toBe("no_lines");
    expect(releaseBlock("draft", { ...counts, failing: 0 })).toBeNull();
    expect(releaseBlock("released", { ...counts, failing: 0 })).toBe("not_draft");
  });

  it("counts the passing lines still without a case", () => {
    expect(pendingLines({ lines: 10, failing: 1, cases_open: 5, cases_closed: 2 })).toBe(2);
    expect(pendingLines({ lines: 1, failing: 0, cases_open: 1, cases_closed: 0 })).toBe(0);
  });

  it("names every known problem and falls back for a new one", () => {
    expect(problemKey("not_found")).toBe("problem.not_found");
    expect(problemKey("no_initial_order_customer")).toBe("problem.no_initial_order_customer");
    expect(problemKey("something_new")).toBe("problem.other");
  });

  it("orders problem counts biggest first and ignores what is not a count", () => {
    expect(problemCounts({ inactive: 1, not_found: 4, junk: "x", zero: 0 })).toEqual([
      ["not_found", 4],
      ["inactive", 1],
    ]);
    expect(problemCounts(undefined)).toEqual([]);
  });
});

describe("progress and versions", () => {
  it("gives the closed share in whole percent", () => {
    expect(closedPercent(0, 0)).toBe(0);
    expect(closedPercent(2, 1)).toBe(33);
    expect(closedPercent(0, 5)).toBe(100);
  });

  it("writes a version as the ETag the API gives", () => {
    expect(etagOfVersion(7)).toBe('"7"');
  });
});

describe("who manages campaigns", () => {
  const user = (roles: string[], org_units: string[] = []) => ({ id: "u", username: "u", display_name: "U", roles, org_units });

  it("an unrestricted admin manages; operators and admins close cases", () => {
    expect(managesCampaigns(user(["admin"]))).toBe(true);
    expect(managesCampaigns(user(["admin"], ["N-1"]))).toBe(false); // a campaign spans org units
    expect(managesCampaigns(user(["operator"]))).toBe(false);
    expect(managesCampaigns(null)).toBe(false);
    expect(closesCases(user(["operator"]))).toBe(true);
    expect(closesCases(user(["viewer"]))).toBe(false);
  });
});
