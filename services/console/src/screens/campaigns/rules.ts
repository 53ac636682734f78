// Pure rules of the campaigns screen: what a state lets change, the bodies sent, the
// serial numbers read out of a pasted list, what a validation report says. No React here.
import type {
  Campaign,
  CampaignCounts,
  CampaignIn,
  CampaignPatch,
  CampaignState,
  SerialIn,
  SerialLine,
} from "./types";
import { dateTimeFormat } from "../../i18n/format";

export const CAMPAIGN_STATES: readonly CampaignState[] = ["draft", "released", "closed"];

/** The reasons campaigns gives for a failing serial line (services/campaigns README). */
export const LINE_PROBLEMS = [
  "not_found",
  "ambiguous",
  "inactive",
  "no_owner",
  "no_initial_order_customer",
  "customer_unknown",
  "duplicate_item",
] as const;
export type LineProblem = (typeof LINE_PROBLEMS)[number];

/** The message key explaining a problem code; an unknown code gets a generic one. */
export function problemKey(problem: string): string {
  return (LINE_PROBLEMS as readonly string[]).includes(problem) ? `problem.${problem}` : "problem.other";
}

/** The badge class of a campaign state. */
export function stateBadge(state: string): string {
  if (state === "released") return "badge badge-ok";
  if (state === "closed") return "badge";
  return "badge badge-warn";
}

// --- the campaign form ---------------------------------------------------------------------

export interface TranslationRow {
  locale: string;
  name: string;
}

export interface CampaignForm {
  code: string;
  name: string;
  translations: TranslationRow[];
  template_id: string;
  parent_case_id: string;
  use_customer_from_order: boolean;
  our_reference: string;
  cause_code: string;
  cause_description: string;
}

export type CampaignField = keyof CampaignForm;

export function emptyForm(): CampaignForm {
  return {
    code: "",
    name: "",
    translations: [],
    template_id: "",
    parent_case_id: "",
    use_customer_from_order: false,
    our_reference: "",
    cause_code: "",
    cause_description: "",
  };
}

export function formOf(campaign: Campaign): CampaignForm {
  return {
    code: campaign.code,
    name: campaign.name,
    translations: Object.entries(campaign.translations).map(([locale, name]) => ({ locale, name })),
    template_id: campaign.template_id,
    parent_case_id: campaign.parent_case_id,
    use_customer_from_order: campaign.use_customer_from_order,
    our_reference: campaign.our_reference ?? "",
    cause_code: campaign.cause_code ?? "",
    cause_description: campaign.cause_description ?? "",
  };
}

/** Translation rows as the API's map (locale -> name); rows left wholly blank are dropped,
 * a half-filled one is sent so that the API names what is wrong with it. */
export function translationsOf(rows: readonly TranslationRow[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const row of rows) {
    const locale = row.locale.trim();
    if (!locale && !row.name.trim()) continue;
    out[locale] = row.name;
  }
  return out;
}

function optional(text: string): string | null {
  const trimmed = text.trim();
  return trimmed ? trimmed : null;
}

/** The body of POST /api/campaigns: empty optional texts left out. */
export function createBody(form: CampaignForm): CampaignIn {
  const body: CampaignIn = {
    code: form.code.trim(),
    name: form.name.trim(),
    translations: translationsOf(form.translations),
    template_id: form.template_id,
    parent_case_id: form.parent_case_id,
    use_customer_from_order: form.use_customer_from_order,
  };
  const ourReference = optional(form.our_reference);
  const causeCode = optional(form.cause_code);
  const causeDescription = optional(form.cause_description);
  if (ourReference) body.our_reference = ourReference;
  if (causeCode) body.cause_code = causeCode;
  if (causeDescription) body.cause_description = causeDescription;
  return body;
}

/** What a campaign in this state may still change (the API's rule: after release only the
 * texts copied onto cases opened from then on; a closed campaign nothing). */
export function editableFields(state: string): ReadonlySet<CampaignField> {
  if (state === "draft") {
    return new Set<CampaignField>([
      "name",
      "translations",
      "template_id",
      "parent_case_id",
      "use_customer_from_order",
      "our_reference",
      "cause_code",
      "cause_description",
    ]);
  }
  if (state === "released") {
    return new Set<CampaignField>(["name", "translations", "our_reference", "cause_code", "cause_description"]);
  }
  return new Set();
}

function sameTranslations(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** The body of PATCH /api/campaigns/{id}: only the fields changed that the state allows
 * (an emptied optional text is null: it clears). */
export function patchBody(before: Campaign, form: CampaignForm): CampaignPatch {
  const allowed = editableFields(before.state);
  const patch: CampaignPatch = {};
  if (allowed.has("name") && form.name.trim() !== before.name) patch.name = form.name.trim();
  const translations = translationsOf(form.translations);
  if (allowed.has("translations") && !sameTranslations(translations, before.translations)) {
    patch.translations = translations;
  }
  if (allowed.has("template_id") && form.template_id !== before.template_id) patch.template_id = form.template_id;
  if (allowed.has("parent_case_id") && form.parent_case_id !== before.parent_case_id) {
    patch.parent_case_id = form.parent_case_id;
  }
  if (allowed.has("use_customer_from_order") && form.use_customer_from_order !== before.use_customer_from_order) {
    patch.use_customer_from_order = form.use_customer_from_order;
  }
  for (const key of ["our_reference", "cause_code", "cause_description"] as const) {
    const value = optional(form[key]);
    if (allowed.has(key) && value !== (before[key] ?? null)) patch[key] = value;
  }
  return patch;
}

// --- serial numbers ------------------------------------------------------------------------

/** Serial numbers pasted one a line, each optionally followed by its product number
 * (after a comma, semicolon or tab, as copied from a spreadsheet); blank lines skipped. */
export function parseSerialList(text: string): SerialIn[] {
  const out: SerialIn[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const [serial = "", product = ""] = line.split(/[,;\t]/).map((cell) => cell.trim());
    if (!serial) continue;
    out.push({ serial_number: serial, product_number: product });
  }
  return out;
}

export type LineStatus = "case" | "failing" | "ok";

export function lineStatus(line: SerialLine): LineStatus {
  if (line.case_id) return "case";
  if (line.problem) return "failing";
  return "ok";
}

/** Lines that pass validation but have no case yet: what a release still has to open. */
export function pendingLines(counts: CampaignCounts): number {
  return Math.max(0, counts.lines - counts.failing - counts.cases_open - counts.cases_closed);
}

export type ReleaseBlock = "not_draft" | "no_lines" | "failing" | null;

/** Why a draft cannot be released now (null: it can). */
export function releaseBlock(state: string, counts: CampaignCounts): ReleaseBlock {
  if (state !== "draft") return "not_draft";
  if (counts.lines === 0) return "no_lines";
  if (counts.failing > 0) return "failing";
  return null;
}

/** The share of a group's cases closed, in whole percent (0 without cases). */
export function closedPercent(open: number, closed: number): number {
  const total = open + closed;
  return total === 0 ? 0 : Math.round((closed / total) * 100);
}

/** The ETag of a resource at this version (decision 41: `"<version>"`), for a row read
 * from a list, which carries the version but no header. */
export function etagOfVersion(version: number): string {
  return `"${version}"`;
}

/** The problem counts a validation or a refused release gives, biggest first. */
export function problemCounts(problems: unknown): [string, number][] {
  if (typeof problems !== "object" || problems === null) return [];
  return Object.entries(problems as Record<string, unknown>)
    .filter((entry): entry is [string, number] => typeof entry[1] === "number" && entry[1] > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export function formatDateTime(iso: string | null | undefined, language: string): string {
  if (!iso) return "";
  return dateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}
