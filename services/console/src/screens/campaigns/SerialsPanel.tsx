// Serial numbers: add a pasted list or upload a CSV file (admins, until the campaign is
// closed); the lines in the order entered, paged, with "Remove" for a line without a case.
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../api/client";
import { asProblem } from "../../api/problem";
import { TextAreaField } from "../../components/Field";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useKeysetList } from "../../hooks/useKeysetList";
import type { CampaignTabProps } from "./CampaignPage";
import { NS } from "./messages";
import { useCampaignRoles } from "./roles";
import { parseSerialList } from "./rules";
import { serialLines } from "./serialsApi";
import { SerialLinesTable } from "./SerialLinesTable";
import type { SerialLine, SerialsSummary } from "./types";

type Show = "all" | "failing" | "passing";

export function SerialsPanel({ campaign, reload }: CampaignTabProps) {
  const { t } = useTranslation(NS);
  const { manager } = useCampaignRoles();
  const canChange = manager && campaign.state !== "closed";
  const [show, setShow] = useState<Show>("all");
  const list = useKeysetList<SerialLine>(
    (cursor) => serialLines(campaign.id, show === "all" ? undefined : show === "failing", cursor),
    [campaign.id, show],
  );
  const changed = () => {
    list.reload();
    reload();
  };

  return (
    <div>
      {canChange ? <AddSerials campaignId={campaign.id} onAdded={changed} /> : null}
      <div className="panel">
        <h2>{t("serials.title")}</h2>
        <div className="filters">
          <div className="field">
            <label htmlFor="campaign-serials-show">{t("serials.show")}</label>
            <select id="campaign-serials-show" value={show} onChange={(e) => setShow(e.target.value as Show)}>
              <option value="all">{t("serials.showAll")}</option>
              <option value="failing">{t("serials.showFailing")}</option>
              <option value="passing">{t("serials.showPassing")}</option>
            </select>
          </div>
        </div>
        <SerialLinesTable
          campaignId={campaign.id}
          caption={t("serials.caption", { code: campaign.code })}
          list={list}
          canRemove={canChange}
          onRemoved={changed}
          empty={t("serials.empty")}
        />
      </div>
    </div>
  );
}

function AddSerials({ campaignId, onAdded }: { campaignId: string; onAdded: () => void }) {
  const { t } = useTranslation(NS);
  const [text, setText] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<unknown>();
  const [summary, setSummary] = useState<SerialsSummary>();
  const [busy, setBusy] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);

  const run = async (send: () => Promise<SerialsSummary | undefined>, after: () => void) => {
    setBusy(true);
    setError(undefined);
    setSummary(undefined);
    try {
      const result = await send();
      setSummary(result);
      after();
      onAdded();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const addList = (event: FormEvent) => {
    event.preventDefault();
    const serials = parseSerialList(text);
    if (serials.length === 0) return;
    void run(
      async () =>
        (
          await api.POST("/api/campaigns/{campaign_id}/serials", {
            params: { path: { campaign_id: campaignId } },
            body: { serial_numbers: serials },
          })
        ).data,
      () => setText(""),
    );
  };

  const upload = (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    void run(
      async () => {
        const csv = await readText(file);
        return (
          await api.POST("/api/campaigns/{campaign_id}/serials/upload", {
            params: { path: { campaign_id: campaignId } },
            body: csv,
            bodySerializer: (body: string) => body,
            headers: { "Content-Type": "text/csv" },
          })
        ).data;
      },
      () => {
        setFile(null);
        if (fileInput.current) fileInput.current.value = "";
      },
    );
  };

  const count = parseSerialList(text).length;
  const lineNumber = error ? asProblem(error).body.line : undefined;
  return (
    <div className="panel">
      <h2>{t("serials.add")}</h2>
      <ProblemAlert error={error} claimedFields={["serial_numbers"]} />
      {typeof lineNumber === "number" ? <p className="field-error">{t("serials.badLine", { line: lineNumber })}</p> : null}
      <div aria-live="polite">
        {busy ? <p className="muted">{t("serials.adding")}</p> : null}
        {summary ? (
          <p className="alert alert-ok" role="status">
            {t("serials.summary", summary)}
            {summary.cases_opened ? ` ${t("serials.casesOpened", { count: summary.cases_opened })}` : ""}
          </p>
        ) : null}
      </div>
      <div className="campaigns-add">
        <form onSubmit={addList}>
          <TextAreaField
            label={t("serials.paste")}
            name="serial_numbers"
            error={error}
            hint={t("serials.pasteHint")}
            rows={6}
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
          <button type="submit" className="primary" disabled={busy || count === 0}>
            {t("serials.addList", { count })}
          </button>
        </form>
        <form onSubmit={upload}>
          <div className="field">
            <label htmlFor="campaign-serials-file">{t("serials.file")}</label>
            <input
              ref={fileInput}
              id="campaign-serials-file"
              type="file"
              accept=".csv,text/csv,text/plain"
              aria-describedby="campaign-serials-file-hint"
              onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            />
            <small id="campaign-serials-file-hint" className="muted">
              {t("serials.fileHint")}
            </small>
          </div>
          <button type="submit" disabled={busy || !file}>
            {t("serials.upload")}
          </button>
        </form>
      </div>
    </div>
  );
}

/** A chosen file's text (UTF-8; the API refuses anything else, naming the byte). */
function readText(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result ?? ""));
    reader.onerror = () => reject(reader.error ?? new Error("the file cannot be read"));
    reader.readAsText(file, "utf-8");
  });
}
