import { useTranslation } from "react-i18next";

import { NS } from "./messages";
import type { ColumnMeta } from "./types";

/** "Column selection": a checkbox per column of the API's metadata. */
export function ColumnChooser({
  columns,
  visible,
  onToggle,
  onReset,
}: {
  columns: readonly ColumnMeta[];
  visible: readonly string[];
  onToggle: (key: string) => void;
  onReset: () => void;
}) {
  const { t } = useTranslation(NS);
  return (
    <details className="callouts-columns">
      <summary>{t("columns.title")}</summary>
      <fieldset>
        <legend className="visually-hidden">{t("columns.title")}</legend>
        {columns.map((column) => (
          <label key={column.key} className="callouts-choice-option">
            <input
              type="checkbox"
              name="columns"
              value={column.key}
              checked={visible.includes(column.key)}
              disabled={visible.length === 1 && visible.includes(column.key)}
              onChange={() => onToggle(column.key)}
            />
            {t(`column.${column.key}`, { defaultValue: column.label })}
          </label>
        ))}
        <button type="button" onClick={onReset}>
          {t("columns.reset")}
        </button>
      </fieldset>
    </details>
  );
}
