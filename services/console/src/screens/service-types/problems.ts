// The API's problems with their field names as the editor's inputs are named.
import { asProblem, ProblemError } from "../../api/problem";

import { formFieldName } from "./draft";

/** The error with each field renamed for the form (`service_type.steps.0...` from the
 * preview becomes `steps.0...`); undefined when there is no error. */
export function forForm(error: unknown, prefix = ""): ProblemError | undefined {
  if (!error) return undefined;
  const problem = asProblem(error);
  const errors = problem.errors.map((e) => ({ field: formFieldName(e.field, prefix), message: e.message }));
  return new ProblemError(
    problem.status,
    { ...problem.body, title: problem.title, detail: problem.detail, errors, field: problem.field && formFieldName(problem.field, prefix) },
    problem.requestId,
  );
}
