import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";

import { api } from "../../../api/client";
import { DataTable, Pager } from "../../../components/DataTable";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useKeysetList } from "../../../hooks/useKeysetList";
import { useLoad } from "../../../hooks/useLoad";
import { NS } from "../messages";
import { paths } from "../paths";
import { isFinished, progressPercent } from "../rules";
import { formatDate } from "../shared";
import type { ImportError, ImportJob } from "../types";
import { StateBadge } from "./ImportsPage";

/** How often a running job is asked for its progress. */
export const POLL_MS = 1000;

/** One import job: its progress (polled until it is done), its counts and its bad rows. */
export function ImportJobView() {
  const { t, i18n } = useTranslation(NS);
  const { jobId = "" } = useParams();
  const loaded = useLoad(async () => {
    const { data } = await api.GET("/api/imports/{job_id}", { params: { path: { job_id: jobId } } });
    return data as ImportJob;
  }, [jobId]);
  const job = loaded.data;
  const finished = job ? isFinished(job) : false;

  useEffect(() => {
    if (!job || finished || loaded.loading) return undefined;
    const timer = setTimeout(loaded.reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [job, finished, loaded.loading, loaded.reload]);

  const errors = useKeysetList<ImportError>(
    async (cursor) => {
      const { data } = await api.GET("/api/imports/{job_id}/errors", {
        params: { path: { job_id: jobId }, query: { cursor, limit: 100 } },
      });
      return data ?? { items: [] };
    },
    [jobId, finished, job?.failed ?? 0],
  );

  if (!job && loaded.error) return <ProblemAlert error={loaded.error} onRetry={loaded.reload} />;
  if (!job) return <p className="muted">{t("common:state.loading")}</p>;
  const percent = progressPercent(job);
  const state = t(`import.state.${job.state}`);

  return (
    <article aria-labelledby="ib-job-title">
      <p>
        <Link to={paths.imports}>{t("import.back")}</Link>
      </p>
      <h2 id="ib-job-title">
        {t("import.jobTitle", { file: job.file_name ?? job.id })} <StateBadge state={job.state} />
      </h2>
      {loaded.error ? <ProblemAlert error={loaded.error} /> : null}
      <div className="ib-progress panel">
        <progress
          aria-label={t("import.progress")}
          max={100}
          value={percent}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          aria-valuetext={percent === undefined ? state : t("import.percent", { percent })}
        />
        <p aria-live="polite" role="status">
          {percent === undefined ? "" : `${t("import.percent", { percent })} – `}
          {t("import.progressText", {
            state,
            lines: job.lines_done,
            created: job.created,
            updated: job.updated,
            unchanged: job.unchanged,
            failed: job.failed,
          })}
        </p>
        {job.error ? (
          <p role="alert" className="alert alert-error">
            {t("import.error", { error: job.error })}
          </p>
        ) : null}
        <dl className="ib-detail">
          <dt>{t("import.kind")}</dt>
          <dd>{t(`import.kind.${job.kind}`)}</dd>
          <dt>{t("import.startedAt")}</dt>
          <dd>{formatDate(job.created_at, i18n.language)}</dd>
          <dt>{t("import.requestedBy")}</dt>
          <dd>{job.requested_by ?? "–"}</dd>
        </dl>
      </div>
      <section aria-labelledby="ib-job-errors">
        <h3 id="ib-job-errors">{t("import.errors")}</h3>
        <ProblemAlert error={errors.error} onRetry={errors.reload} />
        <DataTable<ImportError>
          caption={t("import.errors")}
          rows={errors.items}
          rowKey={(e) => `${e.line}:${e.field ?? ""}:${e.message}`}
          empty={errors.loading ? t("common:state.loading") : t("import.noErrors")}
          columns={[
            { key: "line", header: t("import.errorLine"), render: (e) => e.line },
            { key: "field", header: t("import.errorField"), render: (e) => (e.field ? <code>{e.field}</code> : "") },
            { key: "message", header: t("import.errorMessage"), render: (e) => e.message },
          ]}
        />
        <Pager count={errors.items.length} hasMore={errors.hasMore} loading={errors.loading} onMore={errors.loadMore} />
      </section>
    </article>
  );
}
