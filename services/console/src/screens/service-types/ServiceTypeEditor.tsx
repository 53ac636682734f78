// One service type: its own fields, its steps (scheduling and templates) and its service
// links, with the live preview of the dates beside them. Admins edit and save (PUT with
// If-Match); operators and viewers read, and may still preview other startup dates.
import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useNavigate } from "react-router-dom";

import { api, etagOf } from "../../api/client";
import { useSession } from "../../auth/session";
import { CheckboxField, SelectField, TextField } from "../../components/Field";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useLoad } from "../../hooks/useLoad";

import { DeleteServiceTypeDialog } from "./DeleteServiceTypeDialog";
import {
  type ApprovalMethod,
  type Draft,
  draftFrom,
  emptyDraft,
  formFields,
  moveStep,
  newStep,
  previewServiceType,
  removeStep,
  type ServiceTypeOut,
  serviceTypeBody,
  type StepDraft,
} from "./draft";
import { today } from "./format";
import { LinksEditor } from "./LinksEditor";
import { NS } from "./messages";
import { PreviewPanel } from "./PreviewPanel";
import { forForm } from "./problems";
import { StepEditor } from "./StepEditor";
import { TranslationsEditor } from "./TranslationsEditor";
import { type PreviewRequest, usePreview } from "./usePreview";
import "./serviceTypes.css";

export function ServiceTypeEditor({ id }: { id?: string }) {
  const { t } = useTranslation(NS);
  const { hasRole } = useSession();
  const canEdit = hasRole("admin");
  const navigate = useNavigate();
  const location = useLocation();
  const [saved, setSaved] = useState<ServiceTypeOut>();
  const [etag, setEtag] = useState("");
  const [draft, setDraft] = useState<Draft | undefined>(id ? undefined : emptyDraft());
  const [loadError, setLoadError] = useState<unknown>();
  const [saveError, setSaveError] = useState<unknown>();
  const [saving, setSaving] = useState(false);
  const [dirty, setDirty] = useState(false);
  const [notice, setNotice] = useState(() => {
    const version = (location.state as { savedVersion?: number } | null)?.savedVersion;
    return version ? t("editor.saved", { version }) : "";
  });
  const [startupDate, setStartupDate] = useState(() => today());
  const [deleting, setDeleting] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  // After a refused save: to the first input the API named, once its message is shown and
  // the form is enabled again.
  const focusError = useRef(false);
  useEffect(() => {
    if (!focusError.current || saving) return;
    focusError.current = false;
    form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [saveError, saving]);
  const placeholders = useLoad(async () => (await api.GET("/api/service-types/placeholders")).data, []);

  const show = useCallback((type: ServiceTypeOut, response: Response) => {
    setSaved(type);
    setEtag(etagOf(response) || `"${type.version}"`);
    setDraft(draftFrom(type));
    setDirty(false);
  }, []);

  const load = useCallback(async () => {
    if (!id) return;
    setLoadError(undefined);
    try {
      const { data, response } = await api.GET("/api/service-types/{service_type_id}", {
        params: { path: { service_type_id: id } },
      });
      if (data) show(data, response);
      setSaveError(undefined);
    } catch (failure) {
      setLoadError(failure);
    }
  }, [id, show]);

  useEffect(() => {
    void load();
  }, [load]);

  // Closing or reloading the tab with unsaved changes asks first (the browser's own dialog).
  useEffect(() => {
    if (!dirty || !canEdit) return undefined;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty, canEdit]);

  const preview = usePreview(
    !draft ? null : canEdit ? { kind: "draft", serviceType: previewServiceType(draft), startupDate } : id ? ({ kind: "saved", id, startupDate } satisfies PreviewRequest) : null,
  );

  /** A change to the draft; `reshaped` when steps moved, came or went (the last save's
   * messages name positions that no longer hold). */
  const edit = (change: (draft: Draft) => Draft, reshaped = false) => {
    setDraft((current) => current && change(current));
    setDirty(true);
    setNotice("");
    if (reshaped) setSaveError(undefined);
  };
  const setSteps = (steps: (current: StepDraft[]) => StepDraft[], reshaped = false) =>
    edit((d) => ({ ...d, steps: steps(d.steps) }), reshaped);

  const save = async () => {
    if (!draft || !canEdit) return;
    setSaving(true);
    setSaveError(undefined);
    setNotice("");
    try {
      if (!id) {
        const { data } = await api.POST("/api/service-types", { body: serviceTypeBody(draft, false) });
        if (data) navigate(`/service-types/${data.id}`, { replace: true, state: { savedVersion: data.version } });
        return;
      }
      const { data, response } = await api.PUT("/api/service-types/{service_type_id}", {
        params: { path: { service_type_id: id } },
        body: serviceTypeBody(draft, true),
        headers: { "If-Match": etag },
      });
      if (data) {
        show(data, response);
        setNotice(t("editor.saved", { version: data.version }));
      }
    } catch (failure) {
      setSaveError(failure);
      focusError.current = true;
    } finally {
      setSaving(false);
    }
  };

  if (loadError) {
    return (
      <section>
        <h1>{t("title")}</h1>
        <ProblemAlert error={loadError} onRetry={() => void load()} />
        <Link to="/service-types">{t("editor.back")}</Link>
      </section>
    );
  }
  if (!id && !canEdit) {
    return (
      <section>
        <h1>{t("editor.newTitle")}</h1>
        <p className="alert alert-info">{t("editor.readOnly")}</p>
        <Link to="/service-types">{t("editor.back")}</Link>
      </section>
    );
  }
  if (!draft) return <p role="status">{t("common:state.loading")}</p>;

  // The last save's messages, else the live preview's: each under the input it names.
  const errors = forForm(saveError) ?? (canEdit ? forForm(preview.error, "service_type.") : undefined);
  const readOnly = !canEdit;
  const stale = saveError !== undefined && forForm(saveError)?.status === 412;
  const placeholderItems = placeholders.data?.items ?? [];

  return (
    <section className="st-editor">
      <header className="st-editor-header">
        <p>
          <Link to="/service-types">{t("editor.back")}</Link>
        </p>
        <h1>{id ? t("editor.title", { name: saved?.display_name ?? "" }) : t("editor.newTitle")}</h1>
        {saved ? <span className="badge">{t("editor.version", { version: saved.version })}</span> : null}
        {readOnly ? <p className="alert alert-info">{t("editor.readOnly")}</p> : null}
      </header>
      <div className="st-layout">
        <form
          ref={form}
          className="st-form"
          aria-label={id ? t("editor.title", { name: saved?.display_name ?? "" }) : t("editor.newTitle")}
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
          noValidate
        >
          {readOnly ? null : (
            <>
              <div className="st-savebar toolbar">
                <button type="submit" className="primary" disabled={saving}>
                  {id ? t("common:action.save") : t("editor.create")}
                </button>
                {id && saved ? (
                  <button type="button" className="danger" onClick={() => setDeleting(true)}>
                    {t("common:action.delete")}
                  </button>
                ) : null}
                <span role="status" aria-live="polite">
                  {saving ? t("editor.saving") : notice || (dirty ? t("editor.unsaved") : "")}
                </span>
              </div>
              <ProblemAlert error={saveError} claimedFields={formFields(draft)} />
              {stale ? (
                <p>
                  <button type="button" onClick={() => void load()}>
                    {t("editor.reload")}
                  </button>
                </p>
              ) : null}
            </>
          )}
          <fieldset className="st-bare" disabled={readOnly || saving}>
            <section className="panel" aria-labelledby="st-general">
              <h2 id="st-general">{t("section.general")}</h2>
              <div className="form-grid">
                <TextField
                  label={t("field.displayName")}
                  name="display_name"
                  error={errors}
                  required
                  maxLength={200}
                  value={draft.displayName}
                  onChange={(e) => edit((d) => ({ ...d, displayName: e.target.value }))}
                />
                <TextField
                  label={t("field.systemName")}
                  name="system_name"
                  error={errors}
                  required
                  maxLength={100}
                  hint={t("field.systemNameHint")}
                  value={draft.systemName}
                  onChange={(e) => edit((d) => ({ ...d, systemName: e.target.value }))}
                />
                <SelectField
                  label={t("field.approval")}
                  name="approval_method"
                  error={errors}
                  value={draft.approvalMethod}
                  onChange={(e) => edit((d) => ({ ...d, approvalMethod: e.target.value as ApprovalMethod }))}
                  options={[
                    { value: "manual", label: t("approval.manual") },
                    { value: "automatic", label: t("approval.automatic") },
                  ]}
                />
                <TextField
                  label={t("field.printTag")}
                  name="print_tag"
                  error={errors}
                  maxLength={100}
                  value={draft.printTag}
                  onChange={(e) => edit((d) => ({ ...d, printTag: e.target.value }))}
                />
                <CheckboxField
                  label={t("field.enabled")}
                  name="enabled"
                  error={errors}
                  checked={draft.enabled}
                  onChange={(e) => edit((d) => ({ ...d, enabled: e.target.checked }))}
                />
              </div>
              <TranslationsEditor
                rows={draft.translations}
                error={errors}
                readOnly={readOnly}
                onChange={(translations) => edit((d) => ({ ...d, translations }))}
              />
            </section>

            <section className="panel" aria-labelledby="st-steps">
              <h2 id="st-steps">{t("section.steps")}</h2>
              {placeholders.data && !readOnly ? (
                <p className="muted">{t("placeholder.syntax", { syntax: placeholders.data.syntax })}</p>
              ) : null}
              {draft.steps.length === 0 ? <p className="muted">{t("steps.empty")}</p> : null}
              {draft.steps.map((step, index) => (
                <StepEditor
                  key={step.key}
                  step={step}
                  index={index}
                  steps={draft.steps}
                  placeholders={placeholderItems}
                  sms={preview.data?.sms ?? []}
                  error={errors}
                  readOnly={readOnly}
                  onChange={(changed) => setSteps((steps) => steps.map((s, i) => (i === index ? changed : s)))}
                  onMove={(offset) => setSteps((steps) => moveStep(steps, index, offset), true)}
                  onRemove={() => setSteps((steps) => removeStep(steps, index), true)}
                />
              ))}
              {readOnly ? null : (
                <button type="button" onClick={() => setSteps((steps) => [...steps, newStep()], true)}>
                  {t("steps.add")}
                </button>
              )}
            </section>

            <section className="panel" aria-labelledby="st-links">
              <h2 id="st-links">{t("section.links")}</h2>
              <LinksEditor
                links={draft.links}
                error={errors}
                readOnly={readOnly}
                onChange={(links) => edit((d) => ({ ...d, links }), true)}
              />
            </section>
          </fieldset>

        </form>
        <PreviewPanel
          preview={preview}
          startupDate={startupDate}
          onStartupDate={setStartupDate}
          stepCount={draft.steps.length}
          saved={readOnly}
        />
      </div>
      {deleting && saved ? (
        <DeleteServiceTypeDialog
          serviceType={saved}
          onClose={() => setDeleting(false)}
          onDeleted={() => navigate("/service-types", { state: { deleted: saved.display_name } })}
        />
      ) : null}
    </section>
  );
}
