import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { DataTable, Pager, type Column } from "../../../components/DataTable";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useKeysetList } from "../../../hooks/useKeysetList";
import { NS } from "../messages";
import { versionTag } from "../rules";
import type { OrgUnit } from "../shared/useOrgUnits";
import { activeParam, ActiveFilterField, orgUnitName, useToggle, type ActiveFilter } from "./common";
import { formatIntervals, ISO_WEEKDAYS } from "./hours";
import { TechnicianDialog } from "./TechnicianDialog";

type Technician = components["schemas"]["TechnicianOut"];

export function TechniciansPanel({ orgUnits }: { orgUnits: readonly OrgUnit[] }) {
  const { t } = useTranslation(NS);
  const [active, setActive] = useState<ActiveFilter>("true");
  const [open, setOpen] = useState<Technician | "new" | null>(null);
  const toggle = useToggle();
  const list = useKeysetList<Technician>(
    async (cursor) => (await api.GET("/api/technicians", { params: { query: { active: activeParam(active), cursor, limit: 50 } } })).data ?? { items: [] },
    [active],
  );

  const columns: Column<Technician>[] = [
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
    { key: "active", header: t("user.status"), render: (x) => <span className={x.active ? "badge badge-ok" : "badge"}>{x.active ? t("user.active") : t("user.inactive")}</span> },
    {
      key: "actions",
      header: <span className="visually-hidden">{t("actions")}</span>,
      render: (x) => (
        <span className="admin-actions">
          <button type="button" onClick={() => setOpen(x)} aria-label={t("setup.editNamed", { name: x.name })}>
            {t("common:action.edit")}
          </button>
          <button
            type="button"
            disabled={toggle.busy === x.id}
            aria-label={t(x.active ? "setup.deactivateNamed" : "setup.activateNamed", { name: x.name })}
            onClick={() =>
              void toggle.run(
                x.id,
                () =>
                  x.active
                    ? api.POST("/api/technicians/{technician_id}/deactivate", { params: { path: { technician_id: x.id } }, headers: { "If-Match": versionTag(x.version) } })
                    : api.POST("/api/technicians/{technician_id}/activate", { params: { path: { technician_id: x.id } }, headers: { "If-Match": versionTag(x.version) } }),
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
    <section className="panel" aria-labelledby="admin-technicians">
      <h3 id="admin-technicians">{t("setup.technicians")}</h3>
      <div className="toolbar">
        <div className="filters">
          <ActiveFilterField value={active} onChange={setActive} />
        </div>
        <button type="button" className="primary" onClick={() => setOpen("new")}>
          {t("tech.new")}
        </button>
      </div>
      <ProblemAlert error={list.error ?? toggle.error} onRetry={list.error ? list.reload : undefined} />
      <DataTable caption={t("setup.technicians")} columns={columns} rows={list.items} rowKey={(x) => x.id} empty={list.loading ? t("common:state.loading") : t("setup.none")} />
      <Pager count={list.items.length} hasMore={list.hasMore} loading={list.loading} onMore={list.loadMore} />
      {open ? (
        <TechnicianDialog
          technician={open === "new" ? undefined : open}
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
