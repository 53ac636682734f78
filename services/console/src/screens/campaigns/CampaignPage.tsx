// One campaign: its header (state, counts) and tabs, each a route of its own:
// overview (and edit), serial numbers, validation and release, progress and cases.
import { useTranslation } from "react-i18next";
import { Link, NavLink, Route, Routes, useParams } from "react-router-dom";

import { api, etagOf } from "../../api/client";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useLoad } from "../../hooks/useLoad";
import { CampaignOverview } from "./CampaignOverview";
import { NS } from "./messages";
import { ProgressPanel } from "./ProgressPanel";
import { stateBadge } from "./rules";
import { SerialsPanel } from "./SerialsPanel";
import type { CampaignDetail } from "./types";
import { ValidationPanel } from "./ValidationPanel";

export interface LoadedCampaign {
  campaign: CampaignDetail;
  etag: string;
}

/** What every tab gets: the campaign as last read, its ETag, and a way to read it again. */
export interface CampaignTabProps extends LoadedCampaign {
  reload: () => void;
}

export function CampaignPage() {
  const { t } = useTranslation(NS);
  const { campaignId = "" } = useParams();
  const loaded = useLoad<LoadedCampaign>(async () => {
    const { data, response } = await api.GET("/api/campaigns/{campaign_id}", {
      params: { path: { campaign_id: campaignId } },
    });
    if (!data) throw new Error("empty answer");
    return { campaign: data, etag: etagOf(response) };
  }, [campaignId]);

  if (!loaded.data) {
    return (
      <section>
        <p>
          <Link to="/campaigns">{t("detail.back")}</Link>
        </p>
        {loaded.error ? (
          <ProblemAlert error={loaded.error} onRetry={loaded.reload} />
        ) : (
          <p role="status">{t("common:state.loading")}</p>
        )}
      </section>
    );
  }
  const { campaign, etag } = loaded.data;
  const props: CampaignTabProps = { campaign, etag, reload: loaded.reload };
  const counts = campaign.counts;
  const base = `/campaigns/${campaign.id}`;
  return (
    <section>
      <p>
        <Link to="/campaigns">{t("detail.back")}</Link>
      </p>
      <div className="campaigns-heading">
        <h1>
          {campaign.code} — {campaign.name}
        </h1>
        <span className={stateBadge(campaign.state)} data-testid="campaign-state">
          {t(`state.${campaign.state}`)}
        </span>
      </div>
      <dl className="campaigns-counts" aria-label={t("detail.counts")}>
        <div>
          <dt>{t("counts.lines")}</dt>
          <dd>{counts.lines}</dd>
        </div>
        <div>
          <dt>{t("counts.failing")}</dt>
          <dd>{counts.failing}</dd>
        </div>
        <div>
          <dt>{t("counts.open")}</dt>
          <dd>{counts.cases_open}</dd>
        </div>
        <div>
          <dt>{t("counts.closed")}</dt>
          <dd>{counts.cases_closed}</dd>
        </div>
      </dl>
      <ProblemAlert error={loaded.error} onRetry={loaded.reload} />
      <nav className="tabs" aria-label={t("detail.sections")}>
        <NavLink to={base} end>
          {t("tab.overview")}
        </NavLink>
        <NavLink to={`${base}/serials`}>{t("tab.serials")}</NavLink>
        <NavLink to={`${base}/validation`}>{t("tab.validation")}</NavLink>
        <NavLink to={`${base}/progress`}>{t("tab.progress")}</NavLink>
      </nav>
      <Routes>
        <Route index element={<CampaignOverview {...props} onSaved={() => loaded.reload()} />} />
        <Route path="serials" element={<SerialsPanel {...props} />} />
        <Route path="validation" element={<ValidationPanel {...props} />} />
        <Route path="progress" element={<ProgressPanel {...props} />} />
        <Route path="*" element={<p role="alert">{t("common:error.notFound")}</p>} />
      </Routes>
    </section>
  );
}
