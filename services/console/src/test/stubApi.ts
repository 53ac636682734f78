// Component tests answer the console's requests from a table: "GET /api/callouts" -> a
// handler. Only the browser's fetch is replaced; the typed client, its error handling and
// the components run as they do in the browser. Unknown requests fail the test loudly.
import { vi } from "vitest";

export interface StubRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
}

export type StubAnswer =
  | unknown
  | { status: number; body?: unknown; headers?: Record<string, string> };

export type StubRoutes = Record<string, (request: StubRequest) => StubAnswer | Promise<StubAnswer>>;

function isAnswer(value: unknown): value is { status: number; body?: unknown; headers?: Record<string, string> } {
  return typeof value === "object" && value !== null && "status" in value && typeof (value as { status: unknown }).status === "number" && Object.keys(value).every((k) => ["status", "body", "headers"].includes(k));
}

/** Stubs fetch with `routes` ("METHOD /path", path parameters as `{name}`); returns the
 * list of requests made, to assert on what was sent. */
export function stubApi(routes: StubRoutes): StubRequest[] {
  const seen: StubRequest[] = [];
  const table = Object.entries(routes).map(([key, handler]) => {
    const [method, pattern] = key.split(" ") as [string, string];
    const regex = new RegExp(`^${pattern.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    return { method, regex, handler };
  });
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    // A relative path (the console's own fetch calls) is resolved as the browser would.
    const request = input instanceof Request ? input : new Request(new URL(String(input), "http://localhost"), init);
    const url = new URL(request.url, "http://localhost");
    const text = await request.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: kept as text (CSV uploads, forms)
    }
    const stub: StubRequest = { method: request.method, path: url.pathname, query: url.searchParams, headers: request.headers, body };
    seen.push(stub);
    const route = table.find((r) => r.method === request.method && r.regex.test(url.pathname));
    if (!route) throw new Error(`no stub for ${request.method} ${url.pathname}`);
    const answer = await route.handler(stub);
    const { status, body: payload, headers } = isAnswer(answer) ? answer : { status: 200, body: answer, headers: {} };
    const problem = status >= 400;
    return new Response(payload === undefined ? null : JSON.stringify(payload), {
      status,
      headers: { "Content-Type": problem ? "application/problem+json" : "application/json", ...headers },
    });
  });
  return seen;
}
