import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";

import { api } from "../../../api/client";
import { asProblem } from "../../../api/problem";
import { DataTable, Pager } from "../../../components/DataTable";
import { SelectField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useKeysetList } from "../../../hooks/useKeysetList";
import { uploadImport } from "../api";
import { NS } from "../messages";
import { paths } from "../paths";
import { IMPORT_COLUMNS } from "../rules";
import { formatDate, useCanChange } from "../shared";
import { type ImportJob, type ImportPath, JOB_STATES, type JobState } from "../types";

const WHAT: readonly ImportPath[] = ["customers", "serial-items"];

/** Upload a file of customers or serial items (operators, admins) and the jobs so far. */
export function ImportsPage() {
  const canChange = useCanChange();
  return (
    <div>
      {canChange ? <UploadForm /> : null}
      <JobList />
    </div>
  );
}

function UploadForm() {
  const { t } = useTranslation(NS);
  const navigate = useNavigate();
  const [what, setWhat] = useState<ImportPath>("customers");
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<unknown>();
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const columns = IMPORT_COLUMNS[what];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setMissing(!file);
    if (!file) return;
    setBusy(true);
    try {
      const job = await uploadImport(what, file);
      navigate(paths.importJob(job.id));
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <form className="panel" onSubmit={(e) => void submit(e)} aria-labelledby="ib-import-title" noValidate>
      <h2 id="ib-import-title">{t("import.title")}</h2>
      <ProblemAlert error={error} claimedFields={["body", "Content-Type"]} />
      <div className="form-grid">
        <SelectField
          label={t("import.kind")}
          name="what"
          value={what}
          onChange={(e) => setWhat(e.target.value as ImportPath)}
          options={WHAT.map((w) => ({ value: w, label: t(`import.kind.${w}`) }))}
        />
        <div className={missing || fileMessage(error) ? "field field-invalid" : "field"}>
          <label htmlFor="ib-import-file">{t("import.file")}</label>
          <input
            id="ib-import-file"
            type="file"
            accept=".csv,.jsonl,text/csv,application/x-ndjson"
            aria-invalid={missing || fileMessage(error) ? true : undefined}
            aria-describedby={missing || fileMessage(error) ? "ib-import-file-error" : undefined}
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setMissing(false);
            }}
          />
          {missing || fileMessage(error) ? (
            <small id="ib-import-file-error" className="field-error" role="alert">
              {missing ? t("import.chooseFile") : fileMessage(error)}
            </small>
          ) : null}
        </div>
      </div>
      <details className="ib-columns-list" open>
        <summary>{t("import.columns")}</summary>
        <p>
          {columns.required.map((c) => (
            <code key={c}>
              {c} ({t("import.required")})
            </code>
          ))}
          {columns.optional.map((c) => (
            <code key={c}>{c}</code>
          ))}
        </p>
        <p className="muted">{t("import.columnsHint")}</p>
      </details>
      <button type="submit" className="primary" disabled={busy}>
        {busy ? t("import.uploading") : t("import.upload")}
      </button>
    </form>
  );
}

/** The API's message about the uploaded file itself (empty, too large, wrong type). */
function fileMessage(error: unknown): string | undefined {
  if (!error) return undefined;
  const problem = asProblem(error);
  return problem.messageFor("body") ?? problem.messageFor("Content-Type");
}

function JobList() {
  const { t, i18n } = useTranslation(NS);
  const [state, setState] = useState<JobState | "">("");
  const [kind, setKind] = useState<"" | "customers" | "serial_items">("");
  const list = useKeysetList<ImportJob>(
    async (cursor) => {
      const { data } = await api.GET("/api/imports", {
        params: { query: { state: state || undefined, kind: kind || undefined, cursor, limit: 25 } },
      });
      return data ?? { items: [] };
    },
    [state, kind],
  );
  return (
    <section aria-labelledby="ib-jobs-title">
      <div className="toolbar">
        <h2 id="ib-jobs-title">{t("import.jobs")}</h2>
        <button type="button" onClick={list.reload}>
          {t("conflict.reload")}
        </button>
      </div>
      <div className="filters" role="search" aria-label={t("filter.title")}>
        <SelectField
          label={t("import.state")}
          name="state"
          error={list.error}
          value={state}
          onChange={(e) => setState(e.target.value as JobState | "")}
          options={[{ value: "", label: t("filter.any") }, ...JOB_STATES.map((s) => ({ value: s, label: t(`import.state.${s}`) }))]}
        />
        <SelectField
          label={t("filter.kind")}
          name="kind"
          error={list.error}
          value={kind}
          onChange={(e) => setKind(e.target.value as typeof kind)}
          options={[
            { value: "", label: t("filter.any") },
            { value: "customers", label: t("import.kind.customers") },
            { value: "serial_items", label: t("import.kind.serial_items") },
          ]}
        />
      </div>
      <ProblemAlert error={list.error} claimedFields={["state", "kind"]} onRetry={list.reload} />
      <DataTable<ImportJob>
        caption={t("import.jobs")}
        rows={list.items}
        rowKey={(j) => j.id}
        empty={list.loading ? t("common:state.loading") : undefined}
        columns={[
          { key: "file", header: t("import.fileName"), render: (j) => <Link to={paths.importJob(j.id)}>{j.file_name ?? j.id}</Link> },
          { key: "kind", header: t("import.kind"), render: (j) => t(`import.kind.${j.kind}`) },
          { key: "state", header: t("import.state"), render: (j) => <StateBadge state={j.state} /> },
          { key: "at", header: t("import.startedAt"), render: (j) => formatDate(j.created_at, i18n.language) },
          { key: "by", header: t("import.requestedBy"), render: (j) => j.requested_by ?? "" },
          { key: "lines", header: t("import.lines"), render: (j) => j.lines_done },
          { key: "created", header: t("import.created"), render: (j) => j.created },
          { key: "updated", header: t("import.updated"), render: (j) => j.updated },
          { key: "failed", header: t("import.failedRows"), render: (j) => j.failed },
        ]}
      />
      <Pager count={list.items.length} hasMore={list.hasMore} loading={list.loading} onMore={list.loadMore} />
    </section>
  );
}

export function StateBadge({ state }: { state: JobState }) {
  const { t } = useTranslation(NS);
  const tone = state === "completed" ? "badge badge-ok" : state === "failed" ? "badge badge-danger" : "badge badge-warn";
  return <span className={tone}>{t(`import.state.${state}`)}</span>;
}
