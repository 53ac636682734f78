// When each callout action is enabled: the scheduling service's state machine
// (services/scheduling/src/scheduling/domain.py, TRANSITIONS and SELECTION_RULES) mirrored
// for the buttons. The server decides anyway; these rules only keep a button from
// offering what it would refuse. Pure, unit-tested in rules.test.ts.
import type { ActionName, Callout, CalloutState } from "./types";

/** The states with an error to show (domain.ERROR_STATES). */
export const ERROR_STATES: ReadonlySet<CalloutState> = new Set<CalloutState>([
  "failed",
  "failed_at_completion",
  "blocked_by_allowed_methods",
  "sms_setup_missing",
  "email_settings_missing",
  "preferred_communication_not_possible",
  "nothing_to_send",
]);

const FINISHED: ReadonlySet<CalloutState> = new Set<CalloutState>(["completed", "cancelled"]);

/** "Resend selected messages": the seed's five states. */
const RESENDABLE: ReadonlySet<CalloutState> = new Set<CalloutState>([
  "failed",
  "sms_setup_missing",
  "email_settings_missing",
  "preferred_communication_not_possible",
  "nothing_to_send",
]);

/** "Synchronize communication info" (and update recipient and synchronize). */
const SYNCHRONIZABLE: ReadonlySet<CalloutState> = new Set<CalloutState>([
  "sent",
  "failed",
  "awaiting_approval",
  "approved",
]);

/** "Update recipient information". */
const RECIPIENT_UPDATABLE: ReadonlySet<CalloutState> = new Set<CalloutState>([
  "failed",
  "blocked_by_allowed_methods",
]);

/** The facts of a callout the rules read. */
export type RuleFacts = Pick<Callout, "state" | "send_requested_at"> &
  Partial<Pick<Callout, "service_order_requested_at" | "service_order_id">>;

/** An approved callout handed to notifications with no result yet: its message is on its
 * way, so "send now" would send it twice (domain.transition's `sending`). */
export function isSending(callout: RuleFacts): boolean {
  return callout.state === "approved" && !!callout.send_requested_at;
}

/** Whether `action` applies to this one callout. */
export function allows(action: ActionName, callout: RuleFacts): boolean {
  const { state } = callout;
  switch (action) {
    case "approve":
      return state === "awaiting_approval";
    case "send-now":
      return state === "awaiting_approval" || (state === "approved" && !isSending(callout));
    case "mark-completed":
    case "cancel":
      return !FINISHED.has(state);
    case "resend":
      return RESENDABLE.has(state);
    case "update-recipient":
      return RECIPIENT_UPDATABLE.has(state);
    case "synchronize":
    case "update-recipient-and-synchronize":
      return SYNCHRONIZABLE.has(state);
  }
}

/** How a selection is treated: "any" acts on the rows that qualify and skips the rest;
 * "all" is refused by the server when one row does not qualify. */
export const SELECTION_RULE: Record<ActionName, "any" | "all"> = {
  approve: "any",
  "send-now": "any",
  "mark-completed": "all",
  cancel: "all",
  resend: "any",
  synchronize: "any",
  "update-recipient": "any",
  "update-recipient-and-synchronize": "any",
};

/** Whether the button of `action` is enabled for the selected callouts: at least one
 * qualifies ("any"), or every one does ("all"); never for an empty selection. */
export function enabledFor(action: ActionName, selected: readonly RuleFacts[]): boolean {
  if (selected.length === 0) return false;
  return SELECTION_RULE[action] === "all"
    ? selected.every((c) => allows(action, c))
    : selected.some((c) => allows(action, c));
}

/** How many of the selection the action would act on. */
export function qualifying(action: ActionName, selected: readonly RuleFacts[]): number {
  return selected.filter((c) => allows(action, c)).length;
}

/** "Show error": only in an error state. */
export function hasError(callout: RuleFacts): boolean {
  return ERROR_STATES.has(callout.state);
}

/** "Create service order": not for a completed, cancelled or failed-at-completion
 * callout, and one order per callout ever (the server refuses a second request). */
export function canCreateServiceOrder(callout: RuleFacts): boolean {
  if (FINISHED.has(callout.state) || callout.state === "failed_at_completion") return false;
  return !callout.service_order_requested_at && !callout.service_order_id;
}

/** The actions of the list's toolbar, in the order shown. */
export const BULK_ACTIONS: readonly ActionName[] = [
  "approve",
  "send-now",
  "mark-completed",
  "cancel",
  "resend",
  "synchronize",
];
