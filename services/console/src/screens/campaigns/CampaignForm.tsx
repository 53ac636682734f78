// Create a campaign, or change what its state allows (If-Match): code, name and its
// translations, case template, parent case (with "new parent case"), whose customer,
// our reference and cause.
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../api/client";
import { CheckboxField, fieldError, SelectField, TextAreaField, TextField } from "../../components/Field";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useLoad } from "../../hooks/useLoad";
import { NS } from "./messages";
import { campaignTemplates, parentCases } from "./options";
import { ParentCaseDialog } from "./ParentCaseDialog";
import {
  type CampaignField,
  type CampaignForm as FormValues,
  createBody,
  editableFields,
  emptyForm,
  formOf,
  patchBody,
  translationsOf,
} from "./rules";
import type { Campaign, Case } from "./types";

const CLAIMED = [
  "code",
  "name",
  "template_id",
  "parent_case_id",
  "use_customer_from_order",
  "our_reference",
  "cause_code",
  "cause_description",
];

export function CampaignForm({
  campaign,
  etag,
  onSaved,
  onCancel,
}: {
  /** The campaign changed; without it the form creates one. */
  campaign?: Campaign;
  etag?: string;
  onSaved: (saved: Campaign) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation(NS);
  const [form, setForm] = useState<FormValues>(() => (campaign ? formOf(campaign) : emptyForm()));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [newParent, setNewParent] = useState(false);
  const [extraParents, setExtraParents] = useState<Case[]>([]);
  const templates = useLoad(campaignTemplates, []);
  const parents = useLoad(parentCases, []);

  const allowed = campaign ? editableFields(campaign.state) : null;
  const locked = (field: CampaignField) => (allowed ? !allowed.has(field) : false);
  const set = <K extends keyof FormValues>(key: K, value: FormValues[K]) => setForm((f) => ({ ...f, [key]: value }));

  const templateOptions = (templates.data ?? []).map((x) => ({ value: x.id, label: x.name }));
  if (form.template_id && !templateOptions.some((o) => o.value === form.template_id)) {
    templateOptions.unshift({ value: form.template_id, label: t("form.currentTemplate") });
  }
  const parentList = [...extraParents, ...(parents.data ?? [])];
  const parentOptions = parentList.map((c) => ({ value: c.id, label: `${c.number} — ${c.title}` }));
  if (form.parent_case_id && !parentOptions.some((o) => o.value === form.parent_case_id)) {
    parentOptions.unshift({ value: form.parent_case_id, label: t("form.currentParent") });
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      if (campaign) {
        const { data } = await api.PATCH("/api/campaigns/{campaign_id}", {
          params: { path: { campaign_id: campaign.id } },
          body: patchBody(campaign, form),
          headers: { "If-Match": etag ?? "" },
        });
        if (data) onSaved(data);
      } else {
        const { data } = await api.POST("/api/campaigns", { body: createBody(form) });
        if (data) onSaved(data);
      }
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const translationFields = Object.keys(translationsOf(form.translations)).map((l) => `translations.${l}`);
  const rowError = (locale: string) => fieldError(error, `translations.${locale.trim()}`);

  return (
    <>
    <form className="panel" onSubmit={(e) => void submit(e)} aria-labelledby="campaign-form-title" noValidate>
      <h2 id="campaign-form-title">{campaign ? t("form.editTitle") : t("form.createTitle")}</h2>
      {campaign && campaign.state === "released" ? <p className="alert alert-info">{t("form.releasedNote")}</p> : null}
      <ProblemAlert error={error} claimedFields={[...CLAIMED, ...translationFields]} />
      <div className="form-grid">
        <TextField
          label={t("field.code")}
          name="code"
          error={error}
          required
          value={form.code}
          readOnly={!!campaign}
          hint={campaign ? undefined : t("form.codeHint")}
          onChange={(e) => set("code", e.target.value)}
        />
        <TextField
          label={t("field.name")}
          name="name"
          error={error}
          required
          value={form.name}
          disabled={locked("name")}
          onChange={(e) => set("name", e.target.value)}
        />
        <SelectField
          label={t("field.template")}
          name="template_id"
          error={error}
          required
          value={form.template_id}
          disabled={locked("template_id")}
          hint={templates.data && templates.data.length === 0 ? t("form.noTemplates") : undefined}
          options={[{ value: "", label: t("form.choose") }, ...templateOptions]}
          onChange={(e) => set("template_id", e.target.value)}
        />
        <div className="campaigns-parent">
          <SelectField
            label={t("field.parentCase")}
            name="parent_case_id"
            error={error}
            required
            value={form.parent_case_id}
            disabled={locked("parent_case_id")}
            options={[{ value: "", label: t("form.choose") }, ...parentOptions]}
            onChange={(e) => set("parent_case_id", e.target.value)}
          />
          {!locked("parent_case_id") ? (
            <button type="button" onClick={() => setNewParent(true)}>
              {t("parent.new")}
            </button>
          ) : null}
        </div>
        <TextField
          label={t("field.ourReference")}
          name="our_reference"
          error={error}
          value={form.our_reference}
          disabled={locked("our_reference")}
          onChange={(e) => set("our_reference", e.target.value)}
        />
        <TextField
          label={t("field.causeCode")}
          name="cause_code"
          error={error}
          value={form.cause_code}
          disabled={locked("cause_code")}
          onChange={(e) => set("cause_code", e.target.value)}
        />
      </div>
      <TextAreaField
        label={t("field.causeDescription")}
        name="cause_description"
        error={error}
        rows={3}
        value={form.cause_description}
        disabled={locked("cause_description")}
        onChange={(e) => set("cause_description", e.target.value)}
      />
      <CheckboxField
        label={t("field.useCustomerFromOrder")}
        name="use_customer_from_order"
        error={error}
        checked={form.use_customer_from_order}
        disabled={locked("use_customer_from_order")}
        onChange={(e) => set("use_customer_from_order", e.target.checked)}
      />
      <p className="muted campaigns-hint">{t("form.customerHint")}</p>

      <fieldset className="campaigns-translations" disabled={locked("translations")}>
        <legend>{t("form.translations")}</legend>
        {form.translations.length === 0 ? <p className="muted">{t("form.noTranslations")}</p> : null}
        {form.translations.map((row, index) => {
          const message = rowError(row.locale);
          return (
            <div className="campaigns-translation-row" key={index}>
              <div className="field">
                <label htmlFor={`campaign-tr-locale-${index}`}>{t("form.locale", { n: index + 1 })}</label>
                <input
                  id={`campaign-tr-locale-${index}`}
                  value={row.locale}
                  placeholder="sv"
                  aria-invalid={message ? true : undefined}
                  onChange={(e) =>
                    set(
                      "translations",
                      form.translations.map((r, i) => (i === index ? { ...r, locale: e.target.value } : r)),
                    )
                  }
                />
              </div>
              <div className="field">
                <label htmlFor={`campaign-tr-name-${index}`}>{t("form.translatedName", { n: index + 1 })}</label>
                <input
                  id={`campaign-tr-name-${index}`}
                  value={row.name}
                  aria-invalid={message ? true : undefined}
                  aria-describedby={message ? `campaign-tr-error-${index}` : undefined}
                  onChange={(e) =>
                    set(
                      "translations",
                      form.translations.map((r, i) => (i === index ? { ...r, name: e.target.value } : r)),
                    )
                  }
                />
                {message ? (
                  <small id={`campaign-tr-error-${index}`} className="field-error" role="alert">
                    {message}
                  </small>
                ) : null}
              </div>
              <button
                type="button"
                onClick={() => set("translations", form.translations.filter((_, i) => i !== index))}
              >
                {t("form.removeTranslation", { n: index + 1 })}
              </button>
            </div>
          );
        })}
        <button type="button" onClick={() => set("translations", [...form.translations, { locale: "", name: "" }])}>
          {t("form.addTranslation")}
        </button>
      </fieldset>

      <ProblemAlert error={templates.error ?? parents.error} />
      <div className="toolbar campaigns-form-actions">
        <button type="submit" className="primary" disabled={busy}>
          {campaign ? t("common:action.save") : t("form.create")}
        </button>
        <button type="button" onClick={onCancel}>
          {t("common:action.cancel")}
        </button>
      </div>
    </form>
      {newParent ? (
        <ParentCaseDialog
          onClose={() => setNewParent(false)}
          onCreated={(created) => {
            setExtraParents((list) => [created, ...list]);
            set("parent_case_id", created.id);
            setNewParent(false);
          }}
        />
      ) : null}
    </>
  );
}
