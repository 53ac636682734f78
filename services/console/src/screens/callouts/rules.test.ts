import { describe, expect, it } from "vitest";

import { allows, canCreateServiceOrder, enabledFor, hasError, isSending, qualifying } from "./rules";
import { STATES, type ActionName, type CalloutState } from "./types";

const at = (state: CalloutState, sendRequested = false) => ({
  state,
  send_requested_at: sendRequested ? "2026-11-30T08:00:00Z" : null,
});

// The scheduling README's table, state by state: the states each action is allowed from.
const ALLOWED: Record<ActionName, CalloutState[]> = {
  approve: ["awaiting_approval"],
  "send-now": ["awaiting_approval", "approved"],
  "mark-completed": STATES.filter((s) => s !== "completed" && s !== "cancelled"),
  cancel: STATES.filter((s) => s !== "completed" && s !== "cancelled"),
  resend: ["failed", "sms_setup_missing", "email_settings_missing", "preferred_communication_not_possible", "nothing_to_send"],
  synchronize: ["sent", "failed", "awaiting_approval", "approved"],
  "update-recipient": ["failed", "blocked_by_allowed_methods"],
  "update-recipient-and-synchronize": ["sent", "failed", "awaiting_approval", "approved"],
};

describe("which state allows which action", () => {
  for (const [action, states] of Object.entries(ALLOWED) as [ActionName, CalloutState[]][]) {
    for (const state of STATES) {
      const expected = states.includes(state);
      it(`${action} ${expected ? "is allowed" : "is refused"} in ${state}`, () => {
        expect(allows(action, at(state))).toBe(expected);
      });
    }
  }

  it("send now is refused while the message is on its way", () => {
    expect(isSending(at("approved", true))).toBe(true);
    expect(allows("send-now", at("approved", true))).toBe(false);
    expect(allows("send-now", at("awaiting_approval", true))).toBe(true);
  });
});

describe("a selection's buttons", () => {
  it("are all disabled without a selection", () => {
    for (const action of Object.keys(ALLOWED) as ActionName[]) expect(enabledFor(action, [])).toBe(false);
  });

  it("approve is enabled when at least one selected callout awaits approval", () => {
    expect(enabledFor("approve", [at("sent"), at("awaiting_approval")])).toBe(true);
    expect(enabledFor("approve", [at("sent"), at("approved")])).toBe(false);
    expect(qualifying("approve", [at("sent"), at("awaiting_approval"), at("awaiting_approval")])).toBe(2);
  });

  it("mark as completed and cancel need every selected callout to qualify", () => {
    expect(enabledFor("mark-completed", [at("sent"), at("failed")])).toBe(true);
    expect(enabledFor("mark-completed", [at("sent"), at("completed")])).toBe(false);
    expect(enabledFor("cancel", [at("approved"), at("cancelled")])).toBe(false);
    expect(enabledFor("cancel", [at("approved")])).toBe(true);
  });

  it("resend is enabled by one resendable callout", () => {
    expect(enabledFor("resend", [at("sent"), at("nothing_to_send")])).toBe(true);
    expect(enabledFor("resend", [at("blocked_by_allowed_methods")])).toBe(false);
  });
});

describe("one callout's dialogs", () => {
  it("shows an error only in an error state", () => {
    expect(hasError(at("failed"))).toBe(true);
    expect(hasError(at("blocked_by_allowed_methods"))).toBe(true);
    expect(hasError(at("sent"))).toBe(false);
  });

  it("asks for a service order once, and not for a finished callout", () => {
    expect(canCreateServiceOrder(at("sent"))).toBe(true);
    expect(canCreateServiceOrder(at("completed"))).toBe(false);
    expect(canCreateServiceOrder(at("failed_at_completion"))).toBe(false);
    expect(canCreateServiceOrder({ ...at("approved"), service_order_requested_at: "2026-11-30T08:00:00Z" })).toBe(false);
  });
});
