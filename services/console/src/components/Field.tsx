import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from "react";

import { asProblem } from "../api/problem";

/** The message the API gave for this field, if the last error named it. */
export function fieldError(error: unknown, name: string): string | undefined {
  return error ? asProblem(error).messageFor(name) : undefined;
}

interface FieldFrame {
  label: ReactNode;
  /** The API's name for the input: an error naming it is shown under it. */
  name: string;
  error?: unknown;
  hint?: ReactNode;
}

function Frame({
  id,
  label,
  message,
  hint,
  children,
}: {
  id: string;
  label: ReactNode;
  message: string | undefined;
  hint?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className={message ? "field field-invalid" : "field"}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint ? (
        <small id={`${id}-hint`} className="muted">
          {hint}
        </small>
      ) : null}
      {message ? (
        <small id={`${id}-error`} className="field-error" role="alert">
          {message}
        </small>
      ) : null}
    </div>
  );
}

function described(id: string, message: string | undefined, hint: ReactNode) {
  const ids = [hint ? `${id}-hint` : "", message ? `${id}-error` : ""].filter(Boolean).join(" ");
  return { "aria-invalid": message ? true : undefined, "aria-describedby": ids || undefined };
}

export function TextField({
  label,
  name,
  error,
  hint,
  ...input
}: FieldFrame & Omit<InputHTMLAttributes<HTMLInputElement>, "name">) {
  const id = useId();
  const message = fieldError(error, name);
  return (
    <Frame id={id} label={label} message={message} hint={hint}>
      <input id={id} name={name} {...described(id, message, hint)} {...input} />
    </Frame>
  );
}

export function TextAreaField({
  label,
  name,
  error,
  hint,
  ...input
}: FieldFrame & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, "name">) {
  const id = useId();
  const message = fieldError(error, name);
  return (
    <Frame id={id} label={label} message={message} hint={hint}>
      <textarea id={id} name={name} {...described(id, message, hint)} {...input} />
    </Frame>
  );
}

export function SelectField({
  label,
  name,
  error,
  hint,
  options,
  ...select
}: FieldFrame &
  Omit<SelectHTMLAttributes<HTMLSelectElement>, "name"> & {
    options: readonly { value: string; label: string }[];
  }) {
  const id = useId();
  const message = fieldError(error, name);
  return (
    <Frame id={id} label={label} message={message} hint={hint}>
      <select id={id} name={name} {...described(id, message, hint)} {...select}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Frame>
  );
}

export function CheckboxField({
  label,
  name,
  error,
  ...input
}: FieldFrame & Omit<InputHTMLAttributes<HTMLInputElement>, "name" | "type">) {
  const id = useId();
  const message = fieldError(error, name);
  return (
    <div className={message ? "field field-check field-invalid" : "field field-check"}>
      <input id={id} type="checkbox" name={name} {...described(id, message, undefined)} {...input} />
      <label htmlFor={id}>{label}</label>
      {message ? (
        <small id={`${id}-error`} className="field-error" role="alert">
          {message}
        </small>
      ) : null}
    </div>
  );
}
