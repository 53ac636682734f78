import { useId, type ReactNode } from "react";

import { toggled } from "../rules";
import { groupMessages } from "./fieldErrors";

/** A labelled group of checkboxes for a list field ("roles", "events", "weekdays"): the
 * API's messages for the field or its items appear under the group. */
export function CheckboxGroup({
  legend,
  name,
  options,
  value,
  onChange,
  error,
  hint,
  disabled = false,
}: {
  legend: ReactNode;
  name: string;
  options: readonly { value: string; label: string }[];
  value: readonly string[];
  onChange: (next: string[]) => void;
  error?: unknown;
  hint?: ReactNode;
  disabled?: boolean;
}) {
  const id = useId();
  const messages = groupMessages(error, name);
  const describedBy = [hint ? `${id}-hint` : "", messages.length ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <fieldset
      className={messages.length ? "admin-group field-invalid" : "admin-group"}
      aria-describedby={describedBy || undefined}
      aria-invalid={messages.length ? true : undefined}
    >
      <legend>{legend}</legend>
      <div className="admin-group-options">
        {options.map((option) => {
          const optionId = `${id}-${option.value}`;
          return (
            <span key={option.value} className="field-check admin-check">
              <input
                id={optionId}
                type="checkbox"
                name={name}
                value={option.value}
                checked={value.includes(option.value)}
                disabled={disabled}
                onChange={(e) => onChange(toggled(value, option.value, e.target.checked))}
              />
              <label htmlFor={optionId}>{option.label}</label>
            </span>
          );
        })}
      </div>
      {hint ? (
        <small id={`${id}-hint`} className="muted">
          {hint}
        </small>
      ) : null}
      {messages.length ? (
        <small id={`${id}-error`} className="field-error" role="alert">
          {messages.join(" ")}
        </small>
      ) : null}
    </fieldset>
  );
}
