// What an action on a selection answered, made ready to show: the acted and the skipped
// rows with their reasons, named by serial number and step where the list has the row.
// Pure.
import { ProblemError } from "../../api/problem";
import type { ActionName, Callout, RowResult, SelectionResult } from "./types";

export interface Outcome {
  action: ActionName;
  /** The server refused the whole selection (409): nothing was done. */
  refused: boolean;
  acted: RowResult[];
  skipped: RowResult[];
  /** The refusal's own words, when refused. */
  detail?: string;
  requestId?: string;
}

function isRowResult(value: unknown): value is RowResult {
  return typeof value === "object" && value !== null && typeof (value as { id?: unknown }).id === "string";
}

export function fromResult(action: ActionName, result: SelectionResult): Outcome {
  return { action, refused: false, acted: result.acted, skipped: result.skipped };
}

/** A 409 naming `ids` carries the rows it would have skipped; anything else is not an
 * outcome (undefined): the caller shows it as an error. */
export function fromRefusal(action: ActionName, error: unknown): Outcome | undefined {
  if (!(error instanceof ProblemError) || error.status !== 409) return undefined;
  const skipped = Array.isArray(error.body.skipped) ? error.body.skipped.filter(isRowResult) : [];
  return { action, refused: true, acted: [], skipped, detail: error.title, requestId: error.requestId };
}

/** How a row of the result is named: its serial number and step from the list, else its id. */
export function rowName(id: string, rows: readonly Callout[]): string | undefined {
  const row = rows.find((r) => r.id === id);
  if (!row) return undefined;
  return [row.serial_number, row.step_description, row.scheduled_for].filter(Boolean).join(" · ");
}

/** The selection after an action: the rows acted on are deselected, the skipped stay
 * selected (the user may want to act on them otherwise). */
export function remainingSelection(selected: ReadonlySet<string>, outcome: Outcome): Set<string> {
  const acted = new Set(outcome.acted.map((r) => r.id));
  return new Set([...selected].filter((id) => !acted.has(id)));
}
