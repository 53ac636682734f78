import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

export interface Column<T> {
  key: string;
  header: ReactNode;
  render: (row: T) => ReactNode;
  className?: string;
}

/** A table of rows with optional row selection (a checkbox per row and one for the page),
 * keyboard- and screen-reader-usable: a real <table> with a caption and header cells. */
export function DataTable<T>({
  caption,
  columns,
  rows,
  rowKey,
  selected,
  onSelect,
  rowLabel,
  onRowOpen,
  empty,
}: {
  caption: ReactNode;
  columns: readonly Column<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string;
  /** With `onSelect`: the selected row keys. */
  selected?: ReadonlySet<string>;
  onSelect?: (keys: Set<string>) => void;
  /** How a row is named to a screen reader (its checkbox's label). */
  rowLabel?: (row: T) => string;
  onRowOpen?: (row: T) => void;
  empty?: ReactNode;
}) {
  const { t } = useTranslation();
  const selectable = selected !== undefined && onSelect !== undefined;
  const allSelected = selectable && rows.length > 0 && rows.every((r) => selected.has(rowKey(r)));
  const toggle = (key: string) => {
    if (!selectable) return;
    const next = new Set(selected);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    onSelect(next);
  };
  return (
    <div className="table-wrap">
      <table className="data-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            {selectable ? (
              <th scope="col" className="col-select">
                <input
                  type="checkbox"
                  aria-label={t("all")}
                  checked={allSelected}
                  onChange={() =>
                    onSelect(allSelected ? new Set() : new Set([...selected, ...rows.map(rowKey)]))
                  }
                />
              </th>
            ) : null}
            {columns.map((c) => (
              <th key={c.key} scope="col" className={c.className}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length + (selectable ? 1 : 0)} className="muted">
                {empty ?? t("state.empty")}
              </td>
            </tr>
          ) : (
            rows.map((row) => {
              const key = rowKey(row);
              return (
                <tr
                  key={key}
                  aria-selected={selectable ? selected.has(key) : undefined}
                  onDoubleClick={onRowOpen ? () => onRowOpen(row) : undefined}
                >
                  {selectable ? (
                    <td className="col-select">
                      <input
                        type="checkbox"
                        aria-label={rowLabel ? rowLabel(row) : key}
                        checked={selected.has(key)}
                        onChange={() => toggle(key)}
                      />
                    </td>
                  ) : null}
                  {columns.map((c) => (
                    <td key={c.key} className={c.className}>
                      {c.render(row)}
                    </td>
                  ))}
                </tr>
              );
            })
          )}
        </tbody>
      </table>
    </div>
  );
}

/** "Load more" under a keyset list, with the count shown so far. */
export function Pager({
  count,
  hasMore,
  loading,
  onMore,
}: {
  count: number;
  hasMore: boolean;
  loading: boolean;
  onMore: () => void;
}) {
  const { t } = useTranslation();
  return (
    <div className="pager" aria-live="polite">
      <span className="muted">{t("paging.rows", { count })}</span>
      {loading ? <span className="muted">{t("state.loading")}</span> : null}
      {hasMore && !loading ? (
        <button type="button" onClick={onMore}>
          {t("paging.loadMore")}
        </button>
      ) : null}
    </div>
  );
}
