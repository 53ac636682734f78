import { asProblem, ProblemError } from "../../../api/problem";

/** The messages the API gave for a field or any of its items ("events" also matches
 * "events.0", "body.events.2"): a group of checkboxes or a list shows them together. */
export function groupMessages(error: unknown, name: string): string[] {
  if (!error) return [];
  const problem = asProblem(error);
  return problem.errors
    .filter((e) => {
      const field = e.field.replace(/^(body|query|path)\./, "");
      return field === name || field.startsWith(`${name}.`);
    })
    .map((e) => e.message);
}

/** The names an error's messages use that belong to one of `names` (items included), so
 * a ProblemAlert leaves them to the form. */
export function claimedBy(error: unknown, names: readonly string[]): string[] {
  if (!error) return [];
  return asProblem(error)
    .errors.map((e) => e.field)
    .filter((field) => {
      const plain = field.replace(/^(body|query|path)\./, "");
      return names.some((n) => plain === n || plain.startsWith(`${n}.`));
    });
}

/** The error with the API's pattern messages for the named fields ("String should match
 * pattern '^\+[1-9]...'") put in words a user reads (`explanations`: field -> text); the
 * rest, the status and the request id as they were. */
export function explainPatterns(error: unknown, explanations: Record<string, string>): unknown {
  if (!error) return error;
  const problem = asProblem(error);
  let changed = false;
  const errors = problem.errors.map((e) => {
    const field = e.field.replace(/^(body|query|path)\./, "");
    const text = explanations[field];
    if (text === undefined || !/pattern/i.test(e.message)) return e;
    changed = true;
    return { field: e.field, message: text };
  });
  if (!changed) return error;
  return new ProblemError(problem.status, { ...problem.body, errors }, problem.requestId);
}
