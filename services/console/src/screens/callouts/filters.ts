// The list's filters as the user edits them, and the query the API takes from them
// (GET /api/callouts, its export and approve-all share the same parameters). Pure.
import type { CalloutState } from "./types";

export interface Filters {
  states: CalloutState[];
  serviceTypeIds: string[];
  orgUnits: string[];
  scheduledFrom: string;
  scheduledTo: string;
  approvedFrom: string;
  approvedTo: string;
  completedFrom: string;
  completedTo: string;
  customer: string;
  customerId: string;
  step: string;
  serialItemId: string;
}

/** The scheduling service's default window for "scheduled for"
 * (SCHEDULING_LIST_DEFAULT_PAST_DAYS back, SCHEDULING_LIST_DEFAULT_DAYS ahead): the list
 * opens with it filled in, so the user sees the window and can widen it. */
export const DEFAULT_PAST_DAYS = 30;
export const DEFAULT_AHEAD_DAYS = 30;

/** A day as the API takes it (YYYY-MM-DD), in the browser's calendar. */
export function isoDay(day: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
}

export function addDays(day: Date, days: number): Date {
  const next = new Date(day.getFullYear(), day.getMonth(), day.getDate());
  next.setDate(next.getDate() + days);
  return next;
}

export const NO_FILTERS: Filters = {
  states: [],
  serviceTypeIds: [],
  orgUnits: [],
  scheduledFrom: "",
  scheduledTo: "",
  approvedFrom: "",
  approvedTo: "",
  completedFrom: "",
  completedTo: "",
  customer: "",
  customerId: "",
  step: "",
  serialItemId: "",
};

/** What the list opens with: the default "scheduled for" window around `today`. On one
 * item's tab every callout of the item shows, so there is no window. */
export function defaultFilters(today: Date, forItem = false): Filters {
  if (forItem) return { ...NO_FILTERS };
  return {
    ...NO_FILTERS,
    scheduledFrom: isoDay(addDays(today, -DEFAULT_PAST_DAYS)),
    scheduledTo: isoDay(addDays(today, DEFAULT_AHEAD_DAYS)),
  };
}

/** The query parameters of the filters (empty ones left out, lists repeated). */
export type FilterQuery = Partial<{
  state: CalloutState[];
  service_type_id: string[];
  org_unit: string[];
  scheduled_from: string;
  scheduled_to: string;
  approved_from: string;
  approved_to: string;
  completed_from: string;
  completed_to: string;
  customer: string;
  customer_id: string;
  step: string;
  serial_item_id: string;
}>;

export function toQuery(filters: Filters, serialItemId?: string): FilterQuery {
  const query: FilterQuery = {};
  const text = (value: string) => value.trim() || undefined;
  if (filters.states.length) query.state = [...filters.states];
  if (filters.serviceTypeIds.length) query.service_type_id = [...filters.serviceTypeIds];
  if (filters.orgUnits.length) query.org_unit = [...filters.orgUnits];
  const pairs: [keyof FilterQuery, string][] = [
    ["scheduled_from", filters.scheduledFrom],
    ["scheduled_to", filters.scheduledTo],
    ["approved_from", filters.approvedFrom],
    ["approved_to", filters.approvedTo],
    ["completed_from", filters.completedFrom],
    ["completed_to", filters.completedTo],
    ["customer", filters.customer],
    ["customer_id", filters.customerId],
    ["step", filters.step],
  ];
  for (const [key, value] of pairs) {
    const v = text(value);
    if (v !== undefined) (query as Record<string, string>)[key] = v;
  }
  const item = serialItemId ?? text(filters.serialItemId);
  if (item) query.serial_item_id = item;
  return query;
}

/** How many filters differ from none (shown on the filter panel's summary). */
export function activeCount(filters: Filters): number {
  return Object.values(toQuery(filters)).length;
}

/** The API's name of each filter input, for errors that name a query parameter. */
export const FILTER_FIELDS = [
  "state",
  "service_type_id",
  "org_unit",
  "scheduled_from",
  "scheduled_to",
  "approved_from",
  "approved_to",
  "completed_from",
  "completed_to",
  "customer",
  "customer_id",
  "step",
  "serial_item_id",
] as const;
