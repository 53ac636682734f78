// Org units (admins): the tree's units with their time zones; create and edit.
import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import { DataTable, type Column } from "../../../components/DataTable";
import { Dialog } from "../../../components/Dialog";
import { SelectField, TextField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { NS } from "../messages";
import { versionTag } from "../rules";
import { FormProblem } from "../shared/FormProblem";
import { useOrgUnits, type OrgUnit } from "../shared/useOrgUnits";

/** The IANA time zones the browser knows, for suggestions (the API checks the name). */
function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  return intl.supportedValuesOf ? intl.supportedValuesOf("timeZone") : [];
}

export function OrgUnitsTab() {
  const { t } = useTranslation(NS);
  const units = useOrgUnits();
  const [open, setOpen] = useState<OrgUnit | "new" | null>(null);
  const [notice, setNotice] = useState("");
  const all = units.data ?? [];
  const codeOf = (id: string | null) => (id ? (all.find((u) => u.id === id)?.code ?? id) : "");
  const columns: Column<OrgUnit>[] = [
    { key: "code", header: t("org.code"), render: (u) => u.code },
    { key: "name", header: t("org.name"), render: (u) => u.name },
    { key: "tz", header: t("org.timeZone"), render: (u) => u.time_zone },
    { key: "parent", header: t("org.parent"), render: (u) => codeOf(u.parent_id) },
    {
      key: "actions",
      header: <span className="visually-hidden">{t("actions")}</span>,
      render: (u) => (
        <button type="button" onClick={() => setOpen(u)} aria-label={t("setup.editNamed", { name: u.code })}>
          {t("common:action.edit")}
        </button>
      ),
    },
  ];
  return (
    <section className="panel" aria-labelledby="admin-org-units-title">
      <h2 id="admin-org-units-title">{t("tab.org-units")}</h2>
      <div className="toolbar">
        <button type="button" className="primary" onClick={() => setOpen("new")}>
          {t("org.new")}
        </button>
      </div>
      <p role="status" aria-live="polite" className="muted">
        {notice}
      </p>
      <ProblemAlert error={units.error} onRetry={units.reload} />
      <DataTable caption={t("tab.org-units")} columns={columns} rows={all} rowKey={(u) => u.id} empty={units.loading ? t("common:state.loading") : t("setup.none")} />
      {open ? (
        <OrgUnitDialog
          unit={open === "new" ? undefined : open}
          units={all}
          onClose={() => setOpen(null)}
          onSaved={(code) => {
            setOpen(null);
            setNotice(t("org.saved", { code }));
            units.reload();
          }}
        />
      ) : null}
    </section>
  );
}

function OrgUnitDialog({ unit, units, onClose, onSaved }: { unit?: OrgUnit; units: readonly OrgUnit[]; onClose: () => void; onSaved: (code: string) => void }) {
  const { t } = useTranslation(NS);
  const zonesId = useId();
  const [code, setCode] = useState(unit?.code ?? "");
  const [name, setName] = useState(unit?.name ?? "");
  const [timeZone, setTimeZone] = useState(unit?.time_zone ?? "Europe/Stockholm");
  const [parentId, setParentId] = useState(unit?.parent_id ?? "");
  const [error, setError] = useState<unknown>();
  const [saving, setSaving] = useState(false);
  const formId = unit ? `admin-org-unit-${unit.id}` : "admin-org-unit-new";
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setError(undefined);
    const fields = { name: name.trim(), time_zone: timeZone.trim(), parent_id: parentId || null };
    try {
      if (unit) {
        await api.PUT("/api/org-units/{org_unit_id}", { params: { path: { org_unit_id: unit.id } }, body: fields, headers: { "If-Match": versionTag(unit.version) } });
        onSaved(unit.code);
      } else {
        const { data } = await api.POST("/api/org-units", { body: { ...fields, code: code.trim() } });
        onSaved(data?.code ?? code.trim());
      }
    } catch (failure) {
      setError(failure);
      setSaving(false);
    }
  };
  const parents = units.filter((u) => u.id !== unit?.id);
  return (
    <Dialog
      title={unit ? t("org.editTitle", { code: unit.code }) : t("org.new")}
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
        <FormProblem error={error} claimedFields={["code", "name", "time_zone", "parent_id"]} />
        <TextField label={t("org.code")} name="code" value={code} onChange={(e) => setCode(e.target.value)} error={error} readOnly={unit !== undefined} required />
        <TextField label={t("org.name")} name="name" value={name} onChange={(e) => setName(e.target.value)} error={error} required />
        <TextField label={t("org.timeZone")} name="time_zone" value={timeZone} onChange={(e) => setTimeZone(e.target.value)} error={error} list={zonesId} hint={t("hint.timeZone")} required />
        <datalist id={zonesId}>
          {timeZones().map((zone) => (
            <option key={zone} value={zone} />
          ))}
        </datalist>
        <SelectField
          label={t("org.parent")}
          name="parent_id"
          value={parentId}
          onChange={(e) => setParentId(e.target.value)}
          error={error}
          options={[{ value: "", label: t("setup.noOrgUnit") }, ...parents.map((u) => ({ value: u.id, label: `${u.code} — ${u.name}` }))]}
        />
      </form>
    </Dialog>
  );
}
