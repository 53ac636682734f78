import { useRef, useState, type FormEvent } from "react";
import { flushSync } from "react-dom";
import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { Dialog } from "../../../components/Dialog";
import { SelectField, TextAreaField, TextField } from "../../../components/Field";
import { FormProblem } from "../shared/FormProblem";
import { NS } from "../messages";
import { blankToNull, insertAt, placeholderToken, versionTag } from "../rules";

type Template = components["schemas"]["notifications.TemplateOut"];
type TemplateIn = components["schemas"]["notifications.TemplateIn"];
type Kind = components["schemas"]["TemplateKind"];
export type Placeholders = Record<string, Record<string, string>>;

export const TEMPLATE_KINDS: readonly Kind[] = ["generic", "callout", "booking_confirmation"];
const TEXTS = ["email_subject", "email_body", "sms_text", "report_title", "report_text", "report_file_name"] as const;
type TextName = (typeof TEXTS)[number];
const FIELDS = ["name", "kind", "order_kind", ...TEXTS, "placeholders"];

interface Form {
  name: string;
  kind: Kind;
  order_kind: string;
  texts: Record<TextName, string>;
}

function formOf(template: Template | undefined): Form {
  return {
    name: template?.name ?? "",
    kind: template?.kind ?? "generic",
    order_kind: template?.order_kind ?? "",
    texts: Object.fromEntries(TEXTS.map((n) => [n, template?.[n] ?? ""])) as Record<TextName, string>,
  };
}

export function templateBody(form: Form): TemplateIn {
  const body: TemplateIn = { name: form.name.trim(), kind: form.kind, order_kind: blankToNull(form.order_kind) };
  for (const name of TEXTS) body[name] = form.texts[name] === "" ? null : form.texts[name];
  return body;
}

/** Create or edit a template; the kind's placeholders are buttons that insert
 * `{{ name }}` where the caret was in the text last edited. */
export function TemplateDialog({
  template,
  placeholders,
  onClose,
  onSaved,
}: {
  template?: Template;
  placeholders: Placeholders;
  onClose: () => void;
  onSaved: (template: Template) => void;
}) {
  const { t } = useTranslation(NS);
  const [form, setForm] = useState<Form>(() => formOf(template));
  const [error, setError] = useState<unknown>();
  const [saving, setSaving] = useState(false);
  const [target, setTarget] = useState<TextName>("email_body");
  const inputs = useRef<Partial<Record<TextName, HTMLInputElement | HTMLTextAreaElement | null>>>({});
  const formId = template ? `admin-template-${template.id}` : "admin-template-new";
  const kindPlaceholders = Object.entries(placeholders[form.kind] ?? {});

  const setText = (name: TextName, value: string) => setForm((f) => ({ ...f, texts: { ...f.texts, [name]: value } }));

  const insert = (placeholder: string) => {
    const input = inputs.current[target];
    const text = form.texts[target];
    const start = input?.selectionStart ?? text.length;
    const end = input?.selectionEnd ?? text.length;
    const next = insertAt(text, start, end, placeholderToken(placeholder));
    // Rendered at once, so the caret goes after the placeholder now: a caret set on a
    // later frame took the focus back from a field the user had moved on to meanwhile,
    // and what they typed there went into this text instead.
    flushSync(() => setText(target, next.text));
    input?.focus();
    input?.setSelectionRange(next.caret, next.caret);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setError(undefined);
    try {
      const body = templateBody(form);
      if (template) {
        const { data } = await api.PUT("/api/message-templates/{template_id}", {
          params: { path: { template_id: template.id } },
          body,
          headers: { "If-Match": versionTag(template.version) },
        });
        if (data) onSaved(data);
      } else {
        const { data } = await api.POST("/api/message-templates", { body });
        if (data) onSaved(data);
      }
    } catch (failure) {
      setError(failure);
      setSaving(false);
    }
  };

  const textProps = (name: TextName) => ({
    name,
    value: form.texts[name],
    error,
    onFocus: (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => {
      setTarget(name);
      inputs.current[name] = e.currentTarget;
    },
    onChange: (e: { target: { value: string } }) => setText(name, e.target.value),
  });

  return (
    <Dialog
      title={template ? t("templates.editTitle", { name: template.name }) : t("templates.new")}
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" onClick={onClose}>
            {t("common:action.cancel")}
          </button>
          <button type="submit" form={formId} className="primary" disabled={saving}>
            {t("common:action.save")}
          </button>
        </>
      }
    >
      <form id={formId} onSubmit={(e) => void submit(e)} noValidate>
        <FormProblem error={error} claimedFields={FIELDS} />
        <div className="form-grid">
          <TextField label={t("template.name")} name="name" value={form.name} onChange={(e) => setForm((f) => ({ ...f, name: e.target.value }))} error={error} required />
          <SelectField
            label={t("template.kind")}
            name="kind"
            value={form.kind}
            onChange={(e) => setForm((f) => ({ ...f, kind: e.target.value as Kind }))}
            error={error}
            options={TEMPLATE_KINDS.map((k) => ({ value: k, label: t(`kind.${k}`) }))}
          />
          <TextField
            label={t("template.orderKind")}
            name="order_kind"
            value={form.order_kind}
            onChange={(e) => setForm((f) => ({ ...f, order_kind: e.target.value }))}
            error={error}
            hint={t("hint.orderKind")}
          />
        </div>
        <section aria-labelledby="admin-placeholders-title">
          <h3 id="admin-placeholders-title">{t("templates.placeholders")}</h3>
          <p className="muted">{t("templates.placeholdersHint", { field: t(`template.${target}`) })}</p>
          {kindPlaceholders.length === 0 ? <p className="muted">{t("templates.noPlaceholders")}</p> : null}
          <ul className="admin-placeholders">
            {kindPlaceholders.map(([name, hint]) => (
              <li key={name}>
                <button type="button" title={hint} aria-label={t("templates.insert", { name, hint })} onClick={() => insert(name)}>
                  {placeholderToken(name)}
                </button>
              </li>
            ))}
          </ul>
        </section>
        <h3>{t("channel.email")}</h3>
        <TextField label={t("template.email_subject")} {...textProps("email_subject")} />
        <TextAreaField
          label={t("template.email_body")}
          className="admin-code"
          hint={t("hint.html")}
          {...textProps("email_body")}
         
        />
        <h3>{t("channel.sms")}</h3>
        <TextAreaField label={t("template.sms_text")} {...textProps("sms_text")} />
        <h3>{t("channel.report")}</h3>
        <TextField label={t("template.report_title")} {...textProps("report_title")} />
        <TextAreaField label={t("template.report_text")} {...textProps("report_text")} />
        <TextField label={t("template.report_file_name")} {...textProps("report_file_name")} />
      </form>
    </Dialog>
  );
}
