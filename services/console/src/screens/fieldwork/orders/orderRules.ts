// Which of an order's buttons apply, as field work's rules say (orders/domain.py): the
// server decides in the end (a 409 names why), the screen only offers what can apply.
import type { OrderAction, OrderView, TechnicianStatus } from "../shared/types";

const FROM: Record<Exclude<OrderAction, "cancel">, readonly TechnicianStatus[]> = {
  depart: ["planned"],
  arrive: ["en_route"],
  start_work: ["on_site", "en_route"],
  break: ["working"],
  resume: ["break"],
  customer_absent: ["en_route", "on_site"],
  complete: ["planned", "en_route", "on_site", "working", "break"],
};

export function isFinal(order: Pick<OrderView, "stage">): boolean {
  return order.stage === "completed" || order.stage === "cancelled";
}

/** The status actions that apply to the order now, in the order a visit takes them. */
export function allowedActions(order: Pick<OrderView, "stage" | "status">): OrderAction[] {
  if (isFinal(order)) return [];
  const status = order.status;
  const actions = (Object.keys(FROM) as (keyof typeof FROM)[]).filter(
    (action) => status !== null && FROM[action].includes(status),
  );
  return [...actions, "cancel"];
}

/** The fields of an order form that changed, as a PATCH body (only those are sent). */
export function changedFields<T extends Record<string, unknown>>(before: T, after: T): Partial<T> {
  const changed: Partial<T> = {};
  for (const key of Object.keys(after) as (keyof T)[]) {
    if (JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null)) changed[key] = after[key];
  }
  return changed;
}
