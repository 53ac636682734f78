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

// --- the filters in the address: a list can be linked, and Back returns to it as it was --

const LIST_KEYS: Record<"states" | "serviceTypeIds" | "orgUnits", string> = {
  states: "state",
  serviceTypeIds: "service_type_id",
  orgUnits: "org_unit",
};
const TEXT_KEYS: Record<Exclude<keyof Filters, keyof typeof LIST_KEYS>, string> = {
  scheduledFrom: "scheduled_from",
  scheduledTo: "scheduled_to",
  approvedFrom: "approved_from",
  approvedTo: "approved_to",
  completedFrom: "completed_from",
  completedTo: "completed_to",
  customer: "customer",
  customerId: "customer_id",
  step: "step",
  serialItemId: "serial_item_id",
};

/** The address's query for the filters and sort. The scheduled-for bounds are always
 * written, empty when cleared, so a link without a window stays without one. */
export function searchOf(filters: Filters, sort: string): URLSearchParams {
  const params = new URLSearchParams();
  for (const [field, key] of Object.entries(LIST_KEYS) as [keyof typeof LIST_KEYS, string][]) {
    for (const value of filters[field]) params.append(key, value);
  }
  for (const [field, key] of Object.entries(TEXT_KEYS) as [keyof typeof TEXT_KEYS, string][]) {
    const value = filters[field].trim();
    if (value || field === "scheduledFrom" || field === "scheduledTo") params.set(key, value);
  }
  params.set("sort", sort);
  return params;
}

/** The filters an address names; `defaults` when it names none (a plain /callouts). */
export function filtersFromSearch(params: URLSearchParams, defaults: Filters): Filters {
  const keys = [...Object.values(LIST_KEYS), ...Object.values(TEXT_KEYS)];
  if (!keys.some((key) => params.has(key))) return defaults;
  const filters: Filters = { ...NO_FILTERS };
  filters.states = params.getAll(LIST_KEYS.states) as CalloutState[];
  filters.serviceTypeIds = params.getAll(LIST_KEYS.serviceTypeIds);
  filters.orgUnits = params.getAll(LIST_KEYS.orgUnits);
  for (const [field, key] of Object.entries(TEXT_KEYS) as [keyof typeof TEXT_KEYS, string][]) {
    filters[field] = params.get(key) ?? "";
  }
  return filters;
}
