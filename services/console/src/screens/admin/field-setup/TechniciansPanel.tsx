import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { NS } from "../messages";
import { versionTag } from "../rules";
import type { OrgUnit } from "../shared/useOrgUnits";
import { orgUnitName } from "./common";
import { formatIntervals, ISO_WEEKDAYS } from "./hours";
import { SetupPanel } from "./SetupPanel";
import { TechnicianDialog } from "./TechnicianDialog";

type Technician = components["schemas"]["TechnicianOut"];

export function TechniciansPanel({ orgUnits }: { orgUnits: readonly OrgUnit[] }) {
  const { t } = useTranslation(NS);
  return (
    <SetupPanel<Technician>
      headingId="admin-technicians"
      title={t("setup.technicians")}
      newLabel={t("tech.new")}
      defaultActive="true"
      fetchPage={async (active, cursor) => (await api.GET("/api/technicians", { params: { query: { active, cursor, limit: 50 } } })).data ?? { items: [] }}
      columns={[
        { key: "name", header: t("tech.name"), render: (x) => x.name },
        { key: "username", header: t("tech.username"), render: (x) => x.username ?? "" },
        { key: "org", header: t("setup.orgUnit"), render: (x) => orgUnitName(orgUnits, x.org_unit_id) },
        { key: "base", header: t("tech.homeBase"), render: (x) => (x.home_base ? `${x.home_base.street}, ${x.home_base.city}` : "") },
        {
          key: "hours",
          header: t("tech.workingHours"),
          render: (x) =>
            ISO_WEEKDAYS.filter((d) => x.working_hours[d]?.length)
              .map((d) => `${t(`isoDay.${d}`)} ${formatIntervals(x.working_hours[d])}`)
              .join("; "),
        },
        { key: "contact", header: t("tech.contact"), render: (x) => [x.email, x.mobile].filter(Boolean).join(", ") },
      ]}
      nameOf={(x) => x.name}
      toggleActive={(x) => {
        const options = { params: { path: { technician_id: x.id } }, headers: { "If-Match": versionTag(x.version) } };
        return x.active ? api.POST("/api/technicians/{technician_id}/deactivate", options) : api.POST("/api/technicians/{technician_id}/activate", options);
      }}
      dialog={(technician, onClose, onSaved) => <TechnicianDialog technician={technician} orgUnits={orgUnits} onClose={onClose} onSaved={onSaved} />}
    />
  );
}
