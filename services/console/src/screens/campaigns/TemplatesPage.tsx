// Case templates: the list (type and active filters, keyset paging) for every reader;
// create, activate and deactivate for admins.
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { api } from "../../api/client";
import { useSession } from "../../auth/session";
import { type Column, DataTable, Pager } from "../../components/DataTable";
import { CheckboxField, SelectField, TextField } from "../../components/Field";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useKeysetList } from "../../hooks/useKeysetList";
import { NS } from "./messages";
import { etagOfVersion } from "./rules";
import type { CaseTemplate, CaseType } from "./types";

const CASE_TYPES: readonly CaseType[] = ["service_campaign", "customer_nonconformity", "general"];
const REQUIRED_FIELDS = ["our_reference", "cause_code", "cause_description", "customer_id"] as const;
type RequiredField = (typeof REQUIRED_FIELDS)[number];

export function TemplatesPage() {
  const { t } = useTranslation(NS);
  const { hasRole } = useSession();
  const admin = hasRole("admin");
  const [caseType, setCaseType] = useState<CaseType | "">("");
  const [active, setActive] = useState<"" | "true" | "false">("");
  const [error, setError] = useState<unknown>();
  const list = useKeysetList<CaseTemplate>(
    async (cursor) => {
      const { data } = await api.GET("/api/case-templates", {
        params: {
          query: {
            case_type: caseType || undefined,
            active: active === "" ? undefined : active === "true",
            cursor,
            limit: 50,
          },
        },
      });
      return data ?? { items: [], next_cursor: null };
    },
    [caseType, active],
  );

  const switchActive = async (template: CaseTemplate) => {
    setError(undefined);
    const params = { path: { template_id: template.id } };
    const headers = { "If-Match": etagOfVersion(template.version) };
    try {
      const { data } = template.active
        ? await api.POST("/api/case-templates/{template_id}/deactivate", { params, headers })
        : await api.POST("/api/case-templates/{template_id}/activate", { params, headers });
      if (data) list.replace(data, (a, b) => a.id === b.id);
    } catch (failure) {
      setError(failure);
    }
  };

  const columns: Column<CaseTemplate>[] = [
    { key: "name", header: t("field.name"), render: (x) => x.name },
    { key: "type", header: t("templates.caseType"), render: (x) => t(`caseType.${x.case_type}`) },
    {
      key: "required",
      header: t("templates.required"),
      render: (x) => x.required_fields.map((f) => t(`required.${f}`)).join(", ") || "—",
    },
    {
      key: "active",
      header: t("templates.active"),
      render: (x) => (
        <span className={x.active ? "badge badge-ok" : "badge"}>{x.active ? t("templates.isActive") : t("templates.isInactive")}</span>
      ),
    },
  ];
  if (admin) {
    columns.push({
      key: "actions",
      header: <span className="visually-hidden">{t("serials.actions")}</span>,
      render: (x) => (
        <button type="button" onClick={() => void switchActive(x)} aria-label={t(x.active ? "templates.deactivateOne" : "templates.activateOne", { name: x.name })}>
          {x.active ? t("templates.deactivate") : t("templates.activate")}
        </button>
      ),
    });
  }

  return (
    <section>
      <p>
        <Link to="/campaigns">{t("detail.back")}</Link>
      </p>
      <h1>{t("templates.title")}</h1>
      {admin ? <NewTemplate onCreated={list.reload} /> : null}
      <div className="filters panel">
        <div className="field">
          <label htmlFor="templates-type">{t("templates.caseType")}</label>
          <select id="templates-type" value={caseType} onChange={(e) => setCaseType(e.target.value as CaseType | "")}>
            <option value="">{t("common:all")}</option>
            {CASE_TYPES.map((c) => (
              <option key={c} value={c}>
                {t(`caseType.${c}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="templates-active">{t("templates.active")}</label>
          <select id="templates-active" value={active} onChange={(e) => setActive(e.target.value as "" | "true" | "false")}>
            <option value="">{t("common:all")}</option>
            <option value="true">{t("templates.isActive")}</option>
            <option value="false">{t("templates.isInactive")}</option>
          </select>
        </div>
      </div>
      <ProblemAlert error={error} />
      <ProblemAlert error={list.error} onRetry={list.reload} />
      <DataTable
        caption={t("templates.caption")}
        columns={columns}
        rows={list.items}
        rowKey={(x) => x.id}
        empty={list.loading ? t("common:state.loading") : t("templates.empty")}
      />
      <Pager count={list.items.length} hasMore={list.hasMore} loading={list.loading} onMore={list.loadMore} />
    </section>
  );
}

function NewTemplate({ onCreated }: { onCreated: () => void }) {
  const { t } = useTranslation(NS);
  const [name, setName] = useState("");
  const [caseType, setCaseType] = useState<CaseType>("service_campaign");
  const [required, setRequired] = useState<RequiredField[]>([]);
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setCreated(undefined);
    try {
      const { data } = await api.POST("/api/case-templates", {
        body: { name: name.trim(), case_type: caseType, required_fields: required },
      });
      setCreated(data?.name);
      setName("");
      setRequired([]);
      onCreated();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="panel" onSubmit={(e) => void submit(e)} aria-labelledby="new-template-title">
      <h2 id="new-template-title">{t("templates.new")}</h2>
      <ProblemAlert error={error} claimedFields={["name", "case_type", ...REQUIRED_FIELDS.map((_, i) => `required_fields.${i}`)]} />
      {created ? (
        <p className="alert alert-ok" role="status">
          {t("templates.created", { name: created })}
        </p>
      ) : null}
      <div className="form-grid">
        <TextField label={t("field.name")} name="name" error={error} required value={name} onChange={(e) => setName(e.target.value)} />
        <SelectField
          label={t("templates.caseType")}
          name="case_type"
          error={error}
          value={caseType}
          options={CASE_TYPES.map((c) => ({ value: c, label: t(`caseType.${c}`) }))}
          onChange={(e) => setCaseType(e.target.value as CaseType)}
        />
      </div>
      <fieldset>
        <legend>{t("templates.required")}</legend>
        {REQUIRED_FIELDS.map((field) => (
          <CheckboxField
            key={field}
            label={t(`required.${field}`)}
            name={`required_fields.${field}`}
            checked={required.includes(field)}
            onChange={(e) =>
              setRequired((all) => (e.target.checked ? [...all, field] : all.filter((f) => f !== field)))
            }
          />
        ))}
      </fieldset>
      <button type="submit" className="primary" disabled={busy || !name.trim()}>
        {t("templates.create")}
      </button>
    </form>
  );
}
