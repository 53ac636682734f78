// The display name in other languages: rows of language code and name.
import { useTranslation } from "react-i18next";

import type { ProblemError } from "../../api/problem";
import { TextField } from "../../components/Field";

import { localKey, type TranslationDraft } from "./draft";
import { NS } from "./messages";

export function TranslationsEditor({
  rows,
  error,
  readOnly,
  onChange,
}: {
  rows: readonly TranslationDraft[];
  error: ProblemError | undefined;
  readOnly: boolean;
  onChange: (rows: TranslationDraft[]) => void;
}) {
  const { t } = useTranslation(NS);
  const update = (index: number, change: Partial<TranslationDraft>) =>
    onChange(rows.map((row, i) => (i === index ? { ...row, ...change } : row)));
  return (
    <fieldset className="st-translations">
      <legend>{t("translations.legend")}</legend>
      {rows.map((row, index) => (
        <div key={row.key} className="st-row">
          <TextField
            label={t("translations.locale")}
            name={`display_name_translations.${row.locale.trim()}.locale`}
            maxLength={6}
            value={row.locale}
            onChange={(e) => update(index, { locale: e.target.value })}
          />
          <TextField
            label={t("translations.text", { locale: row.locale || "…" })}
            name={`display_name_translations.${row.locale.trim()}`}
            error={error}
            maxLength={200}
            value={row.text}
            onChange={(e) => update(index, { text: e.target.value })}
          />
          {readOnly ? null : (
            <button type="button" onClick={() => onChange(rows.filter((_, i) => i !== index))}>
              {t("translations.remove", { locale: row.locale })}
            </button>
          )}
        </div>
      ))}
      {readOnly ? null : (
        <button type="button" onClick={() => onChange([...rows, { key: localKey("tr"), locale: "", text: "" }])}>
          {t("translations.add")}
        </button>
      )}
    </fieldset>
  );
}
