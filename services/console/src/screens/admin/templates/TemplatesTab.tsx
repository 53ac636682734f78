// Notification templates (admins): list by kind, create, edit, delete.
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { DataTable, type Column } from "../../../components/DataTable";
import { SelectField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useLoad } from "../../../hooks/useLoad";
import { NS } from "../messages";
import { formatDateTime, versionTag } from "../rules";
import { ConfirmDialog } from "../../../components/ConfirmDialog";
import { TemplateDialog, TEMPLATE_KINDS } from "./TemplateDialog";

type Template = components["schemas"]["notifications.TemplateOut"];
type Kind = components["schemas"]["TemplateKind"];
type Open = { kind: "create" } | { kind: "edit" | "delete"; template: Template } | null;

export function TemplatesTab() {
  const { t, i18n } = useTranslation(NS);
  const [kind, setKind] = useState<Kind | "">("");
  const [open, setOpen] = useState<Open>(null);
  const [notice, setNotice] = useState("");
  const list = useLoad(async () => {
    const { data } = await api.GET("/api/message-templates", { params: { query: { kind: kind === "" ? undefined : kind } } });
    return data ?? [];
  }, [kind]);
  const placeholders = useLoad(async () => (await api.GET("/api/message-templates/placeholders")).data ?? {}, []);

  const done = (message: string) => {
    setOpen(null);
    setNotice(message);
    list.reload();
  };

  const columns: Column<Template>[] = [
    { key: "name", header: t("template.name"), render: (x) => x.name },
    { key: "kind", header: t("template.kind"), render: (x) => t(`kind.${x.kind}`) },
    { key: "order_kind", header: t("template.orderKind"), render: (x) => x.order_kind ?? "" },
    { key: "subject", header: t("template.emailSubject"), render: (x) => x.email_subject ?? "" },
    { key: "channels", header: t("template.channels"), render: (x) => channelsOf(x).map((c) => t(`channel.${c}`)).join(", ") },
    { key: "updated", header: t("template.updated"), render: (x) => formatDateTime(x.updated_at, i18n.language) },
    {
      key: "actions",
      header: <span className="visually-hidden">{t("actions")}</span>,
      render: (x) => (
        <span className="admin-actions">
          <button type="button" onClick={() => setOpen({ kind: "edit", template: x })} aria-label={t("templates.editNamed", { name: x.name })}>
            {t("common:action.edit")}
          </button>
          <button type="button" className="danger" onClick={() => setOpen({ kind: "delete", template: x })} aria-label={t("templates.deleteNamed", { name: x.name })}>
            {t("common:action.delete")}
          </button>
        </span>
      ),
    },
  ];

  return (
    <section className="panel" aria-labelledby="admin-templates-title">
      <h2 id="admin-templates-title">{t("tab.templates")}</h2>
      <div className="toolbar">
        <div className="filters">
          <SelectField
            label={t("template.kind")}
            name="kind"
            value={kind}
            onChange={(e) => setKind(e.target.value as Kind | "")}
            options={[{ value: "", label: t("common:all") }, ...TEMPLATE_KINDS.map((k) => ({ value: k, label: t(`kind.${k}`) }))]}
          />
        </div>
        <button type="button" className="primary" onClick={() => setOpen({ kind: "create" })}>
          {t("templates.new")}
        </button>
      </div>
      <p role="status" aria-live="polite" className="muted">
        {notice}
      </p>
      <ProblemAlert error={list.error} onRetry={list.reload} />
      <DataTable
        caption={t("templates.caption")}
        columns={columns}
        rows={list.data ?? []}
        rowKey={(x) => x.id}
        empty={list.loading ? t("common:state.loading") : t("templates.none")}
      />
      {open?.kind === "create" || open?.kind === "edit" ? (
        <TemplateDialog
          template={open.kind === "edit" ? open.template : undefined}
          placeholders={placeholders.data ?? {}}
          onClose={() => setOpen(null)}
          onSaved={(x) => done(t("templates.saved", { name: x.name }))}
        />
      ) : null}
      {open?.kind === "delete" ? (
        <ConfirmDialog
          title={t("templates.deleteTitle", { name: open.template.name })}
          confirmLabel={t("common:action.delete")}
          onClose={() => setOpen(null)}
          onConfirm={async () => {
            await api.DELETE("/api/message-templates/{template_id}", {
              params: { path: { template_id: open.template.id } },
              headers: { "If-Match": versionTag(open.template.version) },
            });
            done(t("templates.deleted", { name: open.template.name }));
          }}
        >
          <p>{t("templates.deleteText")}</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

/** The channels a template has a text for. */
export function channelsOf(template: Template): ("email" | "sms" | "report")[] {
  const channels: ("email" | "sms" | "report")[] = [];
  if (template.email_subject || template.email_body) channels.push("email");
  if (template.sms_text) channels.push("sms");
  if (template.report_text || template.report_title) channels.push("report");
  return channels;
}
