// The API's errors (RFC 9457 problem details, the one shape every service answers with),
// as an Error a screen can show: the title, the detail, the field each message names and
// the request id to quote to support.

export interface FieldMessage {
  field: string;
  message: string;
}

export interface ProblemBody {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  field?: string;
  errors?: FieldMessage[];
  request_id?: string;
  [member: string]: unknown;
}

export class ProblemError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly field: string | undefined;
  readonly errors: FieldMessage[];
  readonly requestId: string | undefined;
  readonly body: ProblemBody;

  constructor(status: number, body: ProblemBody, requestId?: string) {
    const title = body.title ?? `HTTP ${status}`;
    super(body.detail ? `${title}: ${body.detail}` : title);
    this.name = "ProblemError";
    this.status = status;
    this.title = title;
    this.detail = body.detail ?? "";
    this.field = body.field;
    this.errors = body.errors ?? (body.field ? [{ field: body.field, message: this.detail }] : []);
    this.requestId = body.request_id ?? requestId;
    this.body = body;
  }

  /** The message for one input, by the name the API gives it ("name", "steps.0.days",
   * "query.state" ...): a form shows it next to that field. */
  messageFor(field: string): string | undefined {
    const wanted = new Set([field, `query.${field}`, `path.${field}`, `body.${field}`]);
    const exact = this.errors.find((e) => wanted.has(e.field));
    if (exact) return exact.message;
    // A list input shows its items' messages: "emails.1" belongs to the field "emails".
    const item = this.errors.find((e) => [...wanted].some((w) => new RegExp(`^${escape(w)}\\.\\d+$`).test(e.field)));
    return item?.message;
  }

  /** Messages no field of the form claims: shown above the form. */
  unclaimed(fields: readonly string[]): FieldMessage[] {
    return this.errors.filter((e) => !fields.some((f) => this.messageFor(f) === e.message));
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Any failure as a ProblemError: a network error becomes status 0. */
export function asProblem(error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new ProblemError(0, { title: "No answer from the server", detail });
}
