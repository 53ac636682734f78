import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { TextField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { FormProblem } from "../shared/FormProblem";
import { useLoad } from "../../../hooks/useLoad";
import { NS } from "../messages";
import { formatDateTime, hourMinute } from "../rules";
import { CheckboxGroup } from "../shared/CheckboxGroup";
import { claimedBy } from "../shared/fieldErrors";

type Window = components["schemas"]["SendingWindowOut"];
type Weekday = components["schemas"]["Weekday"];
export const WEEKDAYS: readonly Weekday[] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/** When the org unit's callouts go out automatically: weekdays and a time of day, in the
 * org unit's time zone. */
export function SendingWindowForm({ orgUnitCode }: { orgUnitCode: string }) {
  const { t } = useTranslation(NS);
  // Kept here: the editor starts afresh from each saved window.
  const [saved, setSaved] = useState("");
  const loaded = useLoad(
    async () => (await api.GET("/api/callouts/sending-windows/{org_unit_code}", { params: { path: { org_unit_code: orgUnitCode } } })).data as Window,
    [orgUnitCode],
  );
  if (loaded.error) return <ProblemAlert error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p className="muted">{t("common:state.loading")}</p>;
  return <WindowEditor key={`${loaded.data.updated_at ?? ""}${String(loaded.data.configured)}`} window={loaded.data} onChanged={loaded.set} saved={saved} setSaved={setSaved} />;
}

function WindowEditor({
  window,
  onChanged,
  saved,
  setSaved,
}: {
  window: Window;
  onChanged: (w: Window) => void;
  saved: string;
  setSaved: (message: string) => void;
}) {
  const { t, i18n } = useTranslation(NS);
  const [weekdays, setWeekdays] = useState<string[]>([...window.weekdays]);
  const [start, setStart] = useState(hourMinute(window.start));
  const [end, setEnd] = useState(hourMinute(window.end));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const path = { params: { path: { org_unit_code: window.org_unit_code } } };

  const run = async (call: () => Promise<Window | undefined>, message: string) => {
    setBusy(true);
    setError(undefined);
    setSaved("");
    try {
      const next = await call();
      setSaved(message);
      if (next) onChanged(next);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => (await api.PUT("/api/callouts/sending-windows/{org_unit_code}", { ...path, body: { weekdays: weekdays as Weekday[], start, end } })).data, t("common:state.saved"));
  };

  return (
    <section className="panel" aria-labelledby="admin-sending-window">
      <h3 id="admin-sending-window">{t("window.title")}</h3>
      <p className="muted">
        {window.configured ? t("window.configured", { zone: window.time_zone }) : t("window.default", { zone: window.time_zone })}
        {window.next_opening ? ` ${t("window.next", { when: formatDateTime(window.next_opening, i18n.language) })}` : ""}
      </p>
      <form onSubmit={submit} noValidate aria-labelledby="admin-sending-window">
        <FormProblem error={error} claimedFields={claimedBy(error, ["weekdays", "start", "end"])} />
        <CheckboxGroup legend={t("window.weekdays")} name="weekdays" options={WEEKDAYS.map((d) => ({ value: d, label: t(`weekday.${d}`) }))} value={weekdays} onChange={setWeekdays} error={error} />
        <div className="form-grid">
          <TextField label={t("window.start")} name="start" type="time" value={start} onChange={(e) => setStart(e.target.value)} error={error} />
          <TextField label={t("window.end")} name="end" type="time" value={end} onChange={(e) => setEnd(e.target.value)} error={error} />
        </div>
        <div className="admin-form-actions">
          <button type="submit" className="primary" disabled={busy}>
            {t("window.save")}
          </button>
          {window.configured ? (
            <button
              type="button"
              disabled={busy}
              onClick={() =>
                void run(async () => (await api.DELETE("/api/callouts/sending-windows/{org_unit_code}", path)).data, t("window.resetDone"))
              }
            >
              {t("window.reset")}
            </button>
          ) : null}
          <span role="status" aria-live="polite">
            {saved}
          </span>
        </div>
      </form>
    </section>
  );
}
