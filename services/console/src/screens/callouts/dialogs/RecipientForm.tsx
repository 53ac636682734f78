import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";

import { api, etagOf } from "../../../api/client";
import { fieldError, SelectField, TextField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useLoad } from "../../../hooks/useLoad";
import { NS } from "../messages";
import {
  METHODS,
  RECIPIENT_FIELDS,
  type RecipientDraft,
  collapseListFields,
  draftOf,
  patchOf,
} from "../recipient";
import type { Callout, CommunicationMethod } from "../types";

type Mode = "update-recipient" | "update-recipient-and-synchronize";

/** "Update recipient information": the customer's contact data is catalog's, so it is
 * saved there first (PATCH with the customer's ETag), then the callout is told which
 * customer version to wait for; scheduling resends (or re-reads the recipient) once its
 * copy of the customer has that version. */
export function RecipientForm({
  callout,
  mode,
  onDone,
  onCancel,
}: {
  callout: Callout;
  mode: Mode;
  onDone: (changed: Callout, waiting: boolean) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation(NS);
  const { t: tc } = useTranslation();
  const customer = useLoad(async () => {
    const { data, response } = await api.GET("/api/customers/{customer_id}", {
      params: { path: { customer_id: callout.customer_id } },
    });
    return data ? { customer: data, etag: etagOf(response) } : undefined;
  }, [callout.customer_id]);
  const [draft, setDraft] = useState<RecipientDraft>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  if (customer.error) return <ProblemAlert error={customer.error} onRetry={customer.reload} />;
  if (!customer.data) return <p className="muted">{tc("state.loading")}</p>;
  const { customer: current, etag } = customer.data;
  const form = draft ?? draftOf(current);
  const set = (patch: Partial<RecipientDraft>) => setDraft({ ...form, ...patch });
  const toggle = (method: CommunicationMethod) =>
    set({
      allowedMethods: form.allowedMethods.includes(method)
        ? form.allowedMethods.filter((m) => m !== method)
        : [...form.allowedMethods, method],
    });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const { data: saved } = await api.PATCH("/api/customers/{customer_id}", {
        params: { path: { customer_id: current.id }, header: { "If-Match": etag } },
        body: patchOf(form),
      });
      const version = saved?.version;
      const path =
        mode === "update-recipient"
          ? "/api/callouts/{callout_id}/update-recipient"
          : "/api/callouts/{callout_id}/update-recipient-and-synchronize";
      const { data: changed } = await api.POST(path, {
        params: { path: { callout_id: callout.id } },
        body: version ? { customer_version: version } : null,
      });
      if (changed) onDone(changed, changed.resend_at_customer_version != null);
    } catch (failure) {
      setError(collapseListFields(failure));
      setBusy(false);
    }
  };

  const allowedError = fieldError(error, "allowed_methods");
  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby="callouts-recipient-title">
      <h3 id="callouts-recipient-title">{t("recipient.title", { customer: current.name })}</h3>
      <p className="muted">{t("recipient.intro")}</p>
      <ProblemAlert error={error} claimedFields={RECIPIENT_FIELDS} />
      <TextField
        label={t("recipient.emails")}
        name="emails"
        hint={t("recipient.emailsHint")}
        error={error}
        value={form.emails}
        onChange={(e) => set({ emails: e.target.value })}
      />
      <TextField
        label={t("recipient.mobiles")}
        name="mobiles"
        hint={t("recipient.mobilesHint")}
        error={error}
        value={form.mobiles}
        onChange={(e) => set({ mobiles: e.target.value })}
      />
      <fieldset
        className="callouts-methods"
        aria-invalid={allowedError ? true : undefined}
        aria-describedby={allowedError ? "callouts-allowed-error" : undefined}
      >
        <legend>{t("recipient.allowed")}</legend>
        {METHODS.map((method) => (
          <label key={method} className="callouts-choice-option">
            <input
              type="checkbox"
              name="allowed_methods"
              value={method}
              checked={form.allowedMethods.includes(method)}
              onChange={() => toggle(method)}
            />
            {t(`recipient.method.${method}`)}
          </label>
        ))}
        {allowedError ? (
          <small id="callouts-allowed-error" className="field-error" role="alert">
            {allowedError}
          </small>
        ) : null}
      </fieldset>
      <SelectField
        label={t("recipient.preferred")}
        name="preferred_method"
        error={error}
        value={form.preferredMethod}
        onChange={(e) => set({ preferredMethod: e.target.value as CommunicationMethod | "" })}
        options={[
          { value: "", label: t("recipient.noPreference") },
          ...METHODS.map((m) => ({ value: m, label: t(`recipient.method.${m}`) })),
        ]}
      />
      <div className="toolbar">
        <button type="button" onClick={onCancel}>
          {tc("action.cancel")}
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {mode === "update-recipient" ? t("recipient.saveResend") : t("recipient.saveSync")}
        </button>
      </div>
    </form>
  );
}
