import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { Dialog } from "../../../components/Dialog";
import { CheckboxField, SelectField, TextField } from "../../../components/Field";
import { FormProblem } from "../shared/FormProblem";
import { NS } from "../messages";
import { versionTag } from "../rules";
import type { OrgUnit } from "../shared/useOrgUnits";
import { orgUnitName, orgUnitOptions } from "./common";
import { SetupPanel } from "./SetupPanel";

type Vehicle = components["schemas"]["VehicleOut"];

export function VehiclesPanel({ orgUnits }: { orgUnits: readonly OrgUnit[] }) {
  const { t } = useTranslation(NS);
  return (
    <SetupPanel<Vehicle>
      headingId="admin-vehicles"
      title={t("setup.vehicles")}
      newLabel={t("vehicle.new")}
      defaultActive="true"
      fetchPage={async (active, cursor) => (await api.GET("/api/vehicles", { params: { query: { active, cursor, limit: 50 } } })).data ?? { items: [] }}
      columns={[
        { key: "registration", header: t("vehicle.registration"), render: (x) => x.registration },
        { key: "name", header: t("vehicle.name"), render: (x) => x.name },
        { key: "org", header: t("setup.orgUnit"), render: (x) => orgUnitName(orgUnits, x.org_unit_id) },
      ]}
      nameOf={(x) => x.registration}
      toggleActive={(x) => {
        const options = { params: { path: { vehicle_id: x.id } }, headers: { "If-Match": versionTag(x.version) } };
        return x.active ? api.POST("/api/vehicles/{vehicle_id}/deactivate", options) : api.POST("/api/vehicles/{vehicle_id}/activate", options);
      }}
      dialog={(vehicle, onClose, onSaved) => <VehicleDialog vehicle={vehicle} orgUnits={orgUnits} onClose={onClose} onSaved={onSaved} />}
    />
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
