import { describe, expect, it } from "vitest";

import { ProblemError } from "../../../api/problem";
import { bookingConflicts, canOverride } from "./conflicts";

describe("booking conflicts from a 409", () => {
  it("reads overlaps and working hours", () => {
    const error = new ProblemError(409, {
      title: "Conflict",
      detail: "overlaps booking …",
      conflicts: [
        { kind: "overlap", booking_id: "b", order_id: "o", order_number: "SO-000007", starts_at: "2026-12-01T09:00:00+00:00", ends_at: "2026-12-01T10:00:00+00:00" },
        { kind: "working_hours", weekday: 2, working_hours: [{ start: "08:00", end: "12:00" }, { start: "13:00", end: "16:00" }] },
      ],
    });
    expect(bookingConflicts(error)).toEqual([
      { kind: "overlap", orderNumber: "SO-000007", startsAt: "2026-12-01T09:00:00+00:00", endsAt: "2026-12-01T10:00:00+00:00" },
      { kind: "working_hours", hours: ["08:00–12:00", "13:00–16:00"] },
    ]);
    expect(canOverride(error)).toBe(true);
  });

  it("offers no override for other refusals", () => {
    expect(bookingConflicts(new ProblemError(409, { title: "Conflict", detail: "the order is completed" }))).toEqual([]);
    expect(canOverride(new ProblemError(422, { title: "Invalid", conflicts: [{ kind: "overlap" }] }))).toBe(false);
    expect(canOverride(undefined)).toBe(false);
  });
});
