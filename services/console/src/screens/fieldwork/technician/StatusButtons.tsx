import { useState } from "react";
import { useTranslation } from "react-i18next";

import type { components } from "../../../api/schema";
import { CheckboxField } from "../../../components/Field";
import { Dialog } from "../../../components/Dialog";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { campaignName } from "./format";
import { NS } from "./messages";
import { allowedActions, needsConfirmation, type OrderAction } from "./statusRules";
import { actOnOrder, type OrderView, type Versioned } from "./technicianApi";

type CampaignCase = components["schemas"]["CampaignCaseOut"];

/** The big status buttons: only the actions the order's state allows; the server's
 * refusal (a 409 with its reason) is shown as it comes. */
export function StatusButtons({
  order,
  onChanged,
}: {
  order: Versioned<OrderView>;
  onChanged: (order: Versioned<OrderView>) => void;
}) {
  const { t } = useTranslation(NS);
  const [busy, setBusy] = useState<OrderAction | null>(null);
  const [error, setError] = useState<unknown>();
  const [asking, setAsking] = useState<OrderAction | null>(null);
  const [done, setDone] = useState("");
  const actions = allowedActions(order.value.stage, order.value.status);

  async function run(action: OrderAction, campaignCaseIds: string[] = []) {
    setBusy(action);
    setError(undefined);
    setDone("");
    try {
      const next = await actOnOrder(order.value.id, action, order.etag, campaignCaseIds);
      setAsking(null);
      onChanged(next);
      setDone(t("action.done", { action: t(`action.${action}`) }));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(null);
    }
  }

  function press(action: OrderAction) {
    if (action === "complete" || needsConfirmation(action)) {
      setError(undefined);
      setAsking(action);
    } else {
      void run(action);
    }
  }

  return (
    <section className="tech-actions-panel" aria-labelledby="tech-actions-title">
      <h2 id="tech-actions-title">{t("action.title")}</h2>
      <p className="visually-hidden" aria-live="polite">
        {done}
      </p>
      {asking ? null : <ProblemAlert error={error} />}
      {actions.length === 0 ? (
        <p className="muted">{t("action.none")}</p>
      ) : (
        <div className="tech-actions">
          {actions.map((action) => (
            <button
              key={action}
              type="button"
              className={`tech-action tech-action-${action}${action === "cancel" || action === "customer_absent" ? " danger" : action === actions[0] ? " primary" : ""}`}
              disabled={busy !== null}
              aria-busy={busy === action}
              onClick={() => press(action)}
            >
              {t(`action.${action}`)}
            </button>
          ))}
        </div>
      )}
      {asking === "complete" ? (
        <CompleteDialog
          cases={order.value.campaign_cases}
          busy={busy !== null}
          error={error}
          onCancel={() => setAsking(null)}
          onConfirm={(ids) => void run("complete", ids)}
        />
      ) : asking ? (
        <Dialog
          title={t(`confirm.${asking}.title`)}
          onClose={() => setAsking(null)}
          footer={
            <>
              <button type="button" onClick={() => setAsking(null)}>
                {t("confirm.back")}
              </button>
              <button type="button" className="danger" disabled={busy !== null} onClick={() => void run(asking)}>
                {t(`action.${asking}`)}
              </button>
            </>
          }
        >
          <p>{t(`confirm.${asking}.text`)}</p>
          <ProblemAlert error={error} />
        </Dialog>
      ) : null}
    </section>
  );
}

/** Complete asks which of the order's open campaign cases were done at this visit. */
function CompleteDialog({
  cases,
  busy,
  error,
  onCancel,
  onConfirm,
}: {
  cases: CampaignCase[];
  busy: boolean;
  error: unknown;
  onCancel: () => void;
  onConfirm: (campaignCaseIds: string[]) => void;
}) {
  const { t, i18n } = useTranslation(NS);
  const [ticked, setTicked] = useState<Set<string>>(new Set());
  const toggle = (id: string, on: boolean) =>
    setTicked((before) => {
      const next = new Set(before);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  return (
    <Dialog
      title={t("confirm.complete.title")}
      onClose={onCancel}
      footer={
        <>
          <button type="button" onClick={onCancel}>
            {t("confirm.back")}
          </button>
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() => onConfirm(cases.filter((c) => ticked.has(c.case_id)).map((c) => c.case_id))}
          >
            {t("action.complete")}
          </button>
        </>
      }
    >
      {cases.length === 0 ? (
        <p>{t("confirm.complete.text")}</p>
      ) : (
        <fieldset className="tech-campaign-pick">
          <legend>{t("confirm.complete.campaigns")}</legend>
          {cases.map((c) => (
            <CheckboxField
              key={c.case_id}
              name="campaign_case_ids_done"
              label={`${c.campaign_code} – ${campaignName(c, i18n.language)}${c.cause_description ? ` (${c.cause_description})` : ""}`}
              checked={ticked.has(c.case_id)}
              onChange={(e) => toggle(c.case_id, e.target.checked)}
            />
          ))}
        </fieldset>
      )}
      <ProblemAlert error={error} claimedFields={[]} />
    </Dialog>
  );
}
