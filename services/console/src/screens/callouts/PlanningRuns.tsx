import { useTranslation } from "react-i18next";

import { api } from "../../api/client";
import { useLoad } from "../../hooks/useLoad";
import { NS } from "./messages";

/** Service types whose new version is still being planned for their items (batch by
 * batch): until a run is through, items not yet reached show the previous version's
 * callouts, so the list says so. Nothing is shown when no run is under way. */
export function PlanningRuns({ reloadSignal }: { reloadSignal: unknown }) {
  const { t, i18n } = useTranslation(NS);
  const runs = useLoad(async () => (await api.GET("/api/callouts/planning-runs")).data ?? [], [reloadSignal]);
  if (!runs.data || runs.data.length === 0) return null;
  const number = new Intl.NumberFormat(i18n.language);
  return (
    <div className="alert alert-info" role="status" aria-live="polite">
      <strong>{t("planning.title")}</strong>
      <ul className="callouts-runs">
        {runs.data.map((run) => {
          const label = t("planning.run", {
            name: run.display_name,
            planned: number.format(run.items_planned),
            total: number.format(run.items_total),
          });
          return (
            <li key={run.service_type_id}>
              <span>{label}</span>{" "}
              <progress max={Math.max(run.items_total, 1)} value={run.items_planned} aria-label={label} />
            </li>
          );
        })}
      </ul>
      <button type="button" onClick={runs.reload}>
        {t("planning.refresh")}
      </button>
    </div>
  );
}
