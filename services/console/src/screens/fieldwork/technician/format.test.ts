import { describe, expect, it } from "vitest";

import { addressLine, campaignName, localToday, longDay, mapsLink, shiftDay, shortTime, sizeText } from "./format";

describe("the phone view's formatting", () => {
  it("writes an address from the parts there are", () => {
    expect(addressLine({ street: "Storgatan 1", postal_code: "111 22", city: "Stockholm" })).toBe(
      "Storgatan 1, 111 22 Stockholm",
    );
    expect(addressLine({ street: "", city: "Lund" })).toBe("Lund");
    expect(addressLine(null)).toBe("");
  });

  it("links coordinates with geo: and otherwise searches the address", () => {
    expect(mapsLink({ latitude: 59.33, longitude: 18.06, street: "x" })).toBe("geo:59.33,18.06");
    expect(mapsLink({ street: "Storgatan 1", city: "Lund", country: "SE" })).toBe(
      "https://www.openstreetmap.org/search?query=Storgatan%201%2C%20Lund%2C%20SE",
    );
    expect(mapsLink({ street: "" })).toBeUndefined();
  });

  it("steps days across months and years", () => {
    expect(shiftDay("2026-11-30", 1)).toBe("2026-12-01");
    expect(shiftDay("2026-01-01", -1)).toBe("2025-12-31");
    expect(shiftDay("2028-02-28", 1)).toBe("2028-02-29");
  });

  it("shortens times and names days in the user's language", () => {
    expect(shortTime("09:05:00")).toBe("09:05");
    expect(longDay("2026-11-30", "en-GB")).toMatch(/^Monday,? 30 November 2026$/);
    expect(longDay("2026-11-30", "sv")).toMatch(/^måndag 30 november 2026$/);
  });

  it("gives today on the device's calendar", () => {
    expect(localToday(new Date(2026, 0, 5, 23, 30))).toBe("2026-01-05");
  });

  it("writes file sizes", () => {
    expect(sizeText(2048, "en")).toBe("2 kB");
    expect(sizeText(3 * 1024 * 1024, "en")).toBe("3 MB");
  });

  it("prefers the campaign's translation", () => {
    const c = { campaign_name: "Pump recall", translations: { sv: "Pumpåterkallelse" } };
    expect(campaignName(c, "sv")).toBe("Pumpåterkallelse");
    expect(campaignName(c, "en")).toBe("Pump recall");
  });
});

describe("the day an order was opened from", () => {
  it("is read back from the router's state, and only when it is a day", async () => {
    const { dayOfState, dayState } = await import("./dayState");
    expect(dayOfState(dayState("2026-12-01"))).toBe("2026-12-01");
    expect(dayOfState(null)).toBeUndefined();
    expect(dayOfState({ date: "javascript:alert(1)" })).toBeUndefined();
  });
});
