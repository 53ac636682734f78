// Dates as the user reads them, in the console's language.
import { dateTimeFormat } from "../../i18n/format";

/** An ISO calendar date ("2027-01-15") in the language's short form; the date itself,
 * never shifted by a time zone. */
export function formatDate(isoDate: string, language: string): string {
  const [year, month, day] = isoDate.split("-").map(Number);
  if (!year || !month || !day) return isoDate;
  return dateTimeFormat(language, { dateStyle: "medium", timeZone: "UTC" }).format(
    new Date(Date.UTC(year, month - 1, day)),
  );
}

/** The names of the twelve months, January first. */
export function monthNames(language: string): string[] {
  const format = dateTimeFormat(language, { month: "long", timeZone: "UTC" });
  return Array.from({ length: 12 }, (_, i) => format.format(new Date(Date.UTC(2000, i, 1))));
}

/** Today's date in the browser's zone, as the API writes dates. */
export function today(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
