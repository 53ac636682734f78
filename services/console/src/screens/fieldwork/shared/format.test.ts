import { describe, expect, it } from "vitest";

import { addDays, clock, durationParts, minutesOf, mondayOf, shortTime, todayIso } from "./format";

describe("date and time helpers", () => {
  it("walks days across months and finds the week's Monday", () => {
    expect(addDays("2026-11-30", 1)).toBe("2026-12-01");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(mondayOf("2026-11-30")).toBe("2026-11-30"); // a Monday
    expect(mondayOf("2026-12-06")).toBe("2026-11-30"); // its Sunday
    expect(mondayOf("2026-12-02")).toBe("2026-11-30");
  });

  it("reads and writes clock times", () => {
    expect(minutesOf("08:30")).toBe(510);
    expect(minutesOf("16:45:00")).toBe(1005);
    expect(clock(510)).toBe("08:30");
    expect(clock(-10)).toBe("00:00");
    expect(clock(24 * 60)).toBe("23:59");
    expect(shortTime("09:05:00")).toBe("09:05");
  });

  it("gives today and durations", () => {
    expect(todayIso(new Date(2026, 0, 5, 23, 59))).toBe("2026-01-05");
    expect(durationParts(3900)).toEqual({ hours: 1, minutes: 5 });
  });
});
