// Which status buttons the phone offers: a mirror of field work's transition table
// (services/fieldwork/src/fieldwork/orders/domain.py, `_FROM` and `act`). The server stays
// the judge: an action it refuses anyway (a 409) is shown with its reason.
import type { components } from "../../../api/schema";

export type OrderAction = components["schemas"]["Action"];
export type TechnicianStatus = components["schemas"]["TechnicianStatus"];
export type Stage = components["schemas"]["Stage"];

/** The statuses each action may start from (cancel: any order not yet final). */
const FROM: Record<Exclude<OrderAction, "cancel">, readonly TechnicianStatus[]> = {
  depart: ["planned"],
  arrive: ["en_route"],
  start_work: ["on_site", "en_route"],
  break: ["working"],
  resume: ["break"],
  customer_absent: ["en_route", "on_site"],
  // A planner may complete a planned order whose technician recorded nothing.
  complete: ["planned", "en_route", "on_site", "working", "break"],
};

/** The buttons in the order a technician goes through a visit. */
export const ACTION_ORDER: readonly OrderAction[] = [
  "depart",
  "arrive",
  "start_work",
  "break",
  "resume",
  "complete",
  "customer_absent",
  "cancel",
];

const FINAL: readonly Stage[] = ["completed", "cancelled"];

/** Whether `action` applies to an order in `stage` with technician `status`. */
export function actionApplies(action: OrderAction, stage: Stage, status: TechnicianStatus | null): boolean {
  if (FINAL.includes(stage)) return false;
  if (action === "cancel") return true;
  if (status === null) return false;
  return FROM[action].includes(status);
}

/** The actions the API allows from this state, in visiting order. */
export function allowedActions(stage: Stage, status: TechnicianStatus | null): OrderAction[] {
  return ACTION_ORDER.filter((action) => actionApplies(action, stage, status));
}

/** Actions that end or undo the visit: they ask for a confirmation first. */
export function needsConfirmation(action: OrderAction): boolean {
  return action === "cancel" || action === "customer_absent";
}

/** The badge class of a status (ok, warn, danger or plain). */
export function statusTone(status: TechnicianStatus | null, stage: Stage): string {
  if (stage === "cancelled" || status === "cancelled") return "badge badge-danger";
  if (stage === "completed" || status === "done") return "badge badge-ok";
  if (status === "working" || status === "on_site" || status === "en_route" || status === "break") {
    return "badge badge-warn";
  }
  return "badge";
}
