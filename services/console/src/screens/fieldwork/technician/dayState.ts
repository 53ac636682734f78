// The day an order was opened from travels in the router's state, so "back" returns to it.

export interface DayState {
  date: string;
}

export function dayState(date: string): DayState {
  return { date };
}

/** The day from a location's state, when it holds one (it is `unknown`: anything). */
export function dayOfState(state: unknown): string | undefined {
  if (typeof state !== "object" || state === null || !("date" in state)) return undefined;
  const date = (state as { date: unknown }).date;
  return typeof date === "string" && /^\d{4}-\d{2}-\d{2}$/.test(date) ? date : undefined;
}
