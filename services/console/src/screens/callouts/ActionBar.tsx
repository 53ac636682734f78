import { useTranslation } from "react-i18next";

import { NS } from "./messages";
import { BULK_ACTIONS, SELECTION_RULE, enabledFor, qualifying } from "./rules";
import type { ActionName, Callout } from "./types";

/** The actions on the selected rows, each enabled by its rule (rules.ts). Shown to
 * operators and admins only. */
export function ActionBar({
  selected,
  busy,
  onAct,
  onClear,
}: {
  selected: readonly Callout[];
  busy: boolean;
  onAct: (action: ActionName) => void;
  onClear: () => void;
}) {
  const { t } = useTranslation(NS);
  return (
    <div className="toolbar callouts-actions" role="group" aria-label={t("actions.label")}>
      <span className="muted" aria-live="polite">
        {t("actions.selected", { count: selected.length })}
      </span>
      {BULK_ACTIONS.map((action) => {
        const count = qualifying(action, selected);
        return (
          <button
            key={action}
            type="button"
            className={action === "cancel" ? "danger" : action === "approve" ? "primary" : undefined}
            disabled={busy || !enabledFor(action, selected)}
            title={SELECTION_RULE[action] === "all" ? t("action.allHint") : undefined}
            data-qualifying={count}
            onClick={() => onAct(action)}
          >
            {t(`action.${action}`)}
          </button>
        );
      })}
      {selected.length > 0 ? (
        <button type="button" onClick={onClear} disabled={busy}>
          {t("actions.clearSelection")}
        </button>
      ) : null}
      {busy ? <span aria-live="polite">{t("action.working")}</span> : null}
    </div>
  );
}
