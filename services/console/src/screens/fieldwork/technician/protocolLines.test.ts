import { describe, expect, it } from "vitest";

import { decimalText, emptyWork, itemsBody, worksBody } from "./protocolLines";

describe("the protocol's lines as the API takes them", () => {
  it("sends free-text items with their quantity as a decimal string", () => {
    expect(
      itemsBody([
        { key: "a", product_id: null, description: " Seal kit ", quantity: "1,5", unit: "pcs " },
        { key: "b", product_id: "p-1", description: "", quantity: "2", unit: "m" },
      ]),
    ).toEqual({
      items: [
        { description: "Seal kit", quantity: "1.5", unit: "pcs" },
        { product_id: "p-1", quantity: "2", unit: "m" },
      ],
    });
  });

  it("reads decimals written with a comma", () => {
    expect(decimalText(" 0,25 ")).toBe("0.25");
  });

  it("sends works with whole minutes and their day; an empty time lets the server name it", () => {
    const row = { ...emptyWork("2026-11-30"), description: "Replaced seal", minutes: "30" };
    expect(worksBody([row, { ...row, minutes: "" }])).toEqual({
      works: [
        { description: "Replaced seal", minutes: 30, work_date: "2026-11-30" },
        { description: "Replaced seal", minutes: -1, work_date: "2026-11-30" },
      ],
    });
  });
});
