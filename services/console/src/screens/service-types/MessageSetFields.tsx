// One message set of a step (Initial or On completion): e-mail subject and body, SMS,
// report, print tag and print text, with the API's placeholders insertable at the caret.
import { useId, useRef, useState, type SyntheticEvent } from "react";
import { flushSync } from "react-dom";
import { useTranslation } from "react-i18next";

import type { ProblemError } from "../../api/problem";
import type { components } from "../../api/schema";
import { TextAreaField, TextField } from "../../components/Field";

import { type MessageDraft, type MessageField, type MessageSetName, TEMPLATE_FIELDS } from "./draft";
import { NS } from "./messages";
import { insertAt } from "./placeholders";

export type Placeholder = components["schemas"]["PlaceholderOut"];
export type SmsLength = components["schemas"]["SmsLengthOut"];

const MULTILINE: ReadonlySet<MessageField> = new Set(["email_body", "sms_text", "print_text"]);

export function MessageSetFields({
  set,
  index,
  messages,
  placeholders,
  smsLength,
  error,
  readOnly,
  onChange,
}: {
  set: MessageSetName;
  index: number;
  messages: MessageDraft;
  placeholders: readonly Placeholder[];
  /** The SMS text's measured length (from the last preview), when known. */
  smsLength: SmsLength | undefined;
  error: ProblemError | undefined;
  readOnly: boolean;
  onChange: (messages: MessageDraft) => void;
}) {
  const { t } = useTranslation(NS);
  const pickerId = useId();
  const [target, setTarget] = useState<MessageField>("email_body");
  const [chosen, setChosen] = useState("");
  // Where the caret was in each text, so a placeholder goes where the user was writing.
  const carets = useRef<Partial<Record<MessageField, [number, number]>>>({});
  const name = (field: MessageField) => `steps.${index}.${set}.${field}`;

  const track = (field: MessageField) => (e: SyntheticEvent<HTMLInputElement | HTMLTextAreaElement>) => {
    const element = e.currentTarget;
    carets.current[field] = [element.selectionStart ?? element.value.length, element.selectionEnd ?? element.value.length];
    if (TEMPLATE_FIELDS.includes(field)) setTarget(field);
  };

  const insert = () => {
    if (!chosen) return;
    const current = messages[target];
    const [start, end] = carets.current[target] ?? [current.length, current.length];
    const { text, caret } = insertAt(current, `{{ ${chosen} }}`, start, end);
    // Rendered at once, then back to the text with the caret after the placeholder: on a
    // later frame it took the focus from a field the user had moved on to meanwhile.
    flushSync(() => onChange({ ...messages, [target]: text }));
    carets.current[target] = [caret, caret];
    const element = document.querySelector<HTMLInputElement | HTMLTextAreaElement>(`[name="${name(target)}"]`);
    element?.focus();
    element?.setSelectionRange(caret, caret);
  };

  const field = (key: MessageField) => {
    const props = {
      label: t(`message.${key}`),
      name: name(key),
      error,
      value: messages[key],
      onChange: (e: { target: { value: string } }) => onChange({ ...messages, [key]: e.target.value }),
      onSelect: track(key),
      onFocus: track(key),
      maxLength: key === "report" || key === "print_tag" ? 100 : undefined,
      hint:
        key === "sms_text" && smsLength && messages.sms_text
          ? t("sms.length", {
              characters: smsLength.characters,
              encoding: smsLength.encoding.toUpperCase(),
              segments: smsLength.segments,
              remaining: smsLength.remaining,
            })
          : undefined,
    };
    return MULTILINE.has(key) ? (
      <TextAreaField key={key} rows={key === "email_body" ? 5 : 3} {...props} />
    ) : (
      <TextField key={key} {...props} />
    );
  };

  const description = placeholders.find((p) => p.name === chosen)?.description;
  return (
    <fieldset className="st-messages-set">
      <legend>{t(`messages.${set}`)}</legend>
      {field("email_subject")}
      {field("email_body")}
      {field("sms_text")}
      {field("report")}
      {field("print_tag")}
      {field("print_text")}
      {!readOnly && placeholders.length > 0 ? (
        <div className="st-placeholder">
          <label htmlFor={pickerId}>{t("placeholder.label")}</label>
          <select
            id={pickerId}
            value={chosen}
            aria-describedby={description ? `${pickerId}-hint` : undefined}
            onChange={(e) => setChosen(e.target.value)}
          >
            <option value="">—</option>
            {placeholders.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
          <button type="button" disabled={!chosen} onClick={insert}>
            {t("placeholder.insert", { field: t(`message.${target}`) })}
          </button>
          {description ? (
            <small id={`${pickerId}-hint`} className="muted">
              {description}
            </small>
          ) : null}
        </div>
      ) : null}
    </fieldset>
  );
}
