import { describe, expect, it } from "vitest";

import { decimalText, emptyWork, itemRows, itemsBody, plainDecimal, worksBody } from "./protocolLines";

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

  it("shows saved quantities without the trailing zeros", () => {
    expect(plainDecimal("2.000")).toBe("2");
    expect(plainDecimal("1.500")).toBe("1.5");
    expect(plainDecimal("10")).toBe("10");
    expect(plainDecimal("100.000")).toBe("100");
    const [row] = itemRows([{ id: "i", position: 1, product_id: null, product_number: null, description: "Seal", quantity: "0.250", unit: "kg" }]);
    expect(row?.quantity).toBe("0.25");
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
