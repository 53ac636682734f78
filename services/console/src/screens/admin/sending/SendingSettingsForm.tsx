import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { api, etagOf } from "../../../api/client";
import { asProblem } from "../../../api/problem";
import type { components } from "../../../api/schema";
import { CheckboxField, TextAreaField, TextField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { FormProblem } from "../shared/FormProblem";
import { useLoad } from "../../../hooks/useLoad";
import { NS } from "../messages";
import { blankToNull } from "../rules";
import { ConfirmDialog } from "../../../components/ConfirmDialog";

type Settings = components["schemas"]["SendingSettingsOut"];
type SettingsIn = components["schemas"]["SendingSettingsIn"];

const TEXT_FIELDS = ["smtp_host", "smtp_port", "smtp_username", "from_address", "logo_url", "footer", "sms_sender_name"] as const;
type TextName = (typeof TEXT_FIELDS)[number];
const FIELDS = [...TEXT_FIELDS, "smtp_password", "smtp_use_tls", "clear_smtp_password"];

interface Form {
  texts: Record<TextName, string>;
  smtp_use_tls: boolean;
  smtp_password: string;
  clear_smtp_password: boolean;
}

function formOf(settings: Settings | null): Form {
  const texts = Object.fromEntries(
    TEXT_FIELDS.map((n) => [n, settings?.[n] === null || settings?.[n] === undefined ? "" : String(settings[n])]),
  ) as Record<TextName, string>;
  return { texts, smtp_use_tls: settings?.smtp_use_tls ?? false, smtp_password: "", clear_smtp_password: false };
}

/** The whole settings to PUT: blanks are "none" (the installation's default); the
 * password only when typed (omitted keeps the stored one). */
export function sendingSettingsBody(form: Form): SettingsIn {
  const port = form.texts.smtp_port.trim();
  const body: SettingsIn = {
    smtp_host: blankToNull(form.texts.smtp_host),
    smtp_port: port === "" ? null : Number(port),
    smtp_use_tls: form.smtp_use_tls,
    smtp_username: blankToNull(form.texts.smtp_username),
    from_address: blankToNull(form.texts.from_address),
    logo_url: blankToNull(form.texts.logo_url),
    footer: form.texts.footer.trim() === "" ? null : form.texts.footer,
    sms_sender_name: blankToNull(form.texts.sms_sender_name),
    clear_smtp_password: form.clear_smtp_password,
  };
  if (form.smtp_password !== "" && !form.clear_smtp_password) body.smtp_password = form.smtp_password;
  return body;
}

export function SendingSettingsForm({ orgUnitId }: { orgUnitId: string }) {
  const { t } = useTranslation(NS);
  // Kept here: the editor starts afresh from each saved version.
  const [saved, setSaved] = useState(false);
  const loaded = useLoad(async () => {
    try {
      const { data, response } = await api.GET("/api/sending-settings/{org_unit_id}", { params: { path: { org_unit_id: orgUnitId } } });
      return { settings: data as Settings, etag: etagOf(response) };
    } catch (failure) {
      if (asProblem(failure).status === 404) return { settings: null, etag: "" }; // none yet
      throw failure;
    }
  }, [orgUnitId]);

  if (loaded.error) return <ProblemAlert error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p className="muted">{t("common:state.loading")}</p>;
  return (
    <SettingsEditor
      key={loaded.data.etag || "none"}
      orgUnitId={orgUnitId}
      settings={loaded.data.settings}
      etag={loaded.data.etag}
      onSaved={(next) => {
        // One render: the editor starts again from the saved version, saying so.
        loaded.set(next);
        setSaved(true);
      }}
      onChanged={loaded.reload}
      saved={saved}
      setSaved={setSaved}
    />
  );
}

function SettingsEditor({
  orgUnitId,
  settings,
  etag,
  onSaved,
  onChanged,
  saved,
  setSaved,
}: {
  orgUnitId: string;
  settings: Settings | null;
  etag: string;
  onSaved: (next: { settings: Settings; etag: string }) => void;
  onChanged: () => void;
  saved: boolean;
  setSaved: (saved: boolean) => void;
}) {
  const { t } = useTranslation(NS);
  const [form, setForm] = useState<Form>(() => formOf(settings));
  const [error, setError] = useState<unknown>();
  const [saving, setSaving] = useState(false);
  const [confirmReset, setConfirmReset] = useState(false);
  const setText = (name: TextName, value: string) => setForm((f) => ({ ...f, texts: { ...f.texts, [name]: value } }));
  const text = (name: TextName, extra: Record<string, unknown> = {}) => (
    <TextField label={t(`sending.${name}`)} name={name} value={form.texts[name]} onChange={(e) => setText(name, e.target.value)} error={error} {...extra} />
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setError(undefined);
    setSaved(false);
    try {
      const { data, response } = await api.PUT("/api/sending-settings/{org_unit_id}", {
        params: { path: { org_unit_id: orgUnitId } },
        body: sendingSettingsBody(form),
        headers: settings ? { "If-Match": etag } : {},
      });
      // 200 and 201 both answer the settings saved, with their version.
      if (data) onSaved({ settings: data, etag: etagOf(response) });
      else {
        setSaved(true);
        onChanged();
      }
    } catch (failure) {
      setError(failure);
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="admin-sending-settings">
      <h3 id="admin-sending-settings">{t("sending.settings")}</h3>
      {settings ? null : <p className="muted">{t("sending.defaults")}</p>}
      <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="admin-sending-settings">
        <FormProblem error={error} claimedFields={FIELDS} />
        <div className="form-grid">
          {text("smtp_host", { hint: t("hint.smtpHost") })}
          {text("smtp_port", { type: "number", inputMode: "numeric", min: 1, max: 65535 })}
          {text("smtp_username", { autoComplete: "off" })}
          <TextField
            label={t("sending.smtp_password")}
            name="smtp_password"
            type="password"
            autoComplete="new-password"
            value={form.smtp_password}
            onChange={(e) => setForm((f) => ({ ...f, smtp_password: e.target.value }))}
            error={error}
            hint={settings?.smtp_password_set ? t("hint.passwordKept") : undefined}
            disabled={form.clear_smtp_password}
          />
        </div>
        <CheckboxField label={t("sending.smtp_use_tls")} name="smtp_use_tls" checked={form.smtp_use_tls} onChange={(e) => setForm((f) => ({ ...f, smtp_use_tls: e.target.checked }))} error={error} />
        {settings?.smtp_password_set ? (
          <CheckboxField
            label={t("sending.clear_smtp_password")}
            name="clear_smtp_password"
            checked={form.clear_smtp_password}
            onChange={(e) => setForm((f) => ({ ...f, clear_smtp_password: e.target.checked }))}
            error={error}
          />
        ) : null}
        <div className="form-grid">
          {text("from_address", { type: "email" })}
          {text("sms_sender_name", { hint: t("hint.smsSender") })}
          {text("logo_url", { type: "url" })}
        </div>
        <TextAreaField label={t("sending.footer")} name="footer" value={form.texts.footer} onChange={(e) => setText("footer", e.target.value)} error={error} />
        <div className="admin-form-actions">
          <button type="submit" className="primary" disabled={saving}>
            {t("common:action.save")}
          </button>
          {settings ? (
            <button type="button" className="danger" onClick={() => setConfirmReset(true)}>
              {t("sending.reset")}
            </button>
          ) : null}
          <span role="status" aria-live="polite">
            {saving ? t("common:state.loading") : saved ? t("common:state.saved") : ""}
          </span>
        </div>
      </form>
      {confirmReset ? (
        <ConfirmDialog
          title={t("sending.reset")}
          confirmLabel={t("sending.reset")}
          onClose={() => setConfirmReset(false)}
          onConfirm={async () => {
            await api.DELETE("/api/sending-settings/{org_unit_id}", { params: { path: { org_unit_id: orgUnitId } }, headers: { "If-Match": etag } });
            onChanged();
          }}
        >
          <p>{t("sending.resetText")}</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
