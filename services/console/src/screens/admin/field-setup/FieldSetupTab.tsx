// Field work setup (admins): technicians, vehicles and order kinds, each with its own list.
import { useTranslation } from "react-i18next";

import { ProblemAlert } from "../../../components/ProblemAlert";
import { NS } from "../messages";
import { useOrgUnits } from "../shared/useOrgUnits";
import { OrderKindsPanel } from "./OrderKindsPanel";
import { TechniciansPanel } from "./TechniciansPanel";
import { VehiclesPanel } from "./VehiclesPanel";

export function FieldSetupTab() {
  const { t } = useTranslation(NS);
  const orgUnits = useOrgUnits();
  const units = orgUnits.data ?? [];
  return (
    <section aria-labelledby="admin-field-setup-title">
      <h2 id="admin-field-setup-title">{t("tab.field-setup")}</h2>
      <ProblemAlert error={orgUnits.error} onRetry={orgUnits.reload} />
      <TechniciansPanel orgUnits={units} />
      <VehiclesPanel orgUnits={units} />
      <OrderKindsPanel orgUnits={units} />
    </section>
  );
}
