// Dates and times as the user's language writes them. Pure.
import { dateTimeFormat } from "../../i18n/format";

/** A calendar day from the API (YYYY-MM-DD), written in `language`; no time zone shift. */
export function formatDay(value: string | null | undefined, language: string): string {
  if (!value) return "";
  const [y, m, d] = value.split("-").map(Number);
  if (!y || !m || !d) return value;
  return dateTimeFormat(language, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** An instant from the API (ISO 8601), in the browser's time zone. */
export function formatInstant(value: string | null | undefined, language: string): string {
  if (!value) return "";
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) return value;
  return dateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }).format(at);
}

/** Splits "a@x.se, b@y.se" (the seed: several recipients in one field, comma separated). */
export function splitList(text: string): string[] {
  return text
    .split(/[,;\n]/)
    .map((part) => part.trim())
    .filter(Boolean);
}
