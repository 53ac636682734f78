import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { DataTable, Pager, type Column } from "../../../components/DataTable";
import { Dialog } from "../../../components/Dialog";
import { CheckboxField, SelectField, TextAreaField, TextField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { FormProblem } from "../shared/FormProblem";
import { useKeysetList } from "../../../hooks/useKeysetList";
import { NS } from "../messages";
import { versionTag } from "../rules";
import type { OrgUnit } from "../shared/useOrgUnits";
import { activeParam, ActiveFilterField, orgUnitName, orgUnitOptions, useToggle, type ActiveFilter } from "./common";

type OrderKind = components["schemas"]["OrderKindOut"];

export function OrderKindsPanel({ orgUnits }: { orgUnits: readonly OrgUnit[] }) {
  const { t } = useTranslation(NS);
  const [active, setActive] = useState<ActiveFilter>("");
  const [open, setOpen] = useState<OrderKind | "new" | null>(null);
  const toggle = useToggle();
  const list = useKeysetList<OrderKind>(
    async (cursor) => (await api.GET("/api/order-kinds", { params: { query: { active: activeParam(active), cursor, limit: 50 } } })).data ?? { items: [] },
    [active],
  );
  const columns: Column<OrderKind>[] = [
    { key: "code", header: t("kindOfOrder.code"), render: (x) => x.code },
    { key: "name", header: t("kindOfOrder.name"), render: (x) => x.name },
    { key: "org", header: t("setup.orgUnit"), render: (x) => orgUnitName(orgUnits, x.org_unit_id) },
    { key: "photos", header: t("kindOfOrder.requiresPhotos"), render: (x) => (x.requires_photos ? t("common:yes") : t("common:no")) },
    { key: "active", header: t("user.status"), render: (x) => <span className={x.active ? "badge badge-ok" : "badge"}>{x.active ? t("user.active") : t("user.inactive")}</span> },
    {
      key: "actions",
      header: <span className="visually-hidden">{t("actions")}</span>,
      render: (x) => (
        <span className="admin-actions">
          <button type="button" onClick={() => setOpen(x)} aria-label={t("setup.editNamed", { name: x.name })}>
            {t("common:action.edit")}
          </button>
          <button
            type="button"
            disabled={toggle.busy === x.id}
            aria-label={t(x.active ? "setup.deactivateNamed" : "setup.activateNamed", { name: x.name })}
            onClick={() =>
              void toggle.run(
                x.id,
                () =>
                  x.active
                    ? api.POST("/api/order-kinds/{order_kind_id}/deactivate", { params: { path: { order_kind_id: x.id } }, headers: { "If-Match": versionTag(x.version) } })
                    : api.POST("/api/order-kinds/{order_kind_id}/activate", { params: { path: { order_kind_id: x.id } }, headers: { "If-Match": versionTag(x.version) } }),
                list.reload,
              )
            }
          >
            {x.active ? t("setup.deactivate") : t("setup.activate")}
          </button>
        </span>
      ),
    },
  ];
  return (
    <section className="panel" aria-labelledby="admin-order-kinds">
      <h3 id="admin-order-kinds">{t("setup.orderKinds")}</h3>
      <div className="toolbar">
        <div className="filters">
          <ActiveFilterField value={active} onChange={setActive} />
        </div>
        <button type="button" className="primary" onClick={() => setOpen("new")}>
          {t("kindOfOrder.new")}
        </button>
      </div>
      <ProblemAlert error={list.error ?? toggle.error} onRetry={list.error ? list.reload : undefined} />
      <DataTable caption={t("setup.orderKinds")} columns={columns} rows={list.items} rowKey={(x) => x.id} empty={list.loading ? t("common:state.loading") : t("setup.none")} />
      <Pager count={list.items.length} hasMore={list.hasMore} loading={list.loading} onMore={list.loadMore} />
      {open ? (
        <OrderKindDialog
          kind={open === "new" ? undefined : open}
          orgUnits={orgUnits}
          onClose={() => setOpen(null)}
          onSaved={() => {
            setOpen(null);
            list.reload();
          }}
        />
      ) : null}
    </section>
  );
}

function OrderKindDialog({ kind, orgUnits, onClose, onSaved }: { kind?: OrderKind; orgUnits: readonly OrgUnit[]; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation(NS);
  const [code, setCode] = useState(kind?.code ?? "");
  const [name, setName] = useState(kind?.name ?? "");
  const [orgUnitId, setOrgUnitId] = useState(kind?.org_unit_id ?? "");
  const [requiresPhotos, setRequiresPhotos] = useState(kind?.requires_photos ?? false);
  const [text, setText] = useState(kind?.default_message_text ?? "");
  const [error, setError] = useState<unknown>();
  const [saving, setSaving] = useState(false);
  const formId = kind ? `admin-order-kind-${kind.id}` : "admin-order-kind-new";
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setError(undefined);
    const body = { name: name.trim(), org_unit_id: orgUnitId || null, requires_photos: requiresPhotos, default_message_text: text.trim() === "" ? null : text };
    try {
      if (kind) {
        await api.PATCH("/api/order-kinds/{order_kind_id}", { params: { path: { order_kind_id: kind.id } }, body, headers: { "If-Match": versionTag(kind.version) } });
      } else {
        await api.POST("/api/order-kinds", { body: { ...body, code: code.trim(), active: true } });
      }
      onSaved();
    } catch (failure) {
      setError(failure);
      setSaving(false);
    }
  };
  return (
    <Dialog
      title={kind ? t("kindOfOrder.editTitle", { name: kind.name }) : t("kindOfOrder.new")}
      onClose={onClose}
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
        <FormProblem error={error} claimedFields={["code", "name", "org_unit_id", "requires_photos", "default_message_text"]} />
        <TextField label={t("kindOfOrder.code")} name="code" value={code} onChange={(e) => setCode(e.target.value)} error={error} readOnly={kind !== undefined} required />
        <TextField label={t("kindOfOrder.name")} name="name" value={name} onChange={(e) => setName(e.target.value)} error={error} required />
        <SelectField label={t("setup.orgUnit")} name="org_unit_id" value={orgUnitId} onChange={(e) => setOrgUnitId(e.target.value)} error={error} options={orgUnitOptions(orgUnits, t("setup.noOrgUnit"))} />
        <CheckboxField label={t("kindOfOrder.requiresPhotos")} name="requires_photos" checked={requiresPhotos} onChange={(e) => setRequiresPhotos(e.target.checked)} error={error} />
        <TextAreaField label={t("kindOfOrder.defaultText")} name="default_message_text" value={text} onChange={(e) => setText(e.target.value)} error={error} hint={t("hint.defaultText")} />
      </form>
    </Dialog>
  );
}
