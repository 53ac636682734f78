import { describe, expect, it } from "vitest";

import { MESSAGES } from "./messages";

describe("the admin screen's texts", () => {
  it("has every English text in Swedish too, and no Swedish text without an English one", () => {
    expect(Object.keys(MESSAGES.sv).sort()).toEqual(Object.keys(MESSAGES.en).sort());
  });

  it("leaves no Swedish text blank", () => {
    expect(Object.entries(MESSAGES.sv).filter(([, text]) => text.trim() === "")).toEqual([]);
  });
});
