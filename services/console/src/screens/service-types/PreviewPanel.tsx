// The live preview: for a startup date the user picks, the dates each step will produce.
import { useTranslation } from "react-i18next";

import { TextField } from "../../components/Field";
import { ProblemAlert } from "../../components/ProblemAlert";

import { formatDate } from "./format";
import { NS } from "./messages";
import { forForm } from "./problems";
import type { PreviewState } from "./usePreview";

export function PreviewPanel({
  preview,
  startupDate,
  onStartupDate,
  stepCount,
  saved,
}: {
  preview: PreviewState;
  startupDate: string;
  onStartupDate: (date: string) => void;
  stepCount: number;
  /** The saved version's dates (a reader), not the draft's. */
  saved: boolean;
}) {
  const { t, i18n } = useTranslation(NS);
  const { data, pending } = preview;
  const error = forForm(preview.error, "service_type.");
  const date = (iso: string) => formatDate(iso, i18n.language);
  const count = data ? data.steps.reduce((sum, step) => sum + step.dates.length, 0) : 0;
  return (
    <aside className="st-preview panel" aria-labelledby="st-preview-heading">
      <h2 id="st-preview-heading">{t("preview.heading")}</h2>
      {saved ? <p className="muted">{t("preview.saved")}</p> : null}
      <TextField
        label={t("preview.startup")}
        name="startup_date"
        type="date"
        error={error}
        value={startupDate}
        onChange={(e) => onStartupDate(e.target.value)}
      />
      <p role="status" aria-live="polite" className="muted">
        {pending
          ? t("preview.updating")
          : data
            ? t("preview.updated", { count, startup: date(data.startup_date), until: date(data.until) })
            : ""}
      </p>
      {error ? (
        <div className="st-preview-errors">
          <p>{t("preview.invalid")}</p>
          <ProblemAlert error={error} claimedFields={["startup_date"]} />
        </div>
      ) : null}
      {stepCount === 0 ? <p className="muted">{t("preview.noSteps")}</p> : null}
      {data ? (
        <div className="st-preview-steps" aria-busy={pending}>
          {data.truncated ? <p className="alert alert-info">{t("preview.truncated", { count: data.occurrences.length })}</p> : null}
          {data.steps.map((step) => (
            <section key={step.step_id} className="st-preview-step">
              <h3>{t("step.heading", { number: step.position + 1, description: step.description })}</h3>
              {step.dates.length === 0 ? (
                <p className="muted">{t("preview.noDates")}</p>
              ) : (
                <ol className="st-dates" aria-label={t("preview.dates", { number: step.position + 1 })}>
                  {step.dates.map((day, i) => (
                    <li key={`${day}-${i}`}>
                      <time dateTime={day}>{date(day)}</time>
                    </li>
                  ))}
                </ol>
              )}
            </section>
          ))}
        </div>
      ) : null}
    </aside>
  );
}
