import { useTranslation } from "react-i18next";

import { asProblem } from "../api/problem";

/** An API error as the user sees it: what failed, why, the messages no form field shows,
 * and the request id to quote to support. */
export function ProblemAlert({
  error,
  claimedFields = [],
  onRetry,
}: {
  error: unknown;
  claimedFields?: readonly string[];
  onRetry?: () => void;
}) {
  const { t } = useTranslation();
  if (!error) return null;
  const problem = asProblem(error);
  const unclaimed = problem.unclaimed(claimedFields);
  return (
    <div role="alert" className="alert alert-error" data-status={problem.status}>
      <strong>{problem.status === 0 ? t("error.network") : problem.title}</strong>
      {/* With field messages, the detail repeats them: the fields (or the list) say it. */}
      {problem.detail && problem.errors.length === 0 ? <p>{problem.detail}</p> : null}
      {unclaimed.length > 0 ? (
        <ul>
          {unclaimed.map((e) => (
            <li key={`${e.field}:${e.message}`}>
              <code>{e.field}</code>: {e.message}
            </li>
          ))}
        </ul>
      ) : null}
      {problem.requestId ? (
        <p className="muted">{t("error.requestId", { id: problem.requestId })}</p>
      ) : null}
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          {t("action.retry")}
        </button>
      ) : null}
    </div>
  );
}
