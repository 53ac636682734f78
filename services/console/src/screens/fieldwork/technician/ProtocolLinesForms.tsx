import { useState } from "react";
import { useTranslation } from "react-i18next";

import { TextField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { NS } from "./messages";
import type { Section } from "./ProtocolEditor";
import {
  emptyItem,
  emptyWork,
  itemRows,
  itemsBody,
  workRows,
  worksBody,
  type ItemRow,
  type WorkRow,
} from "./protocolLines";
import { replaceItems, replaceWorks, type ProtocolView, type Versioned } from "./technicianApi";

interface LinesProps {
  proto: Versioned<ProtocolView>;
  readOnly: boolean;
  onSaved: (next: Versioned<ProtocolView>) => void;
  onDirty: (section: Section, dirty: boolean) => void;
}

/** Rows edited locally and saved as the whole list (the API replaces the list). */
function useRows<R>(initial: () => R[], section: Section, onDirty: LinesProps["onDirty"]) {
  const [rows, setRowsState] = useState<R[]>(initial);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState("");
  const [dirty, setDirtyState] = useState(false);
  const setRows = (next: R[], isDirty = true) => {
    setRowsState(next);
    setDirtyState(isDirty);
    onDirty(section, isDirty);
    if (isDirty) setNote("");
  };
  return { rows, setRows, error, setError, busy, setBusy, note, setNote, dirty };
}

export function ItemsForm({ proto, readOnly, onSaved, onDirty }: LinesProps) {
  const { t } = useTranslation(NS);
  const state = useRows<ItemRow>(() => itemRows(proto.value.items), "items", onDirty);
  const { rows, setRows } = state;
  const update = (index: number, change: Partial<ItemRow>) =>
    setRows(rows.map((row, i) => (i === index ? { ...row, ...change } : row)));

  async function save() {
    state.setBusy(true);
    state.setError(undefined);
    try {
      const next = await replaceItems(proto.value.id, proto.etag, itemsBody(rows));
      onSaved(next);
      setRows(itemRows(next.value.items), false);
      state.setNote(t("common:state.saved"));
    } catch (failure) {
      state.setError(failure);
    } finally {
      state.setBusy(false);
    }
  }

  const claimed = rows.flatMap((_, i) => [`items.${i}.description`, `items.${i}.quantity`, `items.${i}.unit`, `items.${i}.product_id`]);
  return (
    <form
      className="tech-subsection"
      aria-labelledby="tech-items-title"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h3 id="tech-items-title">{t("items.title")}</h3>
      <ProblemAlert error={state.error} claimedFields={claimed} />
      {rows.length === 0 ? <p className="muted">{t("items.empty")}</p> : null}
      <ol className="tech-lines">
        {rows.map((row, index) => (
          <li key={row.key} className="tech-line">
            <fieldset>
              <legend>{t("items.line", { n: index + 1 })}</legend>
              <TextField
                label={t("items.description")}
                name={`items.${index}.description`}
                error={state.error}
                value={row.description}
                readOnly={readOnly}
                onChange={(e) => update(index, { description: e.target.value })}
              />
              <div className="tech-line-pair">
                <TextField
                  label={t("items.quantity")}
                  name={`items.${index}.quantity`}
                  error={state.error}
                  value={row.quantity}
                  inputMode="decimal"
                  readOnly={readOnly}
                  onChange={(e) => update(index, { quantity: e.target.value })}
                />
                <TextField
                  label={t("items.unit")}
                  name={`items.${index}.unit`}
                  error={state.error}
                  value={row.unit}
                  readOnly={readOnly}
                  maxLength={20}
                  onChange={(e) => update(index, { unit: e.target.value })}
                />
              </div>
              {readOnly ? null : (
                <button
                  type="button"
                  className="danger"
                  onClick={() => setRows(rows.filter((_, i) => i !== index))}
                >
                  {t("items.remove", { n: index + 1 })}
                </button>
              )}
            </fieldset>
          </li>
        ))}
      </ol>
      {readOnly ? null : (
        <div className="tech-row-actions">
          <button type="button" className="tech-big" onClick={() => setRows([...rows, emptyItem()])}>
            {t("items.add")}
          </button>
          <button type="submit" className="primary tech-big" disabled={state.busy || !state.dirty}>
            {t("items.save")}
          </button>
          <span aria-live="polite" className="muted">
            {state.note}
          </span>
        </div>
      )}
    </form>
  );
}

export function WorksForm({ proto, readOnly, onSaved, onDirty, defaultWorkDate }: LinesProps & { defaultWorkDate: string }) {
  const { t } = useTranslation(NS);
  const state = useRows<WorkRow>(() => workRows(proto.value.works), "works", onDirty);
  const { rows, setRows } = state;
  const update = (index: number, change: Partial<WorkRow>) =>
    setRows(rows.map((row, i) => (i === index ? { ...row, ...change } : row)));

  async function save() {
    state.setBusy(true);
    state.setError(undefined);
    try {
      const next = await replaceWorks(proto.value.id, proto.etag, worksBody(rows));
      onSaved(next);
      setRows(workRows(next.value.works), false);
      state.setNote(t("common:state.saved"));
    } catch (failure) {
      state.setError(failure);
    } finally {
      state.setBusy(false);
    }
  }

  const claimed = rows.flatMap((_, i) => [`works.${i}.description`, `works.${i}.minutes`, `works.${i}.work_date`, `works.${i}.technician_id`]);
  return (
    <form
      className="tech-subsection"
      aria-labelledby="tech-works-title"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h3 id="tech-works-title">{t("works.title")}</h3>
      <ProblemAlert error={state.error} claimedFields={claimed} />
      {rows.length === 0 ? <p className="muted">{t("works.empty")}</p> : null}
      <ol className="tech-lines">
        {rows.map((row, index) => (
          <li key={row.key} className="tech-line">
            <fieldset>
              <legend>{t("works.line", { n: index + 1 })}</legend>
              <TextField
                label={t("works.description")}
                name={`works.${index}.description`}
                error={state.error}
                value={row.description}
                readOnly={readOnly}
                onChange={(e) => update(index, { description: e.target.value })}
              />
              <div className="tech-line-pair">
                <TextField
                  label={t("works.minutes")}
                  name={`works.${index}.minutes`}
                  error={state.error}
                  value={row.minutes}
                  inputMode="numeric"
                  readOnly={readOnly}
                  onChange={(e) => update(index, { minutes: e.target.value })}
                />
                <TextField
                  label={t("works.date")}
                  name={`works.${index}.work_date`}
                  error={state.error}
                  type="date"
                  value={row.work_date}
                  readOnly={readOnly}
                  onChange={(e) => update(index, { work_date: e.target.value })}
                />
              </div>
              {readOnly ? null : (
                <button
                  type="button"
                  className="danger"
                  onClick={() => setRows(rows.filter((_, i) => i !== index))}
                >
                  {t("works.remove", { n: index + 1 })}
                </button>
              )}
            </fieldset>
          </li>
        ))}
      </ol>
      {readOnly ? null : (
        <div className="tech-row-actions">
          <button type="button" className="tech-big" onClick={() => setRows([...rows, emptyWork(defaultWorkDate)])}>
            {t("works.add")}
          </button>
          <button type="submit" className="primary tech-big" disabled={state.busy || !state.dirty}>
            {t("works.save")}
          </button>
          <span aria-live="polite" className="muted">
            {state.note}
          </span>
        </div>
      )}
    </form>
  );
}
