import { type ReactNode, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router-dom";

import { api, download, queryString } from "../../api/client";
import { ProblemAlert } from "../../components/ProblemAlert";
import { type Column, DataTable, Pager } from "../../components/DataTable";
import { useSession } from "../../auth/session";
import { useKeysetList } from "../../hooks/useKeysetList";
import { useLoad } from "../../hooks/useLoad";
import { ActionBar } from "./ActionBar";
import { ApproveAllDialog } from "./ApproveAllDialog";
import { cell } from "./cells";
import { ColumnChooser } from "./ColumnChooser";
import {
  type Sort,
  loadColumnChoice,
  nextSort,
  saveColumnChoice,
  sortFromParam,
  sortParam,
  toggleColumn,
  visibleColumns,
} from "./columns";
import { CalloutDialog } from "./dialogs/CalloutDialog";
import { FILTER_FIELDS, type Filters, defaultFilters, filtersFromSearch, searchOf, toQuery } from "./filters";
import { FilterPanel } from "./FilterPanel";
import { NS } from "./messages";
import { type Outcome, fromRefusal, fromResult, remainingSelection } from "./outcome";
import { OutcomePanel } from "./OutcomePanel";
import { PlanningRuns } from "./PlanningRuns";
import type { ActionName, Callout } from "./types";

const PAGE_SIZE = 100;

/** The callout list with its filters, columns, paging, selection and actions: the whole
 * list (`serialItemId` undefined) or one serial item's tab. */
export function CalloutList({
  serialItemId,
  extraActions,
  reloadSignal = 0,
}: {
  serialItemId?: string;
  /** Buttons of the item's tab ("Recalculate messages"), beside the exports. */
  extraActions?: ReactNode;
  /** Changing it reloads the list (after a recalculation). */
  reloadSignal?: number;
}) {
  const { t, i18n } = useTranslation(NS);
  const { hasRole } = useSession();
  const canAct = hasRole("admin", "operator");
  const forItem = serialItemId !== undefined;
  const language = i18n.language;

  const defaults = useMemo(() => defaultFilters(new Date(), forItem), [forItem]);
  // The filters and sort live in the address too: a list can be linked, and Back (from an
  // item's tab, say) returns to it as it was.
  const [search, setSearch] = useSearchParams();
  const [filters, setFilters] = useState<Filters>(() => filtersFromSearch(search, defaults));
  const [sort, setSort] = useState<Sort>(() => sortFromParam(search.get("sort")));
  // Written when the user changes them, not when the list mounts: the list's chunk can
  // finish loading after the user has already clicked elsewhere, and a write then would
  // replace where they went with this list (its path is the one this render resolved).
  const mounted = useRef(false);
  useEffect(() => {
    if (!mounted.current) {
      mounted.current = true;
      return;
    }
    setSearch(searchOf(filters, sortParam(sort)), { replace: true });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [filters, sort]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  const [actionError, setActionError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [opened, setOpened] = useState<Callout>();
  const [approvingAll, setApprovingAll] = useState(false);

  const query = useMemo(() => toQuery(filters, serialItemId), [filters, serialItemId]);
  const list = useKeysetList<Callout>(
    async (cursor) => {
      const { data } = await api.GET("/api/callouts", {
        params: { query: { ...query, sort: sortParam(sort), cursor, limit: PAGE_SIZE, lang: language } },
      });
      return data ?? { items: [], next_cursor: null };
    },
    [query, sort, language, reloadSignal],
  );

  const meta = useLoad(async () => (await api.GET("/api/callouts/columns")).data ?? [], []);
  const [choice, setChoice] = useState<string[] | null>(() => loadColumnChoice());
  const shown = useMemo(() => visibleColumns(meta.data ?? [], choice), [meta.data, choice]);
  const chooseColumns = (keys: string[] | null) => {
    setChoice(keys);
    saveColumnChoice(keys);
  };

  // New filters or sort: a new list, nothing selected from the old one.
  useEffect(() => setSelected(new Set()), [query, sort]);

  const selectedRows = list.items.filter((row) => selected.has(row.id));

  const act = async (action: ActionName) => {
    setBusy(true);
    setActionError(undefined);
    setOutcome(undefined);
    setNotice(undefined);
    try {
      const { data } = await api.POST("/api/callouts/actions/{action}", {
        params: { path: { action } },
        body: { ids: selectedRows.map((r) => r.id) },
      });
      if (data) {
        const done = fromResult(action, data);
        setOutcome(done);
        setSelected((before) => remainingSelection(before, done));
      }
      list.reload();
    } catch (failure) {
      const refused = fromRefusal(action, failure);
      if (refused) setOutcome(refused);
      else setActionError(failure);
    } finally {
      setBusy(false);
    }
  };

  const exportAs = async (format: "csv" | "xlsx") => {
    setActionError(undefined);
    const params = { ...query, format, columns: shown, sort: sortParam(sort), lang: language };
    try {
      await download(`/api/callouts/export${queryString(params)}`, `callouts.${format}`);
    } catch (failure) {
      setActionError(failure);
    }
  };

  const columns: Column<Callout>[] = (meta.data ?? [])
    .filter((c) => shown.includes(c.key))
    .map((c) => {
      const label = t(`column.${c.key}`, { defaultValue: c.label });
      const sorted = sort.field === c.key;
      const header = c.sortable ? (
        <button
          type="button"
          className="callouts-sort"
          aria-label={`${t("sort.by", { column: label })}${sorted ? `, ${t(sort.descending ? "sort.descending" : "sort.ascending")}` : ""}`}
          onClick={() => setSort((s) => nextSort(s, c.key))}
        >
          {label}
          {sorted ? <span aria-hidden="true">{sort.descending ? " ▼" : " ▲"}</span> : null}
        </button>
      ) : (
        label
      );
      return { key: c.key, header, render: (row: Callout) => cell(c.key, row, language, !forItem) };
    });
  columns.push({
    key: "open",
    header: <span className="visually-hidden">{t("column.open")}</span>,
    render: (row) => (
      <button
        type="button"
        aria-label={t("row.open", { serial: row.serial_number ?? row.id, step: row.step_description ?? "" })}
        onClick={() => setOpened(row)}
      >
        {t("column.open")}
      </button>
    ),
  });

  return (
    <>
      <FilterPanel
        key={forItem ? "item" : "list"}
        applied={filters}
        defaults={defaults}
        onApply={setFilters}
        error={list.error}
        forItem={forItem}
      />
      <div className="toolbar">
        {meta.data ? (
          <ColumnChooser
            columns={meta.data}
            visible={shown}
            onToggle={(key) => chooseColumns(toggleColumn(meta.data ?? [], shown, key))}
            onReset={() => chooseColumns(null)}
          />
        ) : null}
        <button type="button" onClick={() => void exportAs("csv")}>
          {t("action.exportCsv")}
        </button>
        <button type="button" onClick={() => void exportAs("xlsx")}>
          {t("action.exportXlsx")}
        </button>
        {canAct ? (
          <button type="button" onClick={() => setApprovingAll(true)} disabled={busy}>
            {t("action.approveAll")}
          </button>
        ) : null}
        {extraActions}
      </div>
      <PlanningRuns reloadSignal={reloadSignal} />
      {canAct ? (
        <ActionBar selected={selectedRows} busy={busy} onAct={(a) => void act(a)} onClear={() => setSelected(new Set())} />
      ) : null}
      {outcome ? <OutcomePanel outcome={outcome} rows={list.items} onDismiss={() => setOutcome(undefined)} /> : null}
      {notice ? (
        <div role="status" className="alert alert-ok">
          {notice}
        </div>
      ) : null}
      <ProblemAlert error={actionError} />
      <ProblemAlert error={meta.error} onRetry={meta.reload} />
      <ProblemAlert error={list.error} claimedFields={FILTER_FIELDS} onRetry={list.reload} />
      {meta.data ? (
        <DataTable
          caption={t("list.caption")}
          columns={columns}
          rows={list.items}
          rowKey={(row) => row.id}
          selected={canAct ? selected : undefined}
          onSelect={canAct ? setSelected : undefined}
          rowLabel={(row) =>
            t("row.select", {
              serial: row.serial_number ?? row.id,
              step: row.step_description ?? "",
              date: row.scheduled_for,
            })
          }
          onRowOpen={setOpened}
          empty={list.loading ? t("common:state.loading") : t("list.empty")}
        />
      ) : meta.loading ? (
        <p className="muted">{t("list.loadingColumns")}</p>
      ) : null}
      <Pager count={list.items.length} hasMore={list.hasMore} loading={list.loading} onMore={list.loadMore} />
      {opened ? (
        <CalloutDialog
          callout={opened}
          canAct={canAct}
          onClose={() => setOpened(undefined)}
          onChanged={(changed) => {
            setOpened(changed);
            list.replace(changed, (a, b) => a.id === b.id);
          }}
        />
      ) : null}
      {approvingAll ? (
        <ApproveAllDialog
          query={query}
          onClose={() => setApprovingAll(false)}
          onDone={(count) => {
            setApprovingAll(false);
            setNotice(t("approveAll.done", { count }));
            list.reload();
          }}
        />
      ) : null}
    </>
  );
}
