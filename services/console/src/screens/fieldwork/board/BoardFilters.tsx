import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { SelectField, TextField } from "../../../components/Field";
import { CustomerPicker } from "../shared/CustomerPicker";
import type { Lookups } from "../shared/lookups";
import { NS } from "../shared/messages";
import { PRIORITIES, type Priority } from "../shared/types";
import { NO_FILTERS, type BoardFilterValues } from "./filters";

/** The board's filters: applied on submit (typing a date or a number sends nothing yet). */
export function BoardFilters({
  lookups,
  error,
  onApply,
}: {
  lookups: Lookups | undefined;
  error: unknown;
  onApply: (filters: BoardFilterValues) => void;
}) {
  const { t } = useTranslation(NS);
  const [values, setValues] = useState<BoardFilterValues>(NO_FILTERS);
  const set = <K extends keyof BoardFilterValues>(key: K, value: BoardFilterValues[K]) =>
    setValues((v) => ({ ...v, [key]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(values);
  };
  const any = t("filter.any");
  return (
    <form className="panel filters fw-filters" onSubmit={submit} aria-label={t("filter.title")}>
      <SelectField
        label={t("filter.orgUnit")}
        name="org_unit_id"
        error={error}
        value={values.org_unit_id}
        onChange={(e) => set("org_unit_id", e.target.value)}
        options={[{ value: "", label: any }, ...(lookups?.orgUnits ?? []).map((o) => ({ value: o.id, label: o.name }))]}
      />
      <SelectField
        label={t("filter.technician")}
        name="technician_id"
        error={error}
        value={values.technician_id}
        onChange={(e) => set("technician_id", e.target.value)}
        options={[{ value: "", label: any }, ...(lookups?.technicians ?? []).map((o) => ({ value: o.id, label: o.name }))]}
      />
      <SelectField
        label={t("filter.kind")}
        name="kind_id"
        error={error}
        value={values.kind_id}
        onChange={(e) => set("kind_id", e.target.value)}
        options={[{ value: "", label: any }, ...(lookups?.kinds ?? []).map((o) => ({ value: o.id, label: o.name }))]}
      />
      <SelectField
        label={t("filter.priority")}
        name="priority"
        error={error}
        value={values.priority}
        onChange={(e) => set("priority", e.target.value as Priority | "")}
        options={[{ value: "", label: any }, ...PRIORITIES.map((p) => ({ value: p, label: t(`priority.${p}`) }))]}
      />
      <CustomerPicker label={t("filter.customer")} value={values.customer} onChange={(c) => set("customer", c)} error={error} />
      <TextField label={t("filter.bookedFrom")} name="booked_from" type="date" error={error} value={values.booked_from} onChange={(e) => set("booked_from", e.target.value)} />
      <TextField label={t("filter.bookedTo")} name="booked_to" type="date" error={error} value={values.booked_to} onChange={(e) => set("booked_to", e.target.value)} />
      <TextField label={t("filter.createdFrom")} name="created_from" type="date" error={error} value={values.created_from} onChange={(e) => set("created_from", e.target.value)} />
      <TextField label={t("filter.createdTo")} name="created_to" type="date" error={error} value={values.created_to} onChange={(e) => set("created_to", e.target.value)} />
      <TextField label={t("filter.number")} name="q" maxLength={20} error={error} value={values.q} onChange={(e) => set("q", e.target.value)} />
      <div className="toolbar">
        <button type="submit" className="primary">
          {t("filter.apply")}
        </button>
        <button
          type="button"
          onClick={() => {
            setValues(NO_FILTERS);
            onApply(NO_FILTERS);
          }}
        >
          {t("common:action.reset")}
        </button>
      </div>
    </form>
  );
}
