// The typed client of the public API: `schema.d.ts` is generated from the gateway's
// public OpenAPI (`npm run gen:api`, run by `make openapi`), so a route or a schema that
// changes on the server breaks the console's type check, not its users.
import createClient, { type Middleware } from "openapi-fetch";

import { ProblemError, type ProblemBody } from "./problem";
import type { paths } from "./schema";

// The console signs in with an HttpOnly cookie (POST /auth/session); the gateway accepts a
// change made with it only with this header, which a cross-site form cannot send.
export const CONSOLE_HEADERS = { "X-Requested-With": "aftersales-console" } as const;

type Listener = () => void;
const signedOutListeners = new Set<Listener>();

/** Called when the API answers 401: the session ended (expired, revoked, signed out). */
export function onSignedOut(listener: Listener): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

const problems: Middleware = {
  async onResponse({ response }) {
    if (response.ok) return undefined;
    if (response.status === 401) signedOutListeners.forEach((listener) => listener());
    let body: ProblemBody = {};
    try {
      body = (await response.clone().json()) as ProblemBody;
    } catch {
      body = { title: response.statusText || `HTTP ${response.status}` };
    }
    throw new ProblemError(response.status, body, response.headers.get("X-Request-Id") ?? undefined);
  },
};

export const api = createClient<paths>({
  baseUrl: typeof window === "undefined" ? "http://localhost" : window.location.origin,
  credentials: "same-origin",
  headers: CONSOLE_HEADERS,
  // Looked up on each call, so a component test can stub globalThis.fetch.
  fetch: (request: Request) => globalThis.fetch(request),
});
api.use(problems);

export type { paths };

/** The answer's version (ETag), for the If-Match of the next change. */
export function etagOf(response: Response): string {
  return response.headers.get("ETag") ?? "";
}

/** A file the API answers (CSV, XLSX, PDF, .ics) saved by the browser under its name. */
export async function download(path: string, fallbackName: string): Promise<void> {
  const response = await fetch(path, { credentials: "same-origin", headers: CONSOLE_HEADERS });
  if (!response.ok) {
    let body: ProblemBody = {};
    try {
      body = (await response.json()) as ProblemBody;
    } catch {
      body = { title: response.statusText };
    }
    throw new ProblemError(response.status, body, response.headers.get("X-Request-Id") ?? undefined);
  }
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const name = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = decodeURIComponent(name);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A query string from filters: arrays repeat the key, empty values are left out. */
export function queryString(params: Record<string, unknown>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined || item === null || item === "") continue;
      query.append(key, String(item));
    }
  }
  const text = query.toString();
  return text ? `?${text}` : "";
}
