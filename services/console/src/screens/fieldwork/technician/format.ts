// Pure formatting for the phone view: days, times, addresses and map links.
import { dateTimeFormat } from "../../../i18n/format";

export interface AddressLike {
  street?: string | null;
  postal_code?: string | null;
  city?: string | null;
  country?: string | null;
  latitude?: number | null;
  longitude?: number | null;
}

/** "Storgatan 1, 111 22 Stockholm" (the parts that are there). */
export function addressLine(address: AddressLike | null | undefined): string {
  if (!address) return "";
  const town = [address.postal_code, address.city].filter(Boolean).join(" ");
  return [address.street, town].filter(Boolean).join(", ");
}

/** A link the phone's map app opens: `geo:` with coordinates, else a map search. */
export function mapsLink(address: AddressLike | null | undefined): string | undefined {
  if (!address) return undefined;
  if (typeof address.latitude === "number" && typeof address.longitude === "number") {
    return `geo:${address.latitude},${address.longitude}`;
  }
  const text = [addressLine(address), address.country].filter(Boolean).join(", ");
  return text ? `https://www.openstreetmap.org/search?query=${encodeURIComponent(text)}` : undefined;
}

/** The ISO day `days` after `isoDate` (YYYY-MM-DD, calendar arithmetic, no time zone). */
export function shiftDay(isoDate: string, days: number): string {
  const [y, m, d] = isoDate.split("-").map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d + days));
  return day.toISOString().slice(0, 10);
}

/** "09:00" from "09:00:00". */
export function shortTime(time: string): string {
  return time.slice(0, 5);
}

/** A day as the user's language writes it ("Monday 30 November 2026"). */
export function longDay(isoDate: string, language: string): string {
  const [y, m, d] = isoDate.split("-").map(Number) as [number, number, number];
  return dateTimeFormat(language, {
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** File size for a thumbnail's caption. */
export function sizeText(bytes: number, language: string): string {
  const kib = bytes / 1024;
  const format = (value: number, unit: "kilobyte" | "megabyte") =>
    new Intl.NumberFormat(language, { style: "unit", unit, unitDisplay: "short", maximumFractionDigits: 1 }).format(value);
  return kib < 1024 ? format(kib, "kilobyte") : format(kib / 1024, "megabyte");
}

/** A campaign's name in the user's language when the campaign has a translation. */
export function campaignName(
  campaign: { campaign_name: string; translations: Record<string, string> },
  language: string,
): string {
  return campaign.translations[language] ?? campaign.campaign_name;
}

/** Today on this device's calendar, as YYYY-MM-DD. */
export function localToday(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
