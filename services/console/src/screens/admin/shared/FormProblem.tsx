import { asProblem } from "../../../api/problem";
import { ProblemAlert } from "../../../components/ProblemAlert";

/** A form's ProblemAlert that stays silent when every message it has is already shown
 * under a field of the form (the shared alert repeats the detail then). */
export function FormProblem({ error, claimedFields }: { error: unknown; claimedFields: readonly string[] }) {
  if (!error) return null;
  const problem = asProblem(error);
  if (problem.errors.length > 0 && problem.unclaimed(claimedFields).length === 0) return null;
  return <ProblemAlert error={error} claimedFields={claimedFields} />;
}
