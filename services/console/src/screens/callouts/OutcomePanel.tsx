import { useTranslation } from "react-i18next";

import { NS } from "./messages";
import { type Outcome, rowName } from "./outcome";
import type { Callout } from "./types";

/** What the last action did: how many acted, which were skipped and why (or why the
 * whole selection was refused), announced to screen readers. */
export function OutcomePanel({
  outcome,
  rows,
  onDismiss,
}: {
  outcome: Outcome;
  rows: readonly Callout[];
  onDismiss: () => void;
}) {
  const { t } = useTranslation(NS);
  const { t: tc } = useTranslation();
  const action = t(`action.${outcome.action}`);
  return (
    <div
      role="status"
      aria-live="polite"
      className={`alert ${outcome.refused ? "alert-error" : outcome.skipped.length ? "alert-info" : "alert-ok"}`}
      data-testid="action-outcome"
    >
      <strong>
        {outcome.refused
          ? t("result.refused", { action })
          : t("result.title", { action, acted: outcome.acted.length, skipped: outcome.skipped.length })}
      </strong>
      {outcome.refused && outcome.detail ? <p>{outcome.detail}</p> : null}
      {outcome.skipped.length > 0 ? (
        <>
          <p>{t("result.skipped")}:</p>
          <ul>
            {outcome.skipped.map((row) => (
              <li key={row.id}>
                <span>{rowName(row.id, rows) ?? t("result.unknownCallout", { id: row.id })}</span>
                {row.state ? <> ({t(`state.${row.state}`)})</> : null}: {row.reason}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {outcome.requestId ? <p className="muted">{tc("error.requestId", { id: outcome.requestId })}</p> : null}
      <button type="button" onClick={onDismiss}>
        {t("result.close")}
      </button>
    </div>
  );
}
