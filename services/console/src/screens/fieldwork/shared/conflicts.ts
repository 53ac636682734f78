// A booking refused by field work's rules (409 with `conflicts`: an overlap with another
// booking, or outside the technician's working hours) read from the problem, so a screen
// can name each conflict and offer the override with a reason.
import { asProblem } from "../../../api/problem";

export interface OverlapConflict {
  kind: "overlap";
  orderNumber: string;
  startsAt: string;
  endsAt: string;
}

export interface WorkingHoursConflict {
  kind: "working_hours";
  /** The technician's working hours that day, "08:00–16:00"; empty on a day off. */
  hours: string[];
}

export type BookingConflict = OverlapConflict | WorkingHoursConflict;

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

/** The conflicts a 409 names; empty for any other error (then there is nothing to override). */
export function bookingConflicts(error: unknown): BookingConflict[] {
  if (!error) return [];
  const problem = asProblem(error);
  if (problem.status !== 409 || !Array.isArray(problem.body.conflicts)) return [];
  const found: BookingConflict[] = [];
  for (const raw of problem.body.conflicts as unknown[]) {
    const member = record(raw);
    if (member.kind === "overlap") {
      found.push({
        kind: "overlap",
        orderNumber: String(member.order_number ?? ""),
        startsAt: String(member.starts_at ?? ""),
        endsAt: String(member.ends_at ?? ""),
      });
    } else if (member.kind === "working_hours") {
      const spans = Array.isArray(member.working_hours) ? member.working_hours : [];
      found.push({
        kind: "working_hours",
        hours: spans.map((span) => {
          const s = record(span);
          return `${String(s.start ?? "")}–${String(s.end ?? "")}`;
        }),
      });
    }
  }
  return found;
}

/** Whether the error is a refusal the planner may override with a reason. */
export function canOverride(error: unknown): boolean {
  return bookingConflicts(error).length > 0;
}
