// Progress per org unit (cases opened / closed, with bars), the campaign's cases, and
// closing the campaign (admins; its open cases are closed with it, batch by batch).
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api, etagOf } from "../../api/client";
import { Dialog } from "../../components/Dialog";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useLoad } from "../../hooks/useLoad";
import type { CampaignTabProps } from "./CampaignPage";
import { CasesPanel } from "./CasesPanel";
import { NS } from "./messages";
import { useCampaignRoles } from "./roles";
import { closedPercent } from "./rules";

export function ProgressPanel({ campaign, etag, reload }: CampaignTabProps) {
  const { t } = useTranslation(NS);
  const { manager } = useCampaignRoles();
  const progress = useLoad(async () => {
    const { data } = await api.GET("/api/campaigns/{campaign_id}/progress", {
      params: { path: { campaign_id: campaign.id } },
    });
    return data;
  }, [campaign.id, campaign.version, campaign.counts.cases_open, campaign.counts.cases_closed]);
  const totals = progress.data?.totals;

  return (
    <div>
      <div className="panel">
        <h2>{t("progress.title")}</h2>
        <ProblemAlert error={progress.error} onRetry={progress.reload} />
        {progress.loading && !progress.data ? <p role="status">{t("common:state.loading")}</p> : null}
        {totals ? (
          <div className="campaigns-total">
            <p data-testid="campaign-progress-total">
              {t("progress.totals", { open: totals.cases_open, closed: totals.cases_closed, lines: totals.lines })}
            </p>
            <progress
              className="progress"
              max={100}
              value={closedPercent(totals.cases_open, totals.cases_closed)}
              aria-label={t("progress.totalBar")}
            />
          </div>
        ) : null}
        {progress.data ? (
          <div className="table-wrap">
            <table className="data-table">
              <caption>{t("progress.caption")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("progress.orgUnit")}</th>
                  <th scope="col">{t("counts.lines")}</th>
                  <th scope="col">{t("progress.opened")}</th>
                  <th scope="col">{t("counts.open")}</th>
                  <th scope="col">{t("counts.closed")}</th>
                  <th scope="col">{t("progress.share")}</th>
                </tr>
              </thead>
              <tbody>
                {progress.data.org_units.length === 0 ? (
                  <tr>
                    <td colSpan={6} className="muted">
                      {t("progress.empty")}
                    </td>
                  </tr>
                ) : (
                  progress.data.org_units.map((unit) => {
                    const name = unit.org_unit_id ? `${unit.code ?? ""} ${unit.name ?? ""}`.trim() : t("progress.noOrgUnit");
                    const percent = closedPercent(unit.open, unit.closed);
                    return (
                      <tr key={unit.org_unit_id ?? "none"}>
                        <th scope="row">{name}</th>
                        <td>{unit.lines}</td>
                        <td>{unit.open + unit.closed}</td>
                        <td>{unit.open}</td>
                        <td>{unit.closed}</td>
                        <td className="campaigns-bar">
                          <progress
                            max={100}
                            value={percent}
                            aria-label={t("progress.bar", { name })}
                          />{" "}
                          {percent} %
                        </td>
                      </tr>
                    );
                  })
                )}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>
      {manager && campaign.state === "released" ? (
        <CloseCampaign campaignId={campaign.id} code={campaign.code} etag={etag} onClosed={reload} />
      ) : null}
      {campaign.state === "closed" ? <p className="alert alert-info">{t("close.isClosed")}</p> : null}
      <CasesPanel campaign={campaign} onChanged={() => {
        progress.reload();
        reload();
      }} />
    </div>
  );
}

function CloseCampaign({
  campaignId,
  code,
  etag,
  onClosed,
}: {
  campaignId: string;
  code: string;
  etag: string;
  onClosed: () => void;
}) {
  const { t } = useTranslation(NS);
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [closedCases, setClosedCases] = useState<number>();

  const close = async () => {
    setBusy(true);
    setError(undefined);
    let tag = etag;
    let closed = 0;
    try {
      for (;;) {
        const { data, response } = await api.POST("/api/campaigns/{campaign_id}/close", {
          params: { path: { campaign_id: campaignId } },
          headers: { "If-Match": tag },
        });
        if (!data) break;
        closed += data.done;
        setClosedCases(closed);
        tag = etagOf(response) || tag;
        if (data.pending === 0 || data.done === 0) break;
      }
      setAsking(false);
      onClosed();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="panel">
      <h2>{t("close.title")}</h2>
      <p className="muted">{t("close.intro")}</p>
      <button type="button" className="danger" onClick={() => setAsking(true)}>
        {t("close.close")}
      </button>
      {asking ? (
        <Dialog
          title={t("close.confirmTitle", { code })}
          onClose={() => setAsking(false)}
          footer={
            <>
              <button type="button" className="danger" disabled={busy} onClick={() => void close()}>
                {t("close.confirm")}
              </button>
              <button type="button" onClick={() => setAsking(false)}>
                {t("common:action.cancel")}
              </button>
            </>
          }
        >
          <p>{t("close.confirmText")}</p>
          <ProblemAlert error={error} />
          <p aria-live="polite">{closedCases !== undefined ? t("close.progress", { count: closedCases }) : null}</p>
        </Dialog>
      ) : null}
    </div>
  );
}
