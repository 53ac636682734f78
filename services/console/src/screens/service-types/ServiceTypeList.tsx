// The service types, filtered in the browser (the API answers them all, unpaged: they are
// few), with create and delete for admins.
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation } from "react-router-dom";

import { api } from "../../api/client";
import { useSession } from "../../auth/session";
import { type Column, DataTable } from "../../components/DataTable";
import { SelectField, TextField } from "../../components/Field";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useLoad } from "../../hooks/useLoad";

import { DeleteServiceTypeDialog } from "./DeleteServiceTypeDialog";
import type { ServiceTypeOut } from "./draft";
import { type ListFilter, filterServiceTypes } from "./listFilter";
import { NS } from "./messages";

export function ServiceTypeList() {
  const { t } = useTranslation(NS);
  const { hasRole } = useSession();
  const canEdit = hasRole("admin");
  const location = useLocation();
  const [filter, setFilter] = useState<ListFilter>({ text: "", enabled: "any", approval: "any" });
  const [deleting, setDeleting] = useState<ServiceTypeOut | null>(null);
  const [deleted, setDeleted] = useState<string | undefined>(
    (location.state as { deleted?: string } | null)?.deleted,
  );
  const list = useLoad(async () => (await api.GET("/api/service-types")).data?.items ?? [], []);
  const rows = useMemo(() => filterServiceTypes(list.data ?? [], filter), [list.data, filter]);

  const columns: Column<ServiceTypeOut>[] = [
    {
      key: "name",
      header: t("col.displayName"),
      render: (row) => <Link to={`/service-types/${row.id}`}>{row.display_name}</Link>,
    },
    { key: "system", header: t("col.systemName"), render: (row) => <code>{row.system_name}</code> },
    {
      key: "enabled",
      header: t("col.enabled"),
      render: (row) => (
        <span className={row.enabled ? "badge badge-ok" : "badge"}>{t(row.enabled ? "enabled.yes" : "enabled.no")}</span>
      ),
    },
    { key: "approval", header: t("col.approval"), render: (row) => t(`approval.${row.approval_method}`) },
    { key: "steps", header: t("col.steps"), render: (row) => row.steps.length },
    { key: "links", header: t("col.links"), render: (row) => row.links.length },
  ];
  if (canEdit) {
    columns.push({
      key: "actions",
      header: t("col.actions"),
      render: (row) => (
        <button type="button" className="danger" onClick={() => setDeleting(row)}>
          {t("list.delete", { name: row.display_name })}
        </button>
      ),
    });
  }

  return (
    <section>
      <h1>{t("title")}</h1>
      {deleted ? (
        <p role="status" className="alert alert-ok">
          {t("delete.done", { name: deleted })}
        </p>
      ) : null}
      <div className="toolbar">
        {canEdit ? (
          <Link className="button primary" to="/service-types/new">
            {t("list.new")}
          </Link>
        ) : null}
      </div>
      <form className="filters panel" aria-label={t("list.filters")} onSubmit={(e) => e.preventDefault()}>
        <TextField
          label={t("list.search")}
          name="text"
          type="search"
          value={filter.text}
          onChange={(e) => setFilter({ ...filter, text: e.target.value })}
        />
        <SelectField
          label={t("list.enabled")}
          name="enabled"
          value={filter.enabled}
          onChange={(e) => setFilter({ ...filter, enabled: e.target.value as ListFilter["enabled"] })}
          options={[
            { value: "any", label: t("list.any") },
            { value: "yes", label: t("enabled.yes") },
            { value: "no", label: t("enabled.no") },
          ]}
        />
        <SelectField
          label={t("list.approval")}
          name="approval_method"
          value={filter.approval}
          onChange={(e) => setFilter({ ...filter, approval: e.target.value as ListFilter["approval"] })}
          options={[
            { value: "any", label: t("list.any") },
            { value: "manual", label: t("approval.manual") },
            { value: "automatic", label: t("approval.automatic") },
          ]}
        />
      </form>
      {list.error ? <ProblemAlert error={list.error} onRetry={list.reload} /> : null}
      {list.loading && !list.data ? (
        <p role="status">{t("common:state.loading")}</p>
      ) : list.data ? (
        <DataTable
          caption={t("list.caption", { count: rows.length })}
          columns={columns}
          rows={rows}
          rowKey={(row) => row.id}
          empty={list.data.length === 0 ? t("list.empty") : t("list.noMatch")}
        />
      ) : null}
      {deleting ? (
        <DeleteServiceTypeDialog
          serviceType={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            setDeleted(deleting.display_name);
            setDeleting(null);
            list.reload();
          }}
        />
      ) : null}
    </section>
  );
}
