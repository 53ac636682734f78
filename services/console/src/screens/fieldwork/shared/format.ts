// Pure helpers for dates and times as the desk screens show and send them. Days are
// ISO local dates ("2026-11-30"); times of day are "HH:MM".
import { dateTimeFormat } from "../../../i18n/format";

/** Today as an ISO date in the browser's zone. */
export function todayIso(now: Date = new Date()): string {
  return isoDate(now);
}

export function isoDate(day: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
}

/** A local date parsed from "YYYY-MM-DD" (noon, so a zone shift never changes the day). */
export function parseIsoDate(text: string): Date {
  const [y, m, d] = text.split("-").map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1, 12);
}

export function addDays(text: string, days: number): string {
  const day = parseIsoDate(text);
  day.setDate(day.getDate() + days);
  return isoDate(day);
}

/** The Monday of the ISO week holding the day. */
export function mondayOf(text: string): string {
  const day = parseIsoDate(text);
  const offset = (day.getDay() + 6) % 7;
  return addDays(text, -offset);
}

/** "08:30" or "08:30:00" → minutes after midnight. */
export function minutesOf(time: string): number {
  const [h, m] = time.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Minutes after midnight → "HH:MM" (clamped to the day). */
export function clock(minutes: number): string {
  const clamped = Math.max(0, Math.min(23 * 60 + 59, Math.round(minutes)));
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(Math.floor(clamped / 60))}:${pad(clamped % 60)}`;
}

/** "HH:MM" of an API time ("08:30:00" → "08:30"). */
export function shortTime(time: string): string {
  return time.slice(0, 5);
}

export function formatDateTime(iso: string | null | undefined, language: string): string {
  if (!iso) return "";
  return dateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

export function formatDay(isoDay: string, language: string, weekday = true): string {
  return dateTimeFormat(language, {
    weekday: weekday ? "short" : undefined,
    day: "numeric",
    month: "short",
  }).format(parseIsoDate(isoDay));
}

export function formatNumber(value: number, language: string, digits = 1): string {
  return new Intl.NumberFormat(language, { maximumFractionDigits: digits }).format(value);
}

/** "1 h 05 min" style durations from seconds, language-neutral digits. */
export function durationParts(seconds: number): { hours: number; minutes: number } {
  const total = Math.round(seconds / 60);
  return { hours: Math.floor(total / 60), minutes: total % 60 };
}
