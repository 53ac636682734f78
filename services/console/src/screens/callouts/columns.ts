// Which columns the list shows: the API's column metadata (GET /api/callouts/columns)
// gives the columns and which are hidden by default; the user's choice is remembered in
// localStorage. Pure apart from the storage helpers.
import type { ColumnMeta } from "./types";

export const COLUMNS_STORAGE_KEY = "aftersales.callouts.columns";

/** The keys shown: the stored choice (only keys the API still has, in the API's order),
 * else those not hidden by default. */
export function visibleColumns(meta: readonly ColumnMeta[], stored: readonly string[] | null): string[] {
  const known = meta.map((c) => c.key);
  if (stored) {
    const chosen = known.filter((key) => stored.includes(key));
    if (chosen.length > 0) return chosen;
  }
  return meta.filter((c) => !c.hidden_by_default).map((c) => c.key);
}

/** The choice with one column switched on or off, in the API's order; the last visible
 * column stays (a table without columns shows nothing). */
export function toggleColumn(meta: readonly ColumnMeta[], visible: readonly string[], key: string): string[] {
  const on = visible.includes(key);
  if (on && visible.length === 1) return [...visible];
  return meta.map((c) => c.key).filter((k) => (k === key ? !on : visible.includes(k)));
}

export function loadColumnChoice(storage: Pick<Storage, "getItem"> = localStorage): string[] | null {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(COLUMNS_STORAGE_KEY) ?? "null");
    return Array.isArray(parsed) && parsed.every((k) => typeof k === "string") ? (parsed as string[]) : null;
  } catch {
    return null;
  }
}

export function saveColumnChoice(keys: readonly string[] | null, storage: Pick<Storage, "setItem" | "removeItem"> = localStorage): void {
  if (keys === null) storage.removeItem(COLUMNS_STORAGE_KEY);
  else storage.setItem(COLUMNS_STORAGE_KEY, JSON.stringify(keys));
}

/** The sort the API takes: a field, descending with a leading "-". */
export interface Sort {
  field: string;
  descending: boolean;
}

export const DEFAULT_SORT: Sort = { field: "scheduled_for", descending: false };

export function sortParam(sort: Sort): string {
  return sort.descending ? `-${sort.field}` : sort.field;
}

/** A click on a column's header: that column ascending, or the other way when it is the
 * sort already. */
export function nextSort(current: Sort, field: string): Sort {
  return current.field === field ? { field, descending: !current.descending } : { field, descending: false };
}

/** The sort an address names ("state", "-scheduled_for"), else the default. */
export function sortFromParam(param: string | null): Sort {
  if (!param) return DEFAULT_SORT;
  return param.startsWith("-") ? { field: param.slice(1), descending: true } : { field: param, descending: false };
}
