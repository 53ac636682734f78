import { describe, expect, it } from "vitest";

import type { components } from "../../api/schema";
import {
  blankToNull,
  blankUserForm,
  formatDateTime,
  hourMinute,
  insertAt,
  isE164,
  placeholderToken,
  splitList,
  tabsFor,
  toggled,
  userCreateBody,
  userFormOf,
  userPatchBody,
  versionTag,
} from "./rules";

type User = components["schemas"]["UserAdminOut"];

const eva: User = {
  id: "u1",
  username: "eva",
  display_name: "Eva Ek",
  roles: ["operator"],
  org_units: ["N-1"],
  email: "eva@example.com",
  mobile: null,
  active: true,
  version: 3,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

describe("tabs per role", () => {
  it("gives everyone My settings and only admins the rest", () => {
    expect(tabsFor(["viewer"])).toEqual(["me"]);
    expect(tabsFor(["technician"])).toEqual(["me"]);
    expect(tabsFor(["operator"])).toEqual(["me"]);
    expect(tabsFor(["admin"])).toEqual(["me", "users", "org-units", "templates", "sending", "field-setup"]);
    expect(tabsFor([])).toEqual([]);
  });
});

describe("form helpers", () => {
  it("toggles an item in a list without repeats", () => {
    expect(toggled(["a"], "b", true)).toEqual(["a", "b"]);
    expect(toggled(["a", "b"], "a", false)).toEqual(["b"]);
    expect(toggled(["a"], "a", true)).toEqual(["a"]);
  });

  it("reads blank as none", () => {
    expect(blankToNull("  ")).toBeNull();
    expect(blankToNull(" x ")).toBe("x");
  });

  it("knows E.164", () => {
    expect(isE164("+46701234567")).toBe(true);
    expect(isE164("0701234567")).toBe(false);
    expect(isE164("+0701234567")).toBe(false);
  });

  it("quotes a version as the API's ETag", () => {
    expect(versionTag(4)).toBe('"4"');
  });

  it("splits addresses on commas, semicolons and lines", () => {
    expect(splitList("a@x.se, b@x.se;\n c@x.se ,, ")).toEqual(["a@x.se", "b@x.se", "c@x.se"]);
  });

  it("cuts seconds off a time", () => {
    expect(hourMinute("08:30:00")).toBe("08:30");
  });

  it("formats a date and time, or nothing", () => {
    expect(formatDateTime(null, "en")).toBe("");
    expect(formatDateTime("2026-03-01T10:00:00Z", "en")).toContain("2026");
  });
});

describe("user bodies", () => {
  it("creates with roles and org units, leaving blanks out", () => {
    const form = { ...blankUserForm(), username: " kim ", password: "secret-secret", roles: ["viewer"], org_units: ["N-1", "S-2"] };
    expect(userCreateBody(form)).toEqual({ username: "kim", password: "secret-secret", roles: ["viewer"], org_units: ["N-1", "S-2"] });
    expect(userCreateBody({ ...form, display_name: "Kim", mobile: "+46701234567" })).toMatchObject({ display_name: "Kim", mobile: "+46701234567" });
  });

  it("patches only what changed; an emptied e-mail is removed with null", () => {
    const form = userFormOf(eva);
    expect(userPatchBody(eva, form)).toEqual({});
    expect(userPatchBody(eva, { ...form, roles: ["operator", "admin"], email: "" })).toEqual({ roles: ["operator", "admin"], email: null });
    expect(userPatchBody(eva, { ...form, org_units: [], active: false, display_name: "Eva E" })).toEqual({
      org_units: [],
      active: false,
      display_name: "Eva E",
    });
  });

  it("ignores the order of roles", () => {
    const user = { ...eva, roles: ["admin", "operator"] };
    expect(userPatchBody(user, { ...userFormOf(user), roles: ["operator", "admin"] })).toEqual({});
  });
});

describe("placeholders", () => {
  it("inserts at the caret, replacing a selection", () => {
    expect(insertAt("Hello !", 6, 6, placeholderToken("name"))).toEqual({ text: "Hello {{ name }}!", caret: 16 });
    expect(insertAt("Hello XX", 6, 8, "Y")).toEqual({ text: "Hello Y", caret: 7 });
    expect(insertAt("ab", 99, 99, "c")).toEqual({ text: "abc", caret: 3 });
  });
});
