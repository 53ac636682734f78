// One field work setup list (technicians, vehicles, order kinds): the active filter, keyset
// pages, a status column, edit and activate/deactivate on each row, and the dialog that
// creates or edits one. Each panel gives only what is its own.
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { DataTable, Pager, type Column } from "../../../components/DataTable";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useKeysetList, type KeysetPage } from "../../../hooks/useKeysetList";
import { NS } from "../messages";
import { activeParam, ActiveFilterField, useToggle, type ActiveFilter } from "./common";

interface SetupRow {
  id: string;
  active: boolean;
}

export function SetupPanel<T extends SetupRow>({
  headingId,
  title,
  newLabel,
  defaultActive,
  fetchPage,
  columns,
  nameOf,
  toggleActive,
  dialog,
}: {
  headingId: string;
  title: string;
  newLabel: string;
  defaultActive: ActiveFilter;
  fetchPage: (active: boolean | undefined, cursor: string | undefined) => Promise<KeysetPage<T>>;
  /** The panel's own columns; status and the row actions follow them. */
  columns: Column<T>[];
  /** How a row is named in its buttons' labels. */
  nameOf: (row: T) => string;
  /** Deactivate an active row, activate an inactive one (with its If-Match). */
  toggleActive: (row: T) => Promise<unknown>;
  /** The create (row undefined) or edit dialog. */
  dialog: (row: T | undefined, close: () => void, saved: () => void) => ReactNode;
}) {
  const { t } = useTranslation(NS);
  const [active, setActive] = useState<ActiveFilter>(defaultActive);
  const [open, setOpen] = useState<T | "new" | null>(null);
  const toggle = useToggle();
  const list = useKeysetList<T>((cursor) => fetchPage(activeParam(active), cursor), [active]);
  const all: Column<T>[] = [
    ...columns,
    { key: "active", header: t("user.status"), render: (x) => <span className={x.active ? "badge badge-ok" : "badge"}>{x.active ? t("user.active") : t("user.inactive")}</span> },
    {
      key: "actions",
      header: <span className="visually-hidden">{t("actions")}</span>,
      render: (x) => (
        <span className="admin-actions">
          <button type="button" onClick={() => setOpen(x)} aria-label={t("setup.editNamed", { name: nameOf(x) })}>
            {t("common:action.edit")}
          </button>
          <button
            type="button"
            disabled={toggle.busy === x.id}
            aria-label={t(x.active ? "setup.deactivateNamed" : "setup.activateNamed", { name: nameOf(x) })}
            onClick={() => void toggle.run(x.id, () => toggleActive(x), list.reload)}
          >
            {x.active ? t("setup.deactivate") : t("setup.activate")}
          </button>
        </span>
      ),
    },
  ];
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h3 id={headingId}>{title}</h3>
      <div className="toolbar">
        <div className="filters">
          <ActiveFilterField value={active} onChange={setActive} />
        </div>
        <button type="button" className="primary" onClick={() => setOpen("new")}>
          {newLabel}
        </button>
      </div>
      <ProblemAlert error={list.error ?? toggle.error} onRetry={list.error ? list.reload : undefined} />
      <DataTable caption={title} columns={all} rows={list.items} rowKey={(x) => x.id} empty={list.loading ? t("common:state.loading") : t("setup.none")} />
      <Pager count={list.items.length} hasMore={list.hasMore} loading={list.loading} onMore={list.loadMore} />
      {open
        ? dialog(
            open === "new" ? undefined : open,
            () => setOpen(null),
            () => {
              setOpen(null);
              list.reload();
            },
          )
        : null}
    </section>
  );
}
