import { describe, expect, it } from "vitest";

import { allowedActions, changedFields } from "./orderRules";

describe("the order's buttons", () => {
  it("offers only cancel to a new order", () => {
    expect(allowedActions({ stage: "new", status: null })).toEqual(["cancel"]);
  });
  it("follows the technician status", () => {
    expect(allowedActions({ stage: "planned", status: "planned" })).toEqual(["depart", "complete", "cancel"]);
    expect(allowedActions({ stage: "planned", status: "en_route" })).toEqual(["arrive", "start_work", "customer_absent", "complete", "cancel"]);
    expect(allowedActions({ stage: "planned", status: "working" })).toEqual(["break", "complete", "cancel"]);
  });
  it("offers nothing on a final order", () => {
    expect(allowedActions({ stage: "completed", status: "done" })).toEqual([]);
    expect(allowedActions({ stage: "cancelled", status: "cancelled" })).toEqual([]);
  });
  it("sends only changed fields", () => {
    expect(changedFields({ a: "x", b: null, c: 1 }, { a: "x", b: "y", c: 2 })).toEqual({ b: "y", c: 2 });
    expect(changedFields({ a: null }, { a: undefined })).toEqual({});
  });
});
