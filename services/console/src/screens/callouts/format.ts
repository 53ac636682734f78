// Dates and times as the user's language writes them. Pure.

// Building an Intl formatter costs far more than using one: a list of 100 rows with three
// date columns built 300 of them per render (a long task). One per language and style.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(language: string, style: "day" | "instant"): Intl.DateTimeFormat {
  const key = `${language}|${style}`;
  let found = formatters.get(key);
  if (!found) {
    found =
      style === "day"
        ? new Intl.DateTimeFormat(language, { dateStyle: "medium", timeZone: "UTC" })
        : new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" });
    formatters.set(key, found);
  }
  return found;
}

/** A calendar day from the API (YYYY-MM-DD), written in `language`; no time zone shift. */
export function formatDay(value: string | null | undefined, language: string): string {
  if (!value) return "";
  const [y, m, d] = value.split("-").map(Number);
  if (!y || !m || !d) return value;
  return formatter(language, "day").format(new Date(Date.UTC(y, m - 1, d)));
}

/** An instant from the API (ISO 8601), in the browser's time zone. */
export function formatInstant(value: string | null | undefined, language: string): string {
  if (!value) return "";
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) return value;
  return formatter(language, "instant").format(at);
}

/** Splits "a@x.se, b@y.se" (the seed: several recipients in one field, comma separated). */
export function splitList(text: string): string[] {
  return text
    .split(/[,;\n]/)
    .map((part) => part.trim())
    .filter(Boolean);
}
