// The editor's working copy of a service type (the "draft") and the pure rules that turn
// it into the API's bodies: inputs keep what the user typed (strings), the body carries
// only the fields the schedule's kind uses, anchors travel as positions (so reordering
// steps keeps them right) and step ids only on an update.
import type { components } from "../../api/schema";

type Schemas = components["schemas"];
export type ServiceTypeOut = Schemas["ServiceTypeOut"];
export type ServiceTypeIn = Schemas["ServiceTypeIn"];
export type StepIn = Schemas["StepIn"];
export type ScheduleIn = Schemas["StepScheduleIn"];
export type MessageSetIn = Schemas["MessageSetIn"];
export type LinkIn = Schemas["ServiceLinkIn"];
export type ScheduleKind = Schemas["ScheduleKind"];
export type Period = Schemas["Period"];
export type ApprovalMethod = Schemas["ApprovalMethod"];

export const SCHEDULE_KINDS: readonly ScheduleKind[] = ["never", "after", "exact_date", "monthly", "yearly"];
export const PERIODS: readonly Period[] = ["days", "months", "years"];
export const MESSAGE_SETS = ["initial", "on_completion"] as const;
export type MessageSetName = (typeof MESSAGE_SETS)[number];
export const MESSAGE_FIELDS = ["email_subject", "email_body", "sms_text", "report", "print_tag", "print_text"] as const;
export type MessageField = (typeof MESSAGE_FIELDS)[number];
/** The texts that may hold placeholders (`report` and `print_tag` are names). */
export const TEMPLATE_FIELDS: readonly MessageField[] = ["email_subject", "email_body", "sms_text", "print_text"];

export type MessageDraft = Record<MessageField, string>;

export interface ScheduleDraft {
  kind: ScheduleKind;
  span: string;
  period: Period;
  anchor: "startup" | "step";
  /** The key of the step an "after step" schedule counts from ("" for none chosen). */
  anchorKey: string;
  exactDate: string;
  day: string;
  month: string;
  repeat: boolean;
  repeatEvery: string;
  repeatPeriod: Period;
  limit: boolean;
  limitRepetitions: string;
}

export interface StepDraft {
  /** Stable while editing (React key, anchor target): the step id, or a local one. */
  key: string;
  /** The saved step's id (kept on update, so callouts keep their step); null when new. */
  stepId: string | null;
  description: string;
  priceAmount: string;
  priceCurrency: string;
  schedule: ScheduleDraft;
  initial: MessageDraft;
  on_completion: MessageDraft;
}

export interface LinkDraft {
  key: string;
  mainProductId: string;
  applyToMainProduct: boolean;
  preCode: string;
  relatedProductIds: string[];
}

export interface TranslationDraft {
  key: string;
  locale: string;
  text: string;
}

export interface Draft {
  displayName: string;
  translations: TranslationDraft[];
  systemName: string;
  enabled: boolean;
  approvalMethod: ApprovalMethod;
  printTag: string;
  steps: StepDraft[];
  links: LinkDraft[];
}

let counter = 0;
/** A key for something not saved yet. */
export function localKey(prefix = "new"): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

const text = (value: string | null | undefined): string => value ?? "";
const digits = (value: number | null | undefined): string => (value === null || value === undefined ? "" : String(value));

export function emptyMessages(): MessageDraft {
  return { email_subject: "", email_body: "", sms_text: "", report: "", print_tag: "", print_text: "" };
}

/** How many texts of a step's two message sets are filled in. */
export function filledMessages(step: Pick<StepDraft, "initial" | "on_completion">): number {
  return MESSAGE_SETS.reduce(
    (sum, set) => sum + MESSAGE_FIELDS.filter((field) => step[set][field].trim() !== "").length,
    0,
  );
}

export function emptySchedule(): ScheduleDraft {
  return {
    kind: "after",
    span: "1",
    period: "years",
    anchor: "startup",
    anchorKey: "",
    exactDate: "",
    day: "1",
    month: "1",
    repeat: false,
    repeatEvery: "1",
    repeatPeriod: "years",
    limit: false,
    limitRepetitions: "1",
  };
}

export function newStep(description = ""): StepDraft {
  return {
    key: localKey("step"),
    stepId: null,
    description,
    priceAmount: "",
    priceCurrency: "SEK",
    schedule: emptySchedule(),
    initial: emptyMessages(),
    on_completion: emptyMessages(),
  };
}

export function newLink(): LinkDraft {
  return { key: localKey("link"), mainProductId: "", applyToMainProduct: true, preCode: "", relatedProductIds: [] };
}

export function emptyDraft(): Draft {
  return {
    displayName: "",
    translations: [],
    systemName: "",
    enabled: true,
    approvalMethod: "manual",
    printTag: "",
    steps: [],
    links: [],
  };
}

function messagesFrom(set: Schemas["MessageSet"]): MessageDraft {
  const out = emptyMessages();
  for (const field of MESSAGE_FIELDS) out[field] = text(set[field]);
  return out;
}

/** The draft of a saved type, as the API answered it. */
export function draftFrom(type: ServiceTypeOut): Draft {
  return {
    displayName: type.display_name,
    translations: Object.entries(type.display_name_translations ?? {}).map(([locale, value]) => ({
      key: localKey("tr"),
      locale,
      text: value,
    })),
    systemName: type.system_name,
    enabled: type.enabled,
    approvalMethod: type.approval_method,
    printTag: text(type.print_tag),
    steps: [...type.steps]
      .sort((a, b) => a.position - b.position)
      .map((step) => {
        const s = step.schedule;
        const defaults = emptySchedule();
        return {
          key: step.step_id,
          stepId: step.step_id,
          description: step.description,
          priceAmount: text(step.price?.amount),
          priceCurrency: step.price?.currency ?? "SEK",
          initial: messagesFrom(step.initial),
          on_completion: messagesFrom(step.on_completion),
          schedule: {
            kind: s.kind,
            span: s.span === null || s.span === undefined ? defaults.span : String(s.span),
            period: s.period ?? defaults.period,
            anchor: s.anchor === "step" ? "step" : "startup",
            anchorKey: text(s.anchor_step_id),
            exactDate: text(s.exact_date),
            day: s.day === null || s.day === undefined ? defaults.day : String(s.day),
            month: s.month === null || s.month === undefined ? defaults.month : String(s.month),
            repeat: s.repeat_every !== null && s.repeat_every !== undefined,
            repeatEvery: digits(s.repeat_every) || defaults.repeatEvery,
            repeatPeriod: s.repeat_period ?? s.period ?? defaults.repeatPeriod,
            limit: s.limit_repetitions !== null && s.limit_repetitions !== undefined,
            limitRepetitions: digits(s.limit_repetitions) || defaults.limitRepetitions,
          },
        };
      }),
    links: type.links.map((link) => ({
      key: localKey("link"),
      mainProductId: link.main_product_id,
      applyToMainProduct: link.apply_to_main_product,
      preCode: text(link.pre_code),
      relatedProductIds: [...link.related_product_ids],
    })),
  };
}

/** A whole number as typed: "" is "not given" (null); anything else goes as a number, so
 * the API names what is wrong with it (a fraction, a negative). */
export function wholeNumber(value: string): number | null {
  const trimmed = value.trim();
  if (trimmed === "") return null;
  const number = Number(trimmed);
  return Number.isFinite(number) ? number : null;
}

const optional = (value: string): string | null => (value.trim() === "" ? null : value);

/** The periods a repeat may use for a schedule kind (the API refuses the others). */
export function repeatPeriods(kind: ScheduleKind): readonly Period[] {
  if (kind === "monthly") return ["months", "years"];
  if (kind === "yearly") return ["years"];
  return PERIODS;
}

export function scheduleBody(schedule: ScheduleDraft, steps: readonly StepDraft[]): ScheduleIn {
  const body: ScheduleIn = { kind: schedule.kind, anchor: "startup" };
  switch (schedule.kind) {
    case "never":
      return body;
    case "after":
      body.span = wholeNumber(schedule.span);
      body.period = schedule.period;
      if (schedule.anchor === "step") {
        body.anchor = "step";
        const position = steps.findIndex((step) => step.key === schedule.anchorKey);
        body.anchor_step_position = position >= 0 ? position : null;
      }
      break;
    case "exact_date":
      body.exact_date = optional(schedule.exactDate);
      break;
    case "monthly":
      body.day = wholeNumber(schedule.day);
      break;
    case "yearly":
      body.day = wholeNumber(schedule.day);
      body.month = wholeNumber(schedule.month);
      break;
  }
  if (schedule.repeat) {
    body.repeat_every = wholeNumber(schedule.repeatEvery);
    body.repeat_period = schedule.repeatPeriod;
  }
  if (schedule.limit) body.limit_repetitions = wholeNumber(schedule.limitRepetitions);
  return body;
}

function messagesBody(messages: MessageDraft): MessageSetIn {
  const body: MessageSetIn = {};
  for (const field of MESSAGE_FIELDS) {
    const value = optional(messages[field]);
    if (value !== null) body[field] = value;
  }
  return body;
}

export function stepBody(step: StepDraft, steps: readonly StepDraft[], withIds: boolean): StepIn {
  const body: StepIn = {
    description: step.description,
    schedule: scheduleBody(step.schedule, steps),
    initial: messagesBody(step.initial),
    on_completion: messagesBody(step.on_completion),
  };
  if (withIds && step.stepId) body.step_id = step.stepId;
  if (step.priceAmount.trim() !== "") {
    body.price = { amount: step.priceAmount.trim(), currency: step.priceCurrency.trim().toUpperCase() };
  }
  return body;
}

export function linkBody(link: LinkDraft): LinkIn {
  const body: LinkIn = {
    main_product_id: link.mainProductId,
    apply_to_main_product: link.applyToMainProduct,
    related_product_ids: [...link.relatedProductIds],
  };
  const preCode = optional(link.preCode);
  if (preCode !== null) body.pre_code = preCode.trim();
  return body;
}

/** The body of a create (`withIds` false) or an update (`withIds` true: saved steps keep
 * their ids). */
export function serviceTypeBody(draft: Draft, withIds: boolean): ServiceTypeIn {
  const translations: Record<string, string> = {};
  for (const row of draft.translations) {
    if (row.locale.trim() !== "" || row.text.trim() !== "") translations[row.locale.trim()] = row.text;
  }
  return {
    display_name: draft.displayName,
    display_name_translations: translations,
    system_name: draft.systemName,
    enabled: draft.enabled,
    approval_method: draft.approvalMethod,
    print_tag: optional(draft.printTag),
    steps: draft.steps.map((step) => stepBody(step, draft.steps, withIds)),
    links: draft.links.map(linkBody),
  };
}

/** What the preview computes from: the steps only. The preview checks a draft like a
 * create, so the type's own fields are stand-ins (a name not typed yet must not hide the
 * dates) and links, which never change a date, are left out. */
export function previewServiceType(draft: Draft): ServiceTypeIn {
  return {
    display_name: "preview",
    system_name: "preview",
    enabled: true,
    approval_method: draft.approvalMethod,
    // A step not described yet still shows its dates (saving asks for the description).
    steps: draft.steps.map((step) => {
      const body = stepBody(step, draft.steps, false);
      return body.description.trim() ? body : { ...body, description: "—" };
    }),
    links: [],
  };
}

// --- editing steps ---------------------------------------------------------------------

/** The steps with one moved by `offset` (-1 up, +1 down); out of range changes nothing. */
export function moveStep(steps: readonly StepDraft[], index: number, offset: number): StepDraft[] {
  const target = index + offset;
  if (index < 0 || index >= steps.length || target < 0 || target >= steps.length) return [...steps];
  const next = [...steps];
  const [moved] = next.splice(index, 1);
  if (moved) next.splice(target, 0, moved);
  return next;
}

/** The steps without one; steps that counted from it lose their anchor (the user picks
 * another, or the API names the missing anchor). */
export function removeStep(steps: readonly StepDraft[], index: number): StepDraft[] {
  const removed = steps[index];
  if (!removed) return [...steps];
  return steps
    .filter((_, i) => i !== index)
    .map((step) =>
      step.schedule.anchorKey === removed.key
        ? { ...step, schedule: { ...step.schedule, anchorKey: "" } }
        : step,
    );
}

// --- where the API's messages go --------------------------------------------------------

/** The schedule inputs shown for a schedule (the others are hidden, and their errors go
 * to the form's general alert). */
export function visibleScheduleFields(schedule: ScheduleDraft): string[] {
  const fields = ["kind"];
  if (schedule.kind === "after") {
    fields.push("span", "period", "anchor");
    if (schedule.anchor === "step") fields.push("anchor_step_position");
  }
  if (schedule.kind === "exact_date") fields.push("exact_date");
  if (schedule.kind === "monthly" || schedule.kind === "yearly") fields.push("day");
  if (schedule.kind === "yearly") fields.push("month");
  if (schedule.kind !== "never") {
    if (schedule.repeat) fields.push("repeat_every", "repeat_period");
    if (schedule.limit) fields.push("limit_repetitions");
  }
  return fields;
}

/** Every field name the form shows an error under, by the API's path for it. */
export function formFields(draft: Draft): string[] {
  const fields = ["display_name", "system_name", "enabled", "approval_method", "print_tag", "display_name_translations"];
  for (const row of draft.translations) fields.push(`display_name_translations.${row.locale.trim()}`);
  draft.steps.forEach((step, i) => {
    fields.push(`steps.${i}.description`, `steps.${i}.price.amount`, `steps.${i}.price.currency`);
    for (const name of visibleScheduleFields(step.schedule)) fields.push(`steps.${i}.schedule.${name}`);
    for (const set of MESSAGE_SETS) for (const field of MESSAGE_FIELDS) fields.push(`steps.${i}.${set}.${field}`);
  });
  draft.links.forEach((_, i) => {
    for (const name of ["main_product_id", "apply_to_main_product", "pre_code", "related_product_ids"]) {
      fields.push(`links.${i}.${name}`);
    }
  });
  return fields;
}

/** An API field name as the form names it: without the preview's `service_type.` prefix,
 * and an anchor named by id shown under the anchor step input (the form sends positions). */
export function formFieldName(field: string, prefix = ""): string {
  let name = field.startsWith("body.") ? field.slice("body.".length) : field;
  if (prefix && name.startsWith(prefix)) name = name.slice(prefix.length);
  return name.replace(/\.schedule\.anchor_step_id$/, ".schedule.anchor_step_position");
}
