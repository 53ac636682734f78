import { type KeyboardEvent, type ReactNode, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { api } from "../../../api/client";
import { Dialog } from "../../../components/Dialog";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { formatDay, formatInstant } from "../format";
import { NS } from "../messages";
import { allows, canCreateServiceOrder, hasError } from "../rules";
import { StateBadge } from "../StateBadge";
import type { Callout } from "../types";
import { ErrorPanel } from "./ErrorPanel";
import { HistoryPanel } from "./HistoryPanel";
import { MessagePanel } from "./MessagePanel";
import { RecipientForm } from "./RecipientForm";
import { SettingsPanel } from "./SettingsPanel";

type Tab = "overview" | "message" | "settings" | "error" | "history";
const TABS: readonly Tab[] = ["overview", "message", "settings", "error", "history"];
type RecipientMode = "update-recipient" | "update-recipient-and-synchronize";

/** One callout: its facts and the seed's dialogs (message, settings, error with its trace
 * id, history) as tabs; for operators "update recipient" (and synchronize) and "create
 * service order", each enabled by its rule. */
export function CalloutDialog({
  callout,
  canAct,
  onClose,
  onChanged,
}: {
  callout: Callout;
  canAct: boolean;
  onClose: () => void;
  onChanged: (changed: Callout) => void;
}) {
  const { t } = useTranslation(NS);
  const [tab, setTab] = useState<Tab>("overview");
  const [recipient, setRecipient] = useState<RecipientMode>();
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const tabRefs = useRef<Partial<Record<Tab, HTMLButtonElement | null>>>({});

  const available = (candidate: Tab) => candidate !== "error" || hasError(callout);
  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>) => {
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    const enabled = TABS.filter(available);
    const index = enabled.indexOf(tab);
    const next = enabled[(index + (event.key === "ArrowRight" ? 1 : enabled.length - 1)) % enabled.length] ?? tab;
    setTab(next);
    tabRefs.current[next]?.focus();
  };

  const requestServiceOrder = async () => {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      const { data } = await api.POST("/api/callouts/{callout_id}/create-service-order", {
        params: { path: { callout_id: callout.id } },
      });
      if (data) onChanged(data);
      setNotice(t("serviceOrder.requested"));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const title = t("dialog.title", { serial: callout.serial_number ?? callout.id, step: callout.step_description ?? "" });
  const footer = canAct ? (
    <>
      <button
        type="button"
        disabled={busy || !allows("update-recipient", callout)}
        onClick={() => setRecipient("update-recipient")}
      >
        {t("action.update-recipient")}
      </button>
      <button
        type="button"
        disabled={busy || !allows("update-recipient-and-synchronize", callout)}
        onClick={() => setRecipient("update-recipient-and-synchronize")}
      >
        {t("action.update-recipient-and-synchronize")}
      </button>
      <button type="button" disabled={busy || !canCreateServiceOrder(callout)} onClick={() => void requestServiceOrder()}>
        {t("action.createServiceOrder")}
      </button>
    </>
  ) : undefined;

  return (
    <Dialog title={title} onClose={onClose} wide footer={footer}>
      {notice ? (
        <div role="status" className="alert alert-ok">
          {notice}
        </div>
      ) : null}
      <ProblemAlert error={error} />
      {recipient ? (
        <RecipientForm
          callout={callout}
          mode={recipient}
          onCancel={() => setRecipient(undefined)}
          onDone={(changed, waiting) => {
            onChanged(changed);
            setRecipient(undefined);
            setNotice(waiting ? t("recipient.waiting") : t("recipient.done"));
          }}
        />
      ) : (
        <>
          <div className="tabs" role="tablist" aria-label={t("tabs.label")}>
            {TABS.map((name) => (
              <button
                key={name}
                ref={(el) => {
                  tabRefs.current[name] = el;
                }}
                type="button"
                role="tab"
                id={`callout-tab-${name}`}
                aria-selected={tab === name}
                aria-controls={`callout-panel-${name}`}
                tabIndex={tab === name ? 0 : -1}
                disabled={!available(name)}
                onClick={() => setTab(name)}
                onKeyDown={onTabKey}
              >
                {t(`tab.${name}`)}
              </button>
            ))}
          </div>
          <div role="tabpanel" id={`callout-panel-${tab}`} aria-labelledby={`callout-tab-${tab}`}>
            {tab === "overview" ? <Overview callout={callout} /> : null}
            {tab === "message" ? <MessagePanel calloutId={callout.id} /> : null}
            {tab === "settings" ? <SettingsPanel calloutId={callout.id} /> : null}
            {tab === "error" ? <ErrorPanel calloutId={callout.id} /> : null}
            {tab === "history" ? <HistoryPanel calloutId={callout.id} /> : null}
          </div>
        </>
      )}
    </Dialog>
  );
}

function Overview({ callout }: { callout: Callout }) {
  const { t, i18n } = useTranslation(NS);
  const at = (value: string | null) => formatInstant(value, i18n.language);
  const by = (when: string | null, who: string | null) => (when ? t("overview.by", { at: at(when), who: who ?? "—" }) : "");
  const facts: [string, ReactNode][] = [
    ["overview.state", <StateBadge key="state" state={callout.state} />],
    ["overview.scheduledFor", formatDay(callout.scheduled_for, i18n.language)],
    ["overview.serviceType", callout.service_type_name ?? ""],
    ["overview.step", callout.step_description ?? ""],
    [
      "overview.serialItem",
      <span key="item">
        <Link to={`/installed-base/serial-items/${callout.serial_item_id}`}>
          {[callout.serial_number, callout.serial_item_name].filter(Boolean).join(" · ")}
        </Link>
        {" · "}
        <Link to={`/callouts/serial-items/${callout.serial_item_id}`}>{t("overview.itemCallouts")}</Link>
      </span>,
    ],
    [
      "overview.customer",
      <Link key="customer" to={`/installed-base/customers/${callout.customer_id}`}>
        {[callout.customer_number, callout.customer_name].filter(Boolean).join(" · ")}
      </Link>,
    ],
    ["overview.sendTo", callout.send_to ?? ""],
    ["overview.orgUnit", callout.org_unit ?? ""],
    ["overview.approved", by(callout.approved_at, callout.approved_by)],
    ["overview.sent", at(callout.sent_at)],
    ["overview.completed", by(callout.completed_at, callout.completed_by)],
    ["overview.cancelled", by(callout.cancelled_at, callout.cancelled_by)],
    [
      "overview.serviceOrder",
      callout.service_order_number
        ? `${callout.service_order_number}${callout.service_order_stage ? ` (${callout.service_order_stage})` : ""}`
        : callout.service_order_requested_at
          ? t("overview.serviceOrderRequested", {
              at: at(callout.service_order_requested_at),
              who: callout.service_order_requested_by ?? "—",
            })
          : "",
    ],
  ];
  return (
    <>
      {callout.resend_at_customer_version != null ? (
        <p className="alert alert-info">
          {t("overview.waiting", {
            version: callout.resend_at_customer_version,
            at: at(callout.customer_wait_since ?? null),
          })}
        </p>
      ) : null}
      <dl className="callouts-facts">
        {facts
          .filter(([, value]) => value !== "")
          .map(([label, value]) => (
            <div key={label}>
              <dt>{t(label)}</dt>
              <dd>{value}</dd>
            </div>
          ))}
      </dl>
    </>
  );
}
