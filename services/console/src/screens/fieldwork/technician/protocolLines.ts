// The protocol's editable lines (consumed items, works) as the form holds them, and the
// bodies of PUT /items and PUT /works made from them. Pure: unit-tested.
import type { components } from "../../../api/schema";

type ItemOut = components["schemas"]["ItemOut"];
type WorkOut = components["schemas"]["WorkOut"];
export type ItemLineIn = components["schemas"]["ItemLineIn"];
export type WorkLineIn = components["schemas"]["WorkLineIn"];

export interface ItemRow {
  key: string;
  product_id: string | null;
  description: string;
  quantity: string;
  unit: string;
}

export interface WorkRow {
  key: string;
  technician_id: string | null;
  description: string;
  minutes: string;
  work_date: string;
}

let counter = 0;
/** A key for a row React can keep (rows have no id until saved). */
export function rowKey(): string {
  counter += 1;
  return `row-${counter}`;
}

export function itemRows(items: readonly ItemOut[]): ItemRow[] {
  return items.map((item) => ({
    key: item.id,
    product_id: item.product_id,
    description: item.description,
    quantity: plainDecimal(item.quantity),
    unit: item.unit,
  }));
}

export function workRows(works: readonly WorkOut[]): WorkRow[] {
  return works.map((work) => ({
    key: work.id,
    technician_id: work.technician_id,
    description: work.description,
    minutes: String(work.minutes),
    work_date: work.work_date ?? "",
  }));
}

export function emptyItem(): ItemRow {
  return { key: rowKey(), product_id: null, description: "", quantity: "1", unit: "pcs" };
}

export function emptyWork(date: string): WorkRow {
  return { key: rowKey(), technician_id: null, description: "", minutes: "", work_date: date };
}

/** "2.000" -> "2", "1.500" -> "1.5": the API's fixed 3 decimals without trailing zeros. */
export function plainDecimal(value: string): string {
  return value.includes(".") ? value.replace(/\.?0+$/, "") : value;
}

/** "1,5" (a Swedish keyboard) or " 1.5 " -> "1.5"; the server checks the rest. */
export function decimalText(value: string): string {
  return value.trim().replace(",", ".");
}

/** The PUT /items body: a catalog product keeps its id, free text its description. */
export function itemsBody(rows: readonly ItemRow[]): { items: ItemLineIn[] } {
  return {
    items: rows.map((row) => {
      const line: ItemLineIn = { quantity: decimalText(row.quantity), unit: row.unit.trim() };
      if (row.product_id) line.product_id = row.product_id;
      const description = row.description.trim();
      if (description || !row.product_id) line.description = description || null;
      return line;
    }),
  };
}

/** The PUT /works body: minutes as a whole number; an empty or non-numeric entry is sent
 * as -1, which the server refuses naming that line's minutes (shown next to it). */
export function worksBody(rows: readonly WorkRow[]): { works: WorkLineIn[] } {
  return {
    works: rows.map((row) => {
      const minutes = Number(row.minutes.trim());
      const line: WorkLineIn = {
        description: row.description.trim(),
        minutes: Number.isFinite(minutes) && row.minutes.trim() !== "" ? Math.round(minutes) : -1,
        work_date: row.work_date || null,
      };
      if (row.technician_id) line.technician_id = row.technician_id;
      return line;
    }),
  };
}
