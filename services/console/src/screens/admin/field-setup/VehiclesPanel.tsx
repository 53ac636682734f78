import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { DataTable, Pager, type Column } from "../../../components/DataTable";
import { Dialog } from "../../../components/Dialog";
import { CheckboxField, SelectField, TextField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { FormProblem } from "../shared/FormProblem";
import { useKeysetList } from "../../../hooks/useKeysetList";
import { NS } from "../messages";
import { versionTag } from "../rules";
import type { OrgUnit } from "../shared/useOrgUnits";
import { activeParam, ActiveFilterField, orgUnitName, orgUnitOptions, useToggle, type ActiveFilter } from "./common";

type Vehicle = components["schemas"]["VehicleOut"];

export function VehiclesPanel({ orgUnits }: { orgUnits: readonly OrgUnit[] }) {
  const { t } = useTranslation(NS);
  const [active, setActive] = useState<ActiveFilter>("true");
  const [open, setOpen] = useState<Vehicle | "new" | null>(null);
  const toggle = useToggle();
  const list = useKeysetList<Vehicle>(
    async (cursor) => (await api.GET("/api/vehicles", { params: { query: { active: activeParam(active), cursor, limit: 50 } } })).data ?? { items: [] },
    [active],
  );
  const columns: Column<Vehicle>[] = [
    { key: "registration", header: t("vehicle.registration"), render: (x) => x.registration },
    { key: "name", header: t("vehicle.name"), render: (x) => x.name },
    { key: "org", header: t("setup.orgUnit"), render: (x) => orgUnitName(orgUnits, x.org_unit_id) },
    { key: "active", header: t("user.status"), render: (x) => <span className={x.active ? "badge badge-ok" : "badge"}>{x.active ? t("user.active") : t("user.inactive")}</span> },
    {
      key: "actions",
      header: <span className="visually-hidden">{t("actions")}</span>,
      render: (x) => (
        <span className="admin-actions">
          <button type="button" onClick={() => setOpen(x)} aria-label={t("setup.editNamed", { name: x.registration })}>
            {t("common:action.edit")}
          </button>
          <button
            type="button"
            disabled={toggle.busy === x.id}
            aria-label={t(x.active ? "setup.deactivateNamed" : "setup.activateNamed", { name: x.registration })}
            onClick={() =>
              void toggle.run(
                x.id,
                () =>
                  x.active
                    ? api.POST("/api/vehicles/{vehicle_id}/deactivate", { params: { path: { vehicle_id: x.id } }, headers: { "If-Match": versionTag(x.version) } })
                    : api.POST("/api/vehicles/{vehicle_id}/activate", { params: { path: { vehicle_id: x.id } }, headers: { "If-Match": versionTag(x.version) } }),
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
    <section className="panel" aria-labelledby="admin-vehicles">
      <h3 id="admin-vehicles">{t("setup.vehicles")}</h3>
      <div className="toolbar">
        <div className="filters">
          <ActiveFilterField value={active} onChange={setActive} />
        </div>
        <button type="button" className="primary" onClick={() => setOpen("new")}>
          {t("vehicle.new")}
        </button>
      </div>
      <ProblemAlert error={list.error ?? toggle.error} onRetry={list.error ? list.reload : undefined} />
      <DataTable caption={t("setup.vehicles")} columns={columns} rows={list.items} rowKey={(x) => x.id} empty={list.loading ? t("common:state.loading") : t("setup.none")} />
      <Pager count={list.items.length} hasMore={list.hasMore} loading={list.loading} onMore={list.loadMore} />
      {open ? (
        <VehicleDialog
          vehicle={open === "new" ? undefined : open}
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

function VehicleDialog({ vehicle, orgUnits, onClose, onSaved }: { vehicle?: Vehicle; orgUnits: readonly OrgUnit[]; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation(NS);
  const [registration, setRegistration] = useState(vehicle?.registration ?? "");
  const [name, setName] = useState(vehicle?.name ?? "");
  const [orgUnitId, setOrgUnitId] = useState(vehicle?.org_unit_id ?? "");
  const [active, setActive] = useState(true);
  const [error, setError] = useState<unknown>();
  const [saving, setSaving] = useState(false);
  const formId = vehicle ? `admin-vehicle-${vehicle.id}` : "admin-vehicle-new";
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setError(undefined);
    const body = { registration: registration.trim(), name: name.trim(), org_unit_id: orgUnitId || null };
    try {
      if (vehicle) {
        await api.PATCH("/api/vehicles/{vehicle_id}", { params: { path: { vehicle_id: vehicle.id } }, body, headers: { "If-Match": versionTag(vehicle.version) } });
      } else {
        await api.POST("/api/vehicles", { body: { ...body, active } });
      }
      onSaved();
    } catch (failure) {
      setError(failure);
      setSaving(false);
    }
  };
  return (
    <Dialog
      title={vehicle ? t("vehicle.editTitle", { name: vehicle.registration }) : t("vehicle.new")}
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
        <FormProblem error={error} claimedFields={["registration", "name", "org_unit_id", "active"]} />
        <TextField label={t("vehicle.registration")} name="registration" value={registration} onChange={(e) => setRegistration(e.target.value)} error={error} required />
        <TextField label={t("vehicle.name")} name="name" value={name} onChange={(e) => setName(e.target.value)} error={error} required />
        <SelectField label={t("setup.orgUnit")} name="org_unit_id" value={orgUnitId} onChange={(e) => setOrgUnitId(e.target.value)} error={error} options={orgUnitOptions(orgUnits, t("setup.noOrgUnit"))} />
        {vehicle ? null : <CheckboxField label={t("user.active")} name="active" checked={active} onChange={(e) => setActive(e.target.checked)} error={error} />}
      </form>
    </Dialog>
  );
}
