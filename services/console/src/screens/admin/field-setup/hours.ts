// Working hours as a technician form shows them: per ISO weekday ("1" Monday .. "7"
// Sunday) a line of intervals, "08:00-12:00, 12:30-16:30"; an empty line is a day off.
import type { components } from "../../../api/schema";

export type Interval = components["schemas"]["Interval"];
export type WorkingHours = Record<string, Interval[]>;

export const ISO_WEEKDAYS = ["1", "2", "3", "4", "5", "6", "7"] as const;

export function formatIntervals(intervals: readonly Interval[] | undefined): string {
  return (intervals ?? []).map((i) => `${i.start}-${i.end}`).join(", ");
}

/** The intervals of a line, or the first piece that is not "HH:MM-HH:MM". */
export function parseIntervals(text: string): { intervals: Interval[] } | { invalid: string } {
  const intervals: Interval[] = [];
  for (const piece of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const match = /^(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})$/.exec(piece);
    if (!match) return { invalid: piece };
    const pad = (time: string) => time.padStart(5, "0");
    intervals.push({ start: pad(match[1] as string), end: pad(match[2] as string) });
  }
  return { intervals };
}

/** The lines per weekday as the API's working hours (days off left out), or the first
 * weekday whose line does not read. */
export function workingHoursOf(lines: Record<string, string>): { hours: WorkingHours } | { day: string; invalid: string } {
  const hours: WorkingHours = {};
  for (const day of ISO_WEEKDAYS) {
    const parsed = parseIntervals(lines[day] ?? "");
    if ("invalid" in parsed) return { day, invalid: parsed.invalid };
    if (parsed.intervals.length) hours[day] = parsed.intervals;
  }
  return { hours };
}

export function linesOf(hours: WorkingHours | undefined): Record<string, string> {
  return Object.fromEntries(ISO_WEEKDAYS.map((day) => [day, formatIntervals(hours?.[day])]));
}

/** A coordinate typed in a form: blank is none, a comma is a decimal point. */
export function coordinate(text: string): number | null | "invalid" {
  const trimmed = text.trim().replace(",", ".");
  if (trimmed === "") return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : "invalid";
}
