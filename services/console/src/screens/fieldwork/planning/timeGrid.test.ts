import { describe, expect, it } from "vitest";

import type { TechnicianDay } from "../shared/types";
import { DEFAULT_RANGE, gridRange, hourTicks, lanesOf, percentAt, percentWidth, slotAt } from "./timeGrid";

const day = (working: [string, string][], bookings: [string, string][] = []): TechnicianDay => ({
  date: "2026-12-01",
  working_hours: working.map(([start, end]) => ({ start, end })),
  gaps: [],
  bookings: bookings.map(([local_start, local_end], i) => ({
    booking_id: `b${i}`, local_start, local_end, local_date: "2026-12-01", starts_at: "", ends_at: "", order: null, overrides: [], override_reason: null,
  })),
});

describe("the planning's time grid", () => {
  it("spans the working hours and bookings in whole hours, at least 7–17", () => {
    expect(gridRange([])).toEqual(DEFAULT_RANGE);
    expect(gridRange([day([["08:00", "16:00"]])])).toEqual({ start: 420, end: 1020 });
    expect(gridRange([day([["06:30", "15:00"]], [["17:00", "19:15"]])])).toEqual({ start: 360, end: 1200 });
  });

  it("places times on the row", () => {
    const range = { start: 480, end: 1080 }; // 08–18
    expect(percentAt("08:00", range)).toBe(0);
    expect(percentAt("13:00", range)).toBe(50);
    expect(percentAt("20:00", range)).toBe(100);
    expect(percentWidth("09:00", "10:00", range)).toBeCloseTo(10);
  });

  it("turns a drop into a snapped visit inside the row", () => {
    const range = { start: 480, end: 1080 };
    expect(slotAt(0.5, range)).toEqual({ start: "13:00", end: "14:00" });
    expect(slotAt(0.104, range)).toEqual({ start: "09:00", end: "10:00" }); // 09:02 snaps to 09:00
    expect(slotAt(1, range)).toEqual({ start: "17:00", end: "18:00" });
    expect(slotAt(-1, range, 90)).toEqual({ start: "08:00", end: "09:30" });
  });

  it("labels the hours", () => {
    expect(hourTicks({ start: 480, end: 600 })).toEqual(["08:00", "09:00", "10:00"]);
  });
});

describe("bookings side by side", () => {
  it("gives overlapping bookings their own lanes and leaves the others whole", () => {
    const b = (local_start: string, local_end: string) => ({ local_start, local_end });
    expect(lanesOf([b("10:00", "11:00"), b("10:30", "11:30"), b("12:00", "13:00"), b("11:00", "12:00")])).toEqual([
      { lane: 0, of: 2 },
      { lane: 1, of: 2 },
      { lane: 0, of: 1 },
      { lane: 0, of: 2 },
    ]);
    expect(lanesOf([b("08:00", "09:00"), b("09:00", "10:00")])).toEqual([
      { lane: 0, of: 1 },
      { lane: 0, of: 1 },
    ]);
  });
});
