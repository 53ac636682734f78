import { describe, expect, it } from "vitest";

import {
  draftFrom,
  emptyDraft,
  formFieldName,
  formFields,
  moveStep,
  newStep,
  previewServiceType,
  removeStep,
  scheduleBody,
  serviceTypeBody,
  wholeNumber,
} from "./draft";
import { PRODUCT, SAVED, STEP_A, STEP_B } from "./fixtures";
import { filterServiceTypes } from "./listFilter";
import { insertAt } from "./placeholders";

describe("a draft to the API's body", () => {
  it("sends back a saved type as it was, step ids kept and anchors as positions", () => {
    const body = serviceTypeBody(draftFrom(SAVED), true);
    expect(body).toEqual({
      display_name: "Annual inspection",
      display_name_translations: { sv: "Årlig besiktning" },
      system_name: "annual_inspection",
      enabled: true,
      approval_method: "manual",
      print_tag: null,
      steps: [
        {
          step_id: STEP_A,
          description: "Inspection",
          schedule: { kind: "yearly", anchor: "startup", day: 15, month: 3 },
          initial: { email_subject: "Time for {{ serial_number }}" },
          on_completion: {},
          price: { amount: "1250.00", currency: "SEK" },
        },
        {
          step_id: STEP_B,
          description: "Reminder",
          schedule: { kind: "after", anchor: "step", anchor_step_position: 0, span: 1, period: "months", limit_repetitions: 2 },
          initial: { sms_text: "Remember" },
          on_completion: {},
        },
      ],
      links: [{ main_product_id: PRODUCT, apply_to_main_product: true, related_product_ids: [], pre_code: "X1" }],
    });
  });

  it("leaves step ids out of a create and of the preview", () => {
    const draft = draftFrom(SAVED);
    expect(serviceTypeBody(draft, false).steps?.map((s) => s.step_id)).toEqual([undefined, undefined]);
    const preview = previewServiceType(draft);
    expect(preview.steps?.map((s) => s.step_id)).toEqual([undefined, undefined]);
    expect(preview.links).toEqual([]);
  });

  it("keeps an anchor on its step when the steps are reordered", () => {
    const steps = moveStep(draftFrom(SAVED).steps, 1, -1);
    expect(steps.map((s) => s.description)).toEqual(["Reminder", "Inspection"]);
    expect(scheduleBody(steps[0]!.schedule, steps).anchor_step_position).toBe(1);
  });

  it("drops the anchor of steps that counted from a removed step", () => {
    const steps = removeStep(draftFrom(SAVED).steps, 0);
    expect(steps).toHaveLength(1);
    expect(scheduleBody(steps[0]!.schedule, steps)).toMatchObject({ anchor: "step", anchor_step_position: null });
  });

  it("sends only the fields of the schedule's kind", () => {
    const step = newStep("x");
    const schedule = { ...step.schedule, repeat: true, repeatEvery: "2", repeatPeriod: "years" as const, limit: true, limitRepetitions: "4" };
    expect(scheduleBody({ ...schedule, kind: "never" }, [])).toEqual({ kind: "never", anchor: "startup" });
    expect(scheduleBody({ ...schedule, kind: "monthly", day: "31", repeatPeriod: "months" }, [])).toEqual({
      kind: "monthly",
      anchor: "startup",
      day: 31,
      repeat_every: 2,
      repeat_period: "months",
      limit_repetitions: 4,
    });
    expect(scheduleBody({ ...schedule, kind: "exact_date", exactDate: "2027-05-01", repeat: false, limit: false }, [])).toEqual({
      kind: "exact_date",
      anchor: "startup",
      exact_date: "2027-05-01",
    });
  });

  it("sends an empty number as null and a typed one as it is, for the API to judge", () => {
    expect(wholeNumber("")).toBeNull();
    expect(wholeNumber(" 12 ")).toBe(12);
    expect(wholeNumber("1.5")).toBe(1.5);
  });

  it("gives every visible input a field name and maps the API's names to them", () => {
    const draft = { ...emptyDraft(), steps: draftFrom(SAVED).steps };
    const fields = formFields(draft);
    expect(fields).toContain("steps.1.schedule.anchor_step_position");
    expect(fields).toContain("steps.0.schedule.month");
    expect(fields).not.toContain("steps.0.schedule.span");
    expect(fields).toContain("steps.1.initial.sms_text");
    expect(formFieldName("service_type.steps.1.schedule.span", "service_type.")).toBe("steps.1.schedule.span");
    expect(formFieldName("steps.2.schedule.anchor_step_id")).toBe("steps.2.schedule.anchor_step_position");
  });
});

describe("small helpers", () => {
  it("inserts a placeholder over the selection", () => {
    expect(insertAt("Hello !", "{{ name }}", 6, 6)).toEqual({ text: "Hello {{ name }}!", caret: 16 });
    expect(insertAt("abc", "X", 1, 2)).toEqual({ text: "aXc", caret: 2 });
    expect(insertAt("abc", "X", 10, 10)).toEqual({ text: "abcX", caret: 4 });
  });

  it("filters the list by name, translation, enabled and approval", () => {
    const other = { ...SAVED, id: "x", display_name: "Recall", system_name: "recall", enabled: false, display_name_translations: {}, approval_method: "automatic" as const };
    const all = [SAVED, other];
    expect(filterServiceTypes(all, { text: "besikt", enabled: "any", approval: "any" })).toEqual([SAVED]);
    expect(filterServiceTypes(all, { text: "", enabled: "no", approval: "any" })).toEqual([other]);
    expect(filterServiceTypes(all, { text: "", enabled: "any", approval: "manual" })).toEqual([SAVED]);
  });
});
