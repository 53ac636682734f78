import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { Dialog } from "../../../components/Dialog";
import { CheckboxField, SelectField, TextAreaField, TextField } from "../../../components/Field";
import { FormProblem } from "../shared/FormProblem";
import { NS } from "../messages";
import { versionTag } from "../rules";
import type { OrgUnit } from "../shared/useOrgUnits";
import { orgUnitName, orgUnitOptions } from "./common";
import { SetupPanel } from "./SetupPanel";

type OrderKind = components["schemas"]["OrderKindOut"];

export function OrderKindsPanel({ orgUnits }: { orgUnits: readonly OrgUnit[] }) {
  const { t } = useTranslation(NS);
  return (
    <SetupPanel<OrderKind>
      headingId="admin-order-kinds"
      title={t("setup.orderKinds")}
      newLabel={t("kindOfOrder.new")}
      defaultActive=""
      fetchPage={async (active, cursor) => (await api.GET("/api/order-kinds", { params: { query: { active, cursor, limit: 50 } } })).data ?? { items: [] }}
      columns={[
        { key: "code", header: t("kindOfOrder.code"), render: (x) => x.code },
        { key: "name", header: t("kindOfOrder.name"), render: (x) => x.name },
        { key: "org", header: t("setup.orgUnit"), render: (x) => orgUnitName(orgUnits, x.org_unit_id) },
        { key: "photos", header: t("kindOfOrder.requiresPhotos"), render: (x) => (x.requires_photos ? t("common:yes") : t("common:no")) },
      ]}
      nameOf={(x) => x.name}
      toggleActive={(x) => {
        const options = { params: { path: { order_kind_id: x.id } }, headers: { "If-Match": versionTag(x.version) } };
        return x.active ? api.POST("/api/order-kinds/{order_kind_id}/deactivate", options) : api.POST("/api/order-kinds/{order_kind_id}/activate", options);
      }}
      dialog={(kind, onClose, onSaved) => <OrderKindDialog kind={kind} orgUnits={orgUnits} onClose={onClose} onSaved={onSaved} />}
    />
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
