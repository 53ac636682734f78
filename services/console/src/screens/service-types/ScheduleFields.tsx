// A step's scheduling: Never / After N days-months-years from startup or after another
// step / Exact date / Monthly / Yearly, with "repeat every" and "limit repetitions".
import { useTranslation } from "react-i18next";

import type { ProblemError } from "../../api/problem";
import { CheckboxField, SelectField, TextField } from "../../components/Field";

import { type Period, PERIODS, repeatPeriods, SCHEDULE_KINDS, type ScheduleDraft, type ScheduleKind, type StepDraft } from "./draft";
import { monthNames } from "./format";
import { NS } from "./messages";

export function ScheduleFields({
  schedule,
  index,
  steps,
  error,
  onChange,
}: {
  schedule: ScheduleDraft;
  /** The step's position: its fields are named `steps.<index>.schedule.<field>`. */
  index: number;
  steps: readonly StepDraft[];
  error: ProblemError | undefined;
  onChange: (schedule: ScheduleDraft) => void;
}) {
  const { t, i18n } = useTranslation(NS);
  const name = (field: string) => `steps.${index}.schedule.${field}`;
  const set = (change: Partial<ScheduleDraft>) => onChange({ ...schedule, ...change });
  const periodOptions = (periods: readonly Period[]) => periods.map((p) => ({ value: p, label: t(`period.${p}`) }));
  const allowedRepeats = repeatPeriods(schedule.kind);
  const others = steps.map((step, i) => ({ step, i })).filter(({ i }) => i !== index);

  const changeKind = (kind: ScheduleKind) => {
    const allowed = repeatPeriods(kind);
    set({ kind, repeatPeriod: allowed.includes(schedule.repeatPeriod) ? schedule.repeatPeriod : allowed[0] ?? "years" });
  };

  return (
    <fieldset className="st-schedule">
      <legend>{t("schedule.legend")}</legend>
      <div className="form-grid">
        <SelectField
          label={t("schedule.kind")}
          name={name("kind")}
          error={error}
          value={schedule.kind}
          onChange={(e) => changeKind(e.target.value as ScheduleKind)}
          options={SCHEDULE_KINDS.map((kind) => ({ value: kind, label: t(`kind.${kind}`) }))}
        />
        {schedule.kind === "after" ? (
          <>
            <TextField
              label={t("schedule.span")}
              name={name("span")}
              error={error}
              type="number"
              min={0}
              step={1}
              value={schedule.span}
              onChange={(e) => set({ span: e.target.value })}
            />
            <SelectField
              label={t("schedule.period")}
              name={name("period")}
              error={error}
              value={schedule.period}
              onChange={(e) => set({ period: e.target.value as Period })}
              options={periodOptions(PERIODS)}
            />
            <SelectField
              label={t("schedule.anchor")}
              name={name("anchor")}
              error={error}
              value={schedule.anchor}
              onChange={(e) => set({ anchor: e.target.value === "step" ? "step" : "startup" })}
              options={[
                { value: "startup", label: t("anchor.startup") },
                { value: "step", label: t("anchor.step") },
              ]}
            />
            {schedule.anchor === "step" ? (
              <SelectField
                label={t("schedule.anchorStep")}
                name={name("anchor_step_position")}
                error={error}
                value={schedule.anchorKey}
                onChange={(e) => set({ anchorKey: e.target.value })}
                options={[
                  { value: "", label: t("schedule.anchorStepNone") },
                  ...others.map(({ step, i }) => ({
                    value: step.key,
                    label: t("step.heading", { number: i + 1, description: step.description || t("step.untitled") }),
                  })),
                ]}
              />
            ) : null}
          </>
        ) : null}
        {schedule.kind === "exact_date" ? (
          <TextField
            label={t("schedule.exactDate")}
            name={name("exact_date")}
            error={error}
            type="date"
            value={schedule.exactDate}
            onChange={(e) => set({ exactDate: e.target.value })}
          />
        ) : null}
        {schedule.kind === "monthly" || schedule.kind === "yearly" ? (
          <TextField
            label={t("schedule.day")}
            name={name("day")}
            error={error}
            type="number"
            min={1}
            max={31}
            value={schedule.day}
            onChange={(e) => set({ day: e.target.value })}
          />
        ) : null}
        {schedule.kind === "yearly" ? (
          <SelectField
            label={t("schedule.month")}
            name={name("month")}
            error={error}
            value={schedule.month}
            onChange={(e) => set({ month: e.target.value })}
            options={monthNames(i18n.language).map((month, i) => ({ value: String(i + 1), label: month }))}
          />
        ) : null}
      </div>
      {schedule.kind !== "never" ? (
        <div className="form-grid">
          <CheckboxField
            label={t("schedule.repeat")}
            name={name("repeat")}
            checked={schedule.repeat}
            onChange={(e) => set({ repeat: e.target.checked })}
          />
          {schedule.repeat ? (
            <>
              <TextField
                label={t("schedule.repeatEvery")}
                name={name("repeat_every")}
                error={error}
                type="number"
                min={1}
                step={1}
                value={schedule.repeatEvery}
                onChange={(e) => set({ repeatEvery: e.target.value })}
              />
              <SelectField
                label={t("schedule.repeatPeriod")}
                name={name("repeat_period")}
                error={error}
                value={schedule.repeatPeriod}
                onChange={(e) => set({ repeatPeriod: e.target.value as Period })}
                options={periodOptions(allowedRepeats)}
              />
            </>
          ) : null}
          <CheckboxField
            label={t("schedule.limit")}
            name={name("limit")}
            checked={schedule.limit}
            onChange={(e) => set({ limit: e.target.checked })}
          />
          {schedule.limit ? (
            <TextField
              label={t("schedule.limitRepetitions")}
              name={name("limit_repetitions")}
              error={error}
              type="number"
              min={1}
              max={1000}
              step={1}
              value={schedule.limitRepetitions}
              onChange={(e) => set({ limitRepetitions: e.target.value })}
            />
          ) : null}
        </div>
      ) : null}
    </fieldset>
  );
}
