// Validate (admins), the validation report — every failing serial number with its reason
// in words, paged — and release: disabled while lines fail, the refusal shown with the
// report, and a release that stopped midway resumed by calling it again.
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api, etagOf } from "../../api/client";
import { asProblem, ProblemError } from "../../api/problem";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useKeysetList } from "../../hooks/useKeysetList";
import type { CampaignTabProps } from "./CampaignPage";
import { NS } from "./messages";
import { useCampaignRoles } from "./roles";
import { pendingLines, problemCounts, problemKey, releaseBlock } from "./rules";
import { serialLines } from "./serialsApi";
import { SerialLinesTable } from "./SerialLinesTable";
import type { SerialLine, Validation } from "./types";

interface ReleaseProgress {
  opened: number;
  pending: number;
  finished: boolean;
}

export function ValidationPanel({ campaign, etag, reload }: CampaignTabProps) {
  const { t } = useTranslation(NS);
  const { manager } = useCampaignRoles();
  const writable = manager && campaign.state !== "closed";
  const report = useKeysetList<SerialLine>((cursor) => serialLines(campaign.id, true, cursor), [campaign.id]);
  const [validation, setValidation] = useState<Validation>();
  const [error, setError] = useState<unknown>();
  const [refusal, setRefusal] = useState<ProblemError>();
  const [progress, setProgress] = useState<ReleaseProgress>();
  const [busy, setBusy] = useState<"validate" | "release">();

  const refresh = () => {
    report.reload();
    reload();
  };

  const validate = async () => {
    setBusy("validate");
    setError(undefined);
    setRefusal(undefined);
    try {
      const { data } = await api.POST("/api/campaigns/{campaign_id}/validate", {
        params: { path: { campaign_id: campaign.id } },
      });
      setValidation(data);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(undefined);
      refresh();
    }
  };

  const release = async () => {
    setBusy("release");
    setError(undefined);
    setRefusal(undefined);
    let tag = etag;
    let opened = 0;
    try {
      // Each call opens a batch; 202 with `pending` says: call again (with the new ETag).
      for (;;) {
        const { data, response } = await api.POST("/api/campaigns/{campaign_id}/release", {
          params: { path: { campaign_id: campaign.id } },
          headers: { "If-Match": tag },
        });
        if (!data) break;
        opened += data.done;
        tag = etagOf(response) || tag;
        const stalled = data.pending > 0 && data.done === 0;
        setProgress({ opened, pending: data.pending, finished: data.pending === 0 });
        if (data.pending === 0 || stalled) break;
      }
    } catch (failure) {
      const problem = asProblem(failure);
      if (problem.status === 409 && typeof problem.body.failing === "number") setRefusal(problem);
      else setError(failure);
    } finally {
      setBusy(undefined);
      refresh();
    }
  };

  const block = releaseBlock(campaign.state, campaign.counts);
  const waiting = campaign.state === "released" ? pendingLines(campaign.counts) : 0;

  return (
    <div>
      <div className="panel">
        <h2>{t("validation.title")}</h2>
        <p className="muted">{t("validation.intro")}</p>
        <ProblemAlert error={error} />
        {writable ? (
          <div className="toolbar">
            <button type="button" onClick={() => void validate()} disabled={busy !== undefined}>
              {t("validation.validate")}
            </button>
          </div>
        ) : null}
        <div aria-live="polite">
          {busy === "validate" ? <p className="muted">{t("validation.running")}</p> : null}
          {validation ? (
            <div className={validation.failing ? "alert alert-error" : "alert alert-ok"} role="status">
              <p>{t("validation.result", { lines: validation.lines, failing: validation.failing })}</p>
              <ProblemCounts problems={validation.problems} />
            </div>
          ) : null}
        </div>
      </div>

      {manager && campaign.state !== "closed" ? (
        <div className="panel">
          <h2>{t("release.title")}</h2>
          {campaign.state === "draft" ? (
            <>
              <p id="campaign-release-why" className={block ? "campaigns-block" : "muted"}>
                {block ? t(`release.block.${block}`, { count: campaign.counts.failing }) : t("release.ready", { count: campaign.counts.lines })}
              </p>
              <button
                type="button"
                className="primary"
                disabled={block !== null || busy !== undefined}
                aria-describedby="campaign-release-why"
                onClick={() => void release()}
              >
                {t("release.release")}
              </button>
            </>
          ) : waiting > 0 ? (
            <>
              <p id="campaign-release-why">{t("release.waiting", { count: waiting })}</p>
              <button
                type="button"
                className="primary"
                disabled={busy !== undefined}
                aria-describedby="campaign-release-why"
                onClick={() => void release()}
              >
                {t("release.resume")}
              </button>
            </>
          ) : (
            <p className="muted">{t("release.done")}</p>
          )}
          <div aria-live="polite">
            {busy === "release" ? <p className="muted">{t("release.running")}</p> : null}
            {progress ? (
              <p className={progress.finished ? "alert alert-ok" : "alert alert-info"} role="status">
                {progress.finished
                  ? t("release.finished", { count: progress.opened })
                  : t("release.partial", { count: progress.opened, pending: progress.pending })}
              </p>
            ) : null}
          </div>
          {refusal ? <Refusal problem={refusal} /> : null}
        </div>
      ) : null}

      <div className="panel">
        <h2>{t("report.title")}</h2>
        <SerialLinesTable
          campaignId={campaign.id}
          caption={t("report.caption", { code: campaign.code })}
          list={report}
          canRemove={writable}
          onRemoved={refresh}
          empty={t("report.empty")}
        />
      </div>
    </div>
  );
}

function ProblemCounts({ problems }: { problems: unknown }) {
  const { t } = useTranslation(NS);
  const counts = problemCounts(problems);
  if (counts.length === 0) return null;
  return (
    <ul className="campaigns-problem-counts">
      {counts.map(([code, count]) => (
        <li key={code}>
          {t(problemKey(code), { code })}: {count}
        </li>
      ))}
    </ul>
  );
}

/** The API's 409 to a release: how many fail, why, and the request id. */
function Refusal({ problem }: { problem: ProblemError }) {
  const { t } = useTranslation(NS);
  return (
    <div className="alert alert-error" role="alert">
      <strong>{t("release.refused")}</strong>
      <p>{problem.detail}</p>
      <ProblemCounts problems={problem.body.problems} />
      <p>{t("release.seeReport")}</p>
      {problem.requestId ? <p className="muted">{t("common:error.requestId", { id: problem.requestId })}</p> : null}
    </div>
  );
}
