// A page of a campaign's serial lines (all of them, or the validation report's failing
// ones) with each line's state in words and "Remove" for lines without a case (admins).
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../api/client";
import { type Column, DataTable, Pager } from "../../components/DataTable";
import { ProblemAlert } from "../../components/ProblemAlert";
import type { KeysetList } from "../../hooks/useKeysetList";
import { NS } from "./messages";
import { lineStatus, problemKey } from "./rules";
import type { SerialLine } from "./types";

export function lineKey(line: SerialLine): string {
  return `${line.serial_number}\u0000${line.product_number}`;
}

export function SerialLinesTable({
  campaignId,
  caption,
  list,
  canRemove,
  onRemoved,
  empty,
}: {
  campaignId: string;
  caption: string;
  list: KeysetList<SerialLine>;
  canRemove: boolean;
  onRemoved: (line: SerialLine) => void;
  empty: string;
}) {
  const { t } = useTranslation(NS);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<string>();

  const remove = async (line: SerialLine) => {
    setBusy(lineKey(line));
    setError(undefined);
    try {
      await api.DELETE("/api/campaigns/{campaign_id}/serials/{serial_number}", {
        params: {
          path: { campaign_id: campaignId, serial_number: line.serial_number },
          query: line.product_number ? { product_number: line.product_number } : {},
        },
      });
      onRemoved(line);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(undefined);
    }
  };

  const columns: Column<SerialLine>[] = [
    { key: "position", header: "#", render: (l) => l.position },
    { key: "serial", header: t("field.serialNumber"), render: (l) => l.serial_number },
    { key: "product", header: t("field.productNumber"), render: (l) => l.product_number || "—" },
    {
      key: "status",
      header: t("serials.status"),
      render: (l) => {
        const status = lineStatus(l);
        if (status === "failing") {
          return (
            <span className="campaigns-problem">
              <span className="badge badge-danger">{t(problemKey(l.problem ?? ""), { code: l.problem })}</span>
              {l.problem_detail ? <span className="muted"> {l.problem_detail}</span> : null}
            </span>
          );
        }
        return <span className={status === "case" ? "badge badge-ok" : "badge"}>{t(`line.${status}`)}</span>;
      },
    },
  ];
  if (canRemove) {
    columns.push({
      key: "actions",
      header: <span className="visually-hidden">{t("serials.actions")}</span>,
      render: (l) =>
        l.case_id ? null : (
          <button
            type="button"
            className="danger"
            disabled={busy === lineKey(l)}
            aria-label={t("serials.removeLine", { serial: l.serial_number })}
            onClick={() => void remove(l)}
          >
            {t("serials.remove")}
          </button>
        ),
    });
  }
  return (
    <>
      <ProblemAlert error={error} />
      <ProblemAlert error={list.error} onRetry={list.reload} />
      <DataTable
        caption={caption}
        columns={columns}
        rows={list.items}
        rowKey={lineKey}
        empty={list.loading ? t("common:state.loading") : empty}
      />
      <Pager count={list.items.length} hasMore={list.hasMore} loading={list.loading} onMore={list.loadMore} />
    </>
  );
}
