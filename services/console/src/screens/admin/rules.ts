// Pure rules of the admin screen: which tabs a role sees, how forms become request bodies.
import type { components } from "../../api/schema";
import type { Role } from "../../auth/session";
import { dateTimeFormat } from "../../i18n/format";

type UserIn = components["schemas"]["UserIn"];
type UserPatch = components["schemas"]["UserPatch"];
type UserAdminOut = components["schemas"]["UserAdminOut"];

export const ROLES: readonly Role[] = ["admin", "operator", "viewer", "technician"];

export type TabId = "me" | "users" | "org-units" | "templates" | "sending" | "field-setup";

/** The admin screen's areas and who may open each: "My settings" is everyone's. */
export const TABS: readonly { id: TabId; roles: readonly Role[] }[] = [
  { id: "me", roles: ROLES },
  { id: "users", roles: ["admin"] },
  { id: "org-units", roles: ["admin"] },
  { id: "templates", roles: ["admin"] },
  { id: "sending", roles: ["admin"] },
  { id: "field-setup", roles: ["admin"] },
];

/** The tabs a user with these roles sees, in order. */
export function tabsFor(roles: readonly string[]): TabId[] {
  return TABS.filter((tab) => tab.roles.some((role) => roles.includes(role))).map((tab) => tab.id);
}

/** The list with `item` in it (on) or out of it (off), in its first order, no repeats. */
export function toggled<T>(list: readonly T[], item: T, on: boolean): T[] {
  const without = list.filter((x) => x !== item);
  return on ? [...without, item] : without;
}

/** A text input's value for the API: blank is "none" (null). */
export function blankToNull(text: string): string | null {
  const trimmed = text.trim();
  return trimmed === "" ? null : trimmed;
}

/** E.164: "+", a country code not starting with 0, 7 to 15 digits in all. */
export function isE164(text: string): boolean {
  return /^\+[1-9][0-9]{6,14}$/.test(text);
}

/** The version the API gave as the ETag for an If-Match ("<version>" quoted). */
export function versionTag(version: number): string {
  return `"${version}"`;
}

export interface UserForm {
  username: string;
  display_name: string;
  password: string;
  roles: string[];
  org_units: string[];
  email: string;
  mobile: string;
  active: boolean;
}

export function blankUserForm(): UserForm {
  return { username: "", display_name: "", password: "", roles: [], org_units: [], email: "", mobile: "", active: true };
}

export function userFormOf(user: UserAdminOut): UserForm {
  return {
    username: user.username,
    display_name: user.display_name,
    password: "",
    roles: [...user.roles],
    org_units: [...user.org_units],
    email: user.email ?? "",
    mobile: user.mobile ?? "",
    active: user.active,
  };
}

/** A new user's body: the display name, e-mail and mobile only when given. */
export function userCreateBody(form: UserForm): UserIn {
  const body: UserIn = {
    username: form.username.trim(),
    password: form.password,
    roles: [...form.roles],
    org_units: [...form.org_units],
  };
  const name = blankToNull(form.display_name);
  if (name !== null) body.display_name = name;
  const email = blankToNull(form.email);
  if (email !== null) body.email = email;
  const mobile = blankToNull(form.mobile);
  if (mobile !== null) body.mobile = mobile;
  return body;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** Only what changed (a field left out stays as it is); null removes an e-mail or mobile. */
export function userPatchBody(before: UserAdminOut, form: UserForm): UserPatch {
  const body: UserPatch = {};
  const name = form.display_name.trim();
  if (name !== before.display_name) body.display_name = name;
  if (!sameSet(form.roles, before.roles)) body.roles = [...form.roles];
  if (!sameSet(form.org_units, before.org_units)) body.org_units = [...form.org_units];
  const email = blankToNull(form.email);
  if (email !== (before.email ?? null)) body.email = email;
  const mobile = blankToNull(form.mobile);
  if (mobile !== (before.mobile ?? null)) body.mobile = mobile;
  if (form.active !== before.active) body.active = form.active;
  return body;
}

/** `text` with `insert` put in place of the selection [start, end), and where the caret goes. */
export function insertAt(text: string, start: number, end: number, insert: string): { text: string; caret: number } {
  const from = Math.max(0, Math.min(start, text.length));
  const to = Math.max(from, Math.min(end, text.length));
  return { text: text.slice(0, from) + insert + text.slice(to), caret: from + insert.length };
}

/** A placeholder as a template writes it. */
export function placeholderToken(name: string): string {
  return `{{ ${name} }}`;
}

/** A date and time in the reader's language, or "" for none. */
export function formatDateTime(iso: string | null | undefined, language: string): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return dateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

/** Comma- or line-separated addresses as a list (blank entries dropped). */
export function splitList(text: string): string[] {
  return text
    .split(/[,\n;]/)
    .map((x) => x.trim())
    .filter((x) => x !== "");
}

/** "HH:MM[:SS]" as the "HH:MM" a time input takes. */
export function hourMinute(time: string): string {
  return time.slice(0, 5);
}
