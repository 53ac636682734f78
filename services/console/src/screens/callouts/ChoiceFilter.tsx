import { useId } from "react";
import { useTranslation } from "react-i18next";

import { fieldError } from "../../components/Field";
import { NS } from "./messages";

/** A filter with several values (state, service type, org unit): checkboxes in a
 * fieldset, folded under a summary that says how many are chosen. */
export function ChoiceFilter({
  legend,
  name,
  options,
  chosen,
  onChange,
  error,
}: {
  legend: string;
  /** The API's query parameter: an error naming it shows here. */
  name: string;
  options: readonly { value: string; label: string }[];
  chosen: readonly string[];
  onChange: (values: string[]) => void;
  error?: unknown;
}) {
  const { t } = useTranslation(NS);
  const id = useId();
  const message = fieldError(error, name);
  const toggle = (value: string) =>
    onChange(chosen.includes(value) ? chosen.filter((v) => v !== value) : [...chosen, value]);
  return (
    <div className="callouts-choice">
    <details>
      <summary>
        {legend}: {chosen.length ? t("filters.chosen", { count: chosen.length }) : t("filters.any")}
      </summary>
      <fieldset aria-describedby={message ? `${id}-error` : undefined}>
        <legend className="visually-hidden">{legend}</legend>
        {options.map((option) => (
          <label key={option.value} className="callouts-choice-option">
            <input
              type="checkbox"
              name={name}
              value={option.value}
              checked={chosen.includes(option.value)}
              onChange={() => toggle(option.value)}
            />
            {option.label}
          </label>
        ))}
      </fieldset>
    </details>
      {message ? (
        <small id={`${id}-error`} className="field-error" role="alert">
          {message}
        </small>
      ) : null}
    </div>
  );
}
