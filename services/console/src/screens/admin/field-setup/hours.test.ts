import { describe, expect, it } from "vitest";

import { coordinate, formatIntervals, linesOf, parseIntervals, workingHoursOf } from "./hours";

describe("working hours in a form", () => {
  it("reads intervals and pads the hour", () => {
    expect(parseIntervals("8:00-12:00, 12:30 – 16:30")).toEqual({
      intervals: [
        { start: "08:00", end: "12:00" },
        { start: "12:30", end: "16:30" },
      ],
    });
    expect(parseIntervals("")).toEqual({ intervals: [] });
    expect(parseIntervals("8-12")).toEqual({ invalid: "8-12" });
  });

  it("leaves days off out and names the day that does not read", () => {
    expect(workingHoursOf({ "1": "08:00-16:00", "2": "", "6": "" })).toEqual({ hours: { "1": [{ start: "08:00", end: "16:00" }] } });
    expect(workingHoursOf({ "1": "08:00-16:00", "3": "morning" })).toEqual({ day: "3", invalid: "morning" });
  });

  it("writes the API's hours back as lines", () => {
    expect(formatIntervals([{ start: "08:00", end: "12:00" }])).toBe("08:00-12:00");
    expect(linesOf({ "5": [{ start: "07:00", end: "15:00" }] })).toMatchObject({ "1": "", "5": "07:00-15:00" });
  });

  it("reads a coordinate", () => {
    expect(coordinate(" ")).toBeNull();
    expect(coordinate("59,33")).toBe(59.33);
    expect(coordinate("north")).toBe("invalid");
  });
});
