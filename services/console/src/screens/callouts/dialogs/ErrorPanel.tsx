import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useLoad } from "../../../hooks/useLoad";
import { formatInstant } from "../format";
import { NS } from "../messages";
import { StateBadge } from "../StateBadge";

/** "Show error": what went wrong, with the trace id to find it in the traces. */
export function ErrorPanel({ calloutId }: { calloutId: string }) {
  const { t, i18n } = useTranslation(NS);
  const loaded = useLoad(
    async () =>
      (await api.GET("/api/callouts/{callout_id}/error", { params: { path: { callout_id: calloutId } } })).data,
    [calloutId],
  );
  if (loaded.error) return <ProblemAlert error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p className="muted">{t("common:state.loading")}</p>;
  const error = loaded.data;
  return (
    <dl className="callouts-facts">
      <div>
        <dt>{t("error.state")}</dt>
        <dd>
          <StateBadge state={error.state} />
        </dd>
      </div>
      <div>
        <dt>{t("error.reason")}</dt>
        <dd>{error.reason ?? ""}</dd>
      </div>
      <div>
        <dt>{t("error.traceId")}</dt>
        <dd>
          <code data-testid="trace-id">{error.trace_id ?? ""}</code>
        </dd>
      </div>
      <div>
        <dt>{t("error.occurredAt")}</dt>
        <dd>{formatInstant(error.occurred_at, i18n.language)}</dd>
      </div>
    </dl>
  );
}
