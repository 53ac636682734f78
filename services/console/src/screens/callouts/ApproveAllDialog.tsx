import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../api/client";
import { Dialog } from "../../components/Dialog";
import { ProblemAlert } from "../../components/ProblemAlert";
import type { FilterQuery } from "./filters";
import { NS } from "./messages";

// The label of each query parameter, as the filter panel names it.
const LABELS: Record<string, string> = {
  state: "filters.state",
  service_type_id: "filters.serviceType",
  org_unit: "filters.orgUnit",
  scheduled_from: "filters.scheduledFrom",
  scheduled_to: "filters.scheduledTo",
  approved_from: "filters.approvedFrom",
  approved_to: "filters.approvedTo",
  completed_from: "filters.completedFrom",
  completed_to: "filters.completedTo",
  customer: "filters.customer",
  customer_id: "filters.customerId",
  step: "filters.step",
  serial_item_id: "filters.serialItemId",
};

/** "Approve all": every callout awaiting approval that matches the list's filters,
 * after the user has seen those filters and confirmed. */
export function ApproveAllDialog({
  query,
  onClose,
  onDone,
}: {
  query: FilterQuery;
  onClose: () => void;
  onDone: (approved: number) => void;
}) {
  const { t } = useTranslation(NS);
  const { t: tc } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const entries = Object.entries(query);

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { data } = await api.POST("/api/callouts/approve-all", { params: { query } });
      onDone(data?.approved ?? 0);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={t("approveAll.title")}
      onClose={onClose}
      footer={
        <>
          <button type="button" onClick={onClose}>
            {tc("action.cancel")}
          </button>
          <button type="button" className="primary" disabled={busy} onClick={() => void confirm()}>
            {t("approveAll.confirm")}
          </button>
        </>
      }
    >
      <p>{t("approveAll.question")}</p>
      <h3>{t("approveAll.filters")}</h3>
      {entries.length ? (
        <dl className="callouts-facts">
          {entries.map(([key, value]) => (
            <div key={key}>
              <dt>{LABELS[key] ? t(LABELS[key]) : key}</dt>
              <dd>
                {Array.isArray(value)
                  ? value.map((v: string) => (key === "state" ? t(`state.${v}`) : v)).join(", ")
                  : String(value)}
              </dd>
            </div>
          ))}
        </dl>
      ) : (
        <p className="muted">{t("approveAll.noFilters")}</p>
      )}
      <ProblemAlert error={error} />
    </Dialog>
  );
}
