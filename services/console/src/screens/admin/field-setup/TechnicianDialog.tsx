import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import { ProblemError } from "../../../api/problem";
import type { components } from "../../../api/schema";
import { Dialog } from "../../../components/Dialog";
import { CheckboxField, SelectField, TextField } from "../../../components/Field";
import { FormProblem } from "../shared/FormProblem";
import { NS } from "../messages";
import { blankToNull, versionTag } from "../rules";
import { claimedBy } from "../shared/fieldErrors";
import type { OrgUnit } from "../shared/useOrgUnits";
import { orgUnitOptions } from "./common";
import { coordinate, ISO_WEEKDAYS, linesOf, workingHoursOf } from "./hours";

type Technician = components["schemas"]["TechnicianOut"];
type TechnicianIn = components["schemas"]["TechnicianIn"];
type AddressIn = components["schemas"]["fieldwork.AddressIn"];

const ADDRESS = ["street", "postal_code", "city", "country", "latitude", "longitude"] as const;
type AddressField = (typeof ADDRESS)[number];
const FIELDS = ["name", "username", "org_unit_id", "email", "mobile", "active", ...ADDRESS.map((a) => `home_base.${a}`), ...ISO_WEEKDAYS.map((d) => `working_hours.${d}`)];

/** The form's home base as the API's address: none when street and city are both blank. */
function homeBaseOf(base: Record<AddressField, string>): AddressIn | null | ProblemError {
  if (ADDRESS.every((f) => base[f].trim() === "")) return null;
  const latitude = coordinate(base.latitude);
  const longitude = coordinate(base.longitude);
  const errors = [
    ...(latitude === "invalid" ? [{ field: "home_base.latitude", message: "not a number" }] : []),
    ...(longitude === "invalid" ? [{ field: "home_base.longitude", message: "not a number" }] : []),
  ];
  if (errors.length || latitude === "invalid" || longitude === "invalid") return new ProblemError(422, { title: "Invalid request", errors });
  return {
    street: base.street.trim(),
    postal_code: base.postal_code.trim(),
    city: base.city.trim(),
    country: base.country.trim().toUpperCase(),
    latitude,
    longitude,
  };
}

export function TechnicianDialog({
  technician,
  orgUnits,
  onClose,
  onSaved,
}: {
  technician?: Technician;
  orgUnits: readonly OrgUnit[];
  onClose: () => void;
  onSaved: () => void;
}) {
  const { t } = useTranslation(NS);
  const [name, setName] = useState(technician?.name ?? "");
  const [username, setUsername] = useState(technician?.username ?? "");
  const [orgUnitId, setOrgUnitId] = useState(technician?.org_unit_id ?? "");
  const [email, setEmail] = useState(technician?.email ?? "");
  const [mobile, setMobile] = useState(technician?.mobile ?? "");
  const [active, setActive] = useState(technician?.active ?? true);
  const [base, setBase] = useState<Record<AddressField, string>>(() => {
    const b = technician?.home_base;
    return {
      street: b?.street ?? "",
      postal_code: b?.postal_code ?? "",
      city: b?.city ?? "",
      country: b?.country ?? "",
      latitude: b?.latitude == null ? "" : String(b.latitude),
      longitude: b?.longitude == null ? "" : String(b.longitude),
    };
  });
  const [lines, setLines] = useState<Record<string, string>>(() => linesOf(technician?.working_hours));
  const [error, setError] = useState<unknown>();
  const [saving, setSaving] = useState(false);
  const formId = technician ? `admin-technician-${technician.id}` : "admin-technician-new";

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    const hours = workingHoursOf(lines);
    if ("invalid" in hours) {
      setError(new ProblemError(422, { title: t("tech.badHours"), errors: [{ field: `working_hours.${hours.day}`, message: t("tech.badInterval", { text: hours.invalid }) }] }));
      return;
    }
    const homeBase = homeBaseOf(base);
    if (homeBase instanceof ProblemError) {
      setError(homeBase);
      return;
    }
    const body: Omit<TechnicianIn, "active"> = {
      name: name.trim(),
      username: blankToNull(username),
      org_unit_id: orgUnitId || null,
      email: blankToNull(email),
      mobile: blankToNull(mobile),
      home_base: homeBase,
      working_hours: hours.hours,
    };
    setSaving(true);
    try {
      if (technician) {
        await api.PATCH("/api/technicians/{technician_id}", {
          params: { path: { technician_id: technician.id } },
          body,
          headers: { "If-Match": versionTag(technician.version) },
        });
      } else {
        await api.POST("/api/technicians", { body: { ...body, active } });
      }
      onSaved();
    } catch (failure) {
      setError(failure);
      setSaving(false);
    }
  };

  return (
    <Dialog
      title={technician ? t("tech.editTitle", { name: technician.name }) : t("tech.new")}
      onClose={onClose}
      wide
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
        <FormProblem error={error} claimedFields={claimedBy(error, FIELDS)} />
        <div className="form-grid">
          <TextField label={t("tech.name")} name="name" value={name} onChange={(e) => setName(e.target.value)} error={error} required />
          <TextField label={t("tech.username")} name="username" value={username} onChange={(e) => setUsername(e.target.value)} error={error} hint={t("hint.techUsername")} />
          <SelectField label={t("setup.orgUnit")} name="org_unit_id" value={orgUnitId} onChange={(e) => setOrgUnitId(e.target.value)} error={error} options={orgUnitOptions(orgUnits, t("setup.noOrgUnit"))} />
          <TextField label={t("user.email")} name="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} error={error} />
          <TextField label={t("user.mobile")} name="mobile" type="tel" value={mobile} onChange={(e) => setMobile(e.target.value)} error={error} hint={t("hint.e164")} />
        </div>
        {technician ? null : <CheckboxField label={t("user.active")} name="active" checked={active} onChange={(e) => setActive(e.target.checked)} error={error} />}
        <fieldset className="admin-group">
          <legend>{t("tech.homeBase")}</legend>
          <div className="form-grid">
            {ADDRESS.map((field) => (
              <TextField
                key={field}
                label={t(`address.${field}`)}
                name={`home_base.${field}`}
                value={base[field]}
                inputMode={field === "latitude" || field === "longitude" ? "decimal" : undefined}
                onChange={(e) => setBase((b) => ({ ...b, [field]: e.target.value }))}
                error={error}
              />
            ))}
          </div>
        </fieldset>
        <fieldset className="admin-group">
          <legend>{t("tech.workingHours")}</legend>
          <p className="muted">{t("hint.workingHours")}</p>
          <div className="form-grid">
            {ISO_WEEKDAYS.map((day) => (
              <TextField
                key={day}
                label={t(`isoDay.${day}`)}
                name={`working_hours.${day}`}
                value={lines[day] ?? ""}
                placeholder="08:00-16:00"
                onChange={(e) => setLines((l) => ({ ...l, [day]: e.target.value }))}
                error={error}
              />
            ))}
          </div>
        </fieldset>
      </form>
    </Dialog>
  );
}
