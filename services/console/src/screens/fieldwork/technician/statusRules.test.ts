import { describe, expect, it } from "vitest";

import { actionApplies, allowedActions, statusTone } from "./statusRules";

describe("the status buttons mirror field work's transition table", () => {
  it.each([
    ["planned", ["depart", "complete", "cancel"]],
    ["en_route", ["arrive", "start_work", "complete", "customer_absent", "cancel"]],
    ["on_site", ["start_work", "complete", "customer_absent", "cancel"]],
    ["working", ["break", "complete", "cancel"]],
    ["break", ["resume", "complete", "cancel"]],
  ] as const)("from %s", (status, expected) => {
    expect(allowedActions("planned", status)).toEqual(expected);
  });

  it("offers only cancel on a new order without a status", () => {
    expect(allowedActions("new", null)).toEqual(["cancel"]);
  });

  it("offers nothing on a completed or cancelled order", () => {
    expect(allowedActions("completed", "done")).toEqual([]);
    expect(allowedActions("cancelled", "cancelled")).toEqual([]);
    expect(actionApplies("cancel", "completed", "done")).toBe(false);
  });

  it("never lets a planned order arrive or resume", () => {
    expect(actionApplies("arrive", "planned", "planned")).toBe(false);
    expect(actionApplies("resume", "planned", "working")).toBe(false);
  });

  it("colours the badge by where the visit is", () => {
    expect(statusTone("done", "completed")).toBe("badge badge-ok");
    expect(statusTone("cancelled", "cancelled")).toBe("badge badge-danger");
    expect(statusTone("working", "planned")).toBe("badge badge-warn");
    expect(statusTone("planned", "planned")).toBe("badge");
  });
});
