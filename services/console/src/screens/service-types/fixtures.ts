// Test data: a saved service type as the API answers it.
import type { ServiceTypeOut } from "./draft";

export const STEP_A = "11111111-1111-1111-1111-111111111111";
export const STEP_B = "22222222-2222-2222-2222-222222222222";
export const PRODUCT = "33333333-3333-3333-3333-333333333333";

export const SAVED: ServiceTypeOut = {
  id: "99999999-9999-9999-9999-999999999999",
  version: 3,
  system_name: "annual_inspection",
  display_name: "Annual inspection",
  display_name_translations: { sv: "Årlig besiktning" },
  enabled: true,
  approval_method: "manual",
  print_tag: null,
  steps: [
    {
      step_id: STEP_A,
      position: 0,
      description: "Inspection",
      schedule: { kind: "yearly", anchor: "startup", day: 15, month: 3 },
      initial: { email_subject: "Time for {{ serial_number }}" },
      on_completion: {},
      price: { amount: "1250.00", currency: "SEK" },
    },
    {
      step_id: STEP_B,
      position: 1,
      description: "Reminder",
      schedule: { kind: "after", anchor: "step", anchor_step_id: STEP_A, span: 1, period: "months", limit_repetitions: 2 },
      initial: { sms_text: "Remember" },
      on_completion: {},
    },
  ],
  links: [{ main_product_id: PRODUCT, apply_to_main_product: true, related_product_ids: [], pre_code: "X1" }],
  sms: [],
};
