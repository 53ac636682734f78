// The campaign's cases (GET /api/cases?campaign_id=): status and serial number filters,
// keyset paging, CSV export, and closing a case by hand with a reason (operators, admins).
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";

import { api, download, queryString } from "../../api/client";
import { type Column, DataTable, Pager } from "../../components/DataTable";
import { Dialog } from "../../components/Dialog";
import { SelectField, TextAreaField } from "../../components/Field";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useKeysetList } from "../../hooks/useKeysetList";
import { NS } from "./messages";
import { useCampaignRoles } from "./roles";
import { etagOfVersion, formatDateTime } from "./rules";
import type { CampaignDetail, Case, CaseOutcome } from "./types";

type Status = "" | "open" | "closed";

export function CasesPanel({ campaign, onChanged }: { campaign: CampaignDetail; onChanged: () => void }) {
  const { t, i18n } = useTranslation(NS);
  const { closer: canClose } = useCampaignRoles();
  const [status, setStatus] = useState<Status>("");
  const [serialText, setSerialText] = useState("");
  const [serial, setSerial] = useState("");
  const [closing, setClosing] = useState<Case>();
  const [exportError, setExportError] = useState<unknown>();

  const filters = {
    campaign_id: campaign.id,
    status: status || undefined,
    serial_number: serial || undefined,
  };
  const list = useKeysetList<Case>(
    async (cursor) => {
      const { data } = await api.GET("/api/cases", { params: { query: { ...filters, cursor, limit: 50 } } });
      return data ?? { items: [], next_cursor: null };
    },
    [campaign.id, status, serial, campaign.counts.cases_open, campaign.counts.cases_closed],
  );

  const exportCsv = async () => {
    setExportError(undefined);
    try {
      // Absolute (same origin): the component tests' fetch stub reads no relative URL.
      const url = `${window.location.origin}/api/cases/export.csv${queryString(filters)}`;
      await download(url, `cases-${campaign.code}.csv`);
    } catch (failure) {
      setExportError(failure);
    }
  };

  const columns: Column<Case>[] = [
    { key: "number", header: t("cases.number"), render: (c) => c.number },
    { key: "serial", header: t("field.serialNumber"), render: (c) => c.serial_number ?? "—" },
    {
      key: "status",
      header: t("cases.status"),
      render: (c) => (
        <span className={c.status === "open" ? "badge badge-warn" : "badge badge-ok"}>{t(`caseStatus.${c.status}`)}</span>
      ),
    },
    { key: "opened", header: t("cases.opened"), render: (c) => formatDateTime(c.created_at, i18n.language) },
    {
      key: "closed",
      header: t("cases.closedHow"),
      render: (c) =>
        c.status === "closed" ? (
          <span>
            {c.closed_how ? t(`closedHow.${c.closed_how}`, { order: c.service_order_number ?? "" }) : ""}{" "}
            <span className="muted">
              {formatDateTime(c.closed_at, i18n.language)} {c.closed_by ?? ""} {c.close_reason ?? ""}
            </span>
          </span>
        ) : (
          "—"
        ),
    },
  ];
  if (canClose) {
    columns.push({
      key: "actions",
      header: <span className="visually-hidden">{t("cases.actions")}</span>,
      render: (c) =>
        c.status === "open" ? (
          <button type="button" aria-label={t("cases.closeCase", { number: c.number })} onClick={() => setClosing(c)}>
            {t("cases.close")}
          </button>
        ) : null,
    });
  }

  return (
    <div className="panel">
      <h2>{t("cases.title")}</h2>
      <form
        className="filters"
        role="search"
        aria-label={t("cases.filters")}
        onSubmit={(e) => {
          e.preventDefault();
          setSerial(serialText.trim());
        }}
      >
        <div className="field">
          <label htmlFor="campaign-cases-status">{t("cases.status")}</label>
          <select id="campaign-cases-status" value={status} onChange={(e) => setStatus(e.target.value as Status)}>
            <option value="">{t("common:all")}</option>
            <option value="open">{t("caseStatus.open")}</option>
            <option value="closed">{t("caseStatus.closed")}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="campaign-cases-serial">{t("field.serialNumber")}</label>
          <input id="campaign-cases-serial" type="search" value={serialText} onChange={(e) => setSerialText(e.target.value)} />
        </div>
        <div className="field">
          <button type="submit">{t("common:action.search")}</button>
        </div>
        <div className="field">
          <button type="button" onClick={() => void exportCsv()}>
            {t("cases.export")}
          </button>
        </div>
      </form>
      <ProblemAlert error={exportError} />
      <ProblemAlert error={list.error} onRetry={list.reload} />
      <DataTable
        caption={t("cases.caption", { code: campaign.code })}
        columns={columns}
        rows={list.items}
        rowKey={(c) => c.id}
        empty={list.loading ? t("common:state.loading") : t("cases.empty")}
      />
      <Pager count={list.items.length} hasMore={list.hasMore} loading={list.loading} onMore={list.loadMore} />
      {closing ? (
        <CloseCaseDialog
          theCase={closing}
          onClose={() => setClosing(undefined)}
          onClosed={() => {
            setClosing(undefined);
            list.reload();
            onChanged();
          }}
        />
      ) : null}
    </div>
  );
}

function CloseCaseDialog({ theCase, onClose, onClosed }: { theCase: Case; onClose: () => void; onClosed: () => void }) {
  const { t } = useTranslation(NS);
  const [reason, setReason] = useState("");
  const [outcome, setOutcome] = useState<CaseOutcome>("completed");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.POST("/api/cases/{case_id}/close", {
        params: { path: { case_id: theCase.id } },
        body: { reason: reason.trim(), outcome },
        headers: { "If-Match": etagOfVersion(theCase.version) },
      });
      onClosed();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={t("cases.closeTitle", { number: theCase.number })} onClose={onClose}>
      <form onSubmit={(e) => void submit(e)}>
        <ProblemAlert error={error} claimedFields={["reason", "outcome"]} />
        <TextAreaField
          label={t("cases.reason")}
          name="reason"
          error={error}
          required
          rows={3}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
        <SelectField
          label={t("cases.outcome")}
          name="outcome"
          error={error}
          value={outcome}
          options={[
            { value: "completed", label: t("outcome.completed") },
            { value: "cancelled", label: t("outcome.cancelled") },
          ]}
          onChange={(e) => setOutcome(e.target.value as CaseOutcome)}
        />
        <div className="toolbar">
          <button type="submit" className="primary" disabled={busy || !reason.trim()}>
            {t("cases.confirmClose")}
          </button>
          <button type="button" onClick={onClose}>
            {t("common:action.cancel")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
