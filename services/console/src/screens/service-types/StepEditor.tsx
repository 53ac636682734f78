// One step of a service type: its description and price, its scheduling and its two
// message sets; moved and removed with buttons (keyboard-usable, no drag needed).
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";

import type { ProblemError } from "../../api/problem";
import { TextField } from "../../components/Field";

import { filledMessages, MESSAGE_SETS, type StepDraft } from "./draft";
import { MessageSetFields, type Placeholder, type SmsLength } from "./MessageSetFields";
import { NS } from "./messages";
import { ScheduleFields } from "./ScheduleFields";

export function StepEditor({
  step,
  index,
  steps,
  placeholders,
  sms,
  error,
  readOnly,
  onChange,
  onMove,
  onRemove,
}: {
  step: StepDraft;
  index: number;
  steps: readonly StepDraft[];
  placeholders: readonly Placeholder[];
  sms: readonly SmsLength[];
  error: ProblemError | undefined;
  readOnly: boolean;
  onChange: (step: StepDraft) => void;
  onMove: (offset: number) => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation(NS);
  const headingId = useId();
  const number = index + 1;
  const name = (field: string) => `steps.${index}.${field}`;
  // The texts fold away while empty; a step with texts, or an error in them, shows them.
  const [open, setOpen] = useState(() => filledMessages(step) > 0);
  const messageError = error?.errors.some((e) => MESSAGE_SETS.some((set) => e.field.startsWith(name(`${set}.`))));
  const messagesOpen = open || !!messageError;
  return (
    <section className="st-step panel" aria-labelledby={headingId}>
      <header className="st-step-header">
        <h3 id={headingId}>{t("step.heading", { number, description: step.description || t("step.untitled") })}</h3>
        {readOnly ? null : (
          <div className="st-step-actions">
            <button type="button" aria-label={t("step.moveUp", { number })} disabled={index === 0} onClick={() => onMove(-1)}>
              ↑
            </button>
            <button
              type="button"
              aria-label={t("step.moveDown", { number })}
              disabled={index === steps.length - 1}
              onClick={() => onMove(1)}
            >
              ↓
            </button>
            <button type="button" className="danger" onClick={onRemove}>
              {t("step.remove", { number })}
            </button>
          </div>
        )}
      </header>
      <div className="form-grid">
        <TextField
          label={t("step.description")}
          name={name("description")}
          error={error}
          required
          maxLength={200}
          value={step.description}
          onChange={(e) => onChange({ ...step, description: e.target.value })}
        />
        <TextField
          label={t("step.price")}
          name={name("price.amount")}
          error={error}
          inputMode="decimal"
          value={step.priceAmount}
          onChange={(e) => onChange({ ...step, priceAmount: e.target.value })}
        />
        <TextField
          label={t("step.currency")}
          name={name("price.currency")}
          error={error}
          maxLength={3}
          value={step.priceCurrency}
          onChange={(e) => onChange({ ...step, priceCurrency: e.target.value })}
        />
      </div>
      <ScheduleFields
        schedule={step.schedule}
        index={index}
        steps={steps}
        error={error}
        onChange={(schedule) => onChange({ ...step, schedule })}
      />
      <details className="st-messages-details" open={messagesOpen} onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>{t("messages.summary", { count: filledMessages(step) })}</summary>
        <div className="st-messages">
          {MESSAGE_SETS.map((set) => (
            <MessageSetFields
              key={set}
              set={set}
              index={index}
              messages={step[set]}
              placeholders={placeholders}
              smsLength={sms.find((s) => s.field === name(`${set}.sms_text`))}
              error={error}
              readOnly={readOnly}
              onChange={(messages) => onChange({ ...step, [set]: messages })}
            />
          ))}
        </div>
      </details>
    </section>
  );
}
