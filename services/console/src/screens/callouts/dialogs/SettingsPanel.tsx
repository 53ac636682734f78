import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useLoad } from "../../../hooks/useLoad";
import { NS } from "../messages";

/** "Show settings": the step's templates in two columns, initial and on completion. */
export function SettingsPanel({ calloutId }: { calloutId: string }) {
  const { t } = useTranslation(NS);
  const loaded = useLoad(
    async () =>
      (await api.GET("/api/callouts/{callout_id}/settings", { params: { path: { callout_id: calloutId } } })).data,
    [calloutId],
  );
  if (loaded.error) return <ProblemAlert error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p className="muted">{t("common:state.loading")}</p>;
  const settings = loaded.data;
  return (
    <div className="table-wrap">
      <table className="data-table callouts-settings">
        <caption>
          {t("settings.caption")} — {t("settings.step", { step: settings.step_description })}
        </caption>
        <thead>
          <tr>
            <th scope="col">{t("settings.field")}</th>
            <th scope="col">{t("settings.initial")}</th>
            <th scope="col">{t("settings.onCompletion")}</th>
          </tr>
        </thead>
        <tbody>
          {settings.fields.map((row) => (
            <tr key={row.field}>
              <th scope="row">{t(`settings.${row.field}`, { defaultValue: row.field })}</th>
              <td className="callouts-wrap">{row.initial ?? ""}</td>
              <td className="callouts-wrap">{row.on_completion ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
