import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useLoad } from "../../../hooks/useLoad";
import { formatInstant } from "../format";
import { NS } from "../messages";

/** The callout's history: every action, who took it and the state it moved. */
export function HistoryPanel({ calloutId }: { calloutId: string }) {
  const { t, i18n } = useTranslation(NS);
  const loaded = useLoad(
    async () =>
      (await api.GET("/api/callouts/{callout_id}/history", { params: { path: { callout_id: calloutId } } })).data ??
      [],
    [calloutId],
  );
  if (loaded.error) return <ProblemAlert error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p className="muted">{t("common:state.loading")}</p>;
  if (loaded.data.length === 0) return <p className="muted">{t("history.empty")}</p>;
  const state = (s: string) => t(`state.${s}`, { defaultValue: s });
  return (
    <div className="table-wrap">
      <table className="data-table">
        <caption>{t("history.caption")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("history.at")}</th>
            <th scope="col">{t("history.action")}</th>
            <th scope="col">{t("history.actor")}</th>
            <th scope="col">{t("history.change")}</th>
            <th scope="col">{t("history.detail")}</th>
          </tr>
        </thead>
        <tbody>
          {loaded.data.map((entry, index) => (
            <tr key={`${entry.at}-${index}`}>
              <td>{formatInstant(entry.at, i18n.language)}</td>
              <td>{t(`history.kind.${entry.action}`, { defaultValue: entry.action.replace(/_/g, " ") })}</td>
              <td>{entry.actor}</td>
              <td>
                {entry.from_state === entry.to_state
                  ? state(entry.to_state)
                  : `${state(entry.from_state)} → ${state(entry.to_state)}`}
              </td>
              <td className="callouts-wrap">{entry.detail ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
