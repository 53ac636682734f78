import { useState } from "react";
import { useTranslation } from "react-i18next";

import { SelectField } from "../../../components/Field";
import { NS } from "../messages";
import type { OrgUnit } from "../shared/useOrgUnits";

export type ActiveFilter = "" | "true" | "false";

/** The `active` query parameter a filter stands for. */
export function activeParam(filter: ActiveFilter): boolean | undefined {
  return filter === "" ? undefined : filter === "true";
}

export function ActiveFilterField({ value, onChange }: { value: ActiveFilter; onChange: (v: ActiveFilter) => void }) {
  const { t } = useTranslation(NS);
  return (
    <SelectField
      label={t("setup.show")}
      name="active"
      value={value}
      onChange={(e) => onChange(e.target.value as ActiveFilter)}
      options={[
        { value: "true", label: t("setup.showActive") },
        { value: "false", label: t("setup.showInactive") },
        { value: "", label: t("common:all") },
      ]}
    />
  );
}

/** An org unit picker; "" is none. */
export function orgUnitOptions(units: readonly OrgUnit[], noneLabel: string) {
  return [{ value: "", label: noneLabel }, ...units.map((u) => ({ value: u.id, label: `${u.code} — ${u.name}` }))];
}

export function orgUnitName(units: readonly OrgUnit[], id: string | null): string {
  if (!id) return "";
  const unit = units.find((u) => u.id === id);
  return unit ? unit.code : id;
}

/** Activate or deactivate a row: the button, its busy state and the failure. */
export function useToggle() {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<string | null>(null);
  const run = async (id: string, call: () => Promise<unknown>, after: () => void) => {
    setBusy(id);
    setError(undefined);
    try {
      await call();
      after();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(null);
    }
  };
  return { error, busy, run };
}
