// Sending settings (admins), per org unit: how its messages go out (SMTP, SMS sender,
// logo, footer), when callouts are sent automatically, and its internal e-mail addresses.
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { SelectField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { NS } from "../messages";
import { useOrgUnits } from "../shared/useOrgUnits";
import { DocumentSettingsForm } from "./DocumentSettingsForm";
import { SendingSettingsForm } from "./SendingSettingsForm";
import { SendingWindowForm } from "./SendingWindowForm";

export function SendingTab() {
  const { t } = useTranslation(NS);
  const orgUnits = useOrgUnits();
  const [chosen, setChosen] = useState("");
  const units = orgUnits.data ?? [];
  const unit = units.find((u) => u.id === chosen) ?? units[0];

  return (
    <section aria-labelledby="admin-sending-title">
      <h2 id="admin-sending-title">{t("tab.sending")}</h2>
      <ProblemAlert error={orgUnits.error} onRetry={orgUnits.reload} />
      {orgUnits.loading && !orgUnits.data ? <p className="muted">{t("common:state.loading")}</p> : null}
      {orgUnits.data && units.length === 0 ? <p className="muted">{t("sending.noOrgUnits")}</p> : null}
      {unit ? (
        <>
          <div className="toolbar">
            <SelectField
              label={t("sending.orgUnit")}
              name="org_unit_id"
              value={unit.id}
              onChange={(e) => setChosen(e.target.value)}
              options={units.map((u) => ({ value: u.id, label: `${u.code} — ${u.name}` }))}
            />
          </div>
          <div className="admin-columns">
            <SendingSettingsForm key={`s-${unit.id}`} orgUnitId={unit.id} />
            <div>
              <SendingWindowForm key={`w-${unit.code}`} orgUnitCode={unit.code} />
              <DocumentSettingsForm key={`d-${unit.id}`} orgUnitId={unit.id} />
            </div>
          </div>
        </>
      ) : null}
    </section>
  );
}
