import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { SelectField, TextAreaField, TextField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { bookingConflicts, type BookingConflict } from "./conflicts";
import { formatDateTime } from "./format";
import { NS } from "./messages";
import type { BookingIn, Technician } from "./types";

export interface BookingValues {
  technician_id: string;
  date: string;
  start: string;
  end: string;
}

/** The conflicts of a refused booking, each named, as the planner reads them. */
export function ConflictList({ conflicts }: { conflicts: readonly BookingConflict[] }) {
  const { t, i18n } = useTranslation(NS);
  return (
    <ul className="fw-conflicts">
      {conflicts.map((c, index) =>
        c.kind === "overlap" ? (
          <li key={index}>
            {t("conflict.overlap", {
              number: c.orderNumber,
              from: formatDateTime(c.startsAt, i18n.language),
              to: formatDateTime(c.endsAt, i18n.language),
            })}
          </li>
        ) : (
          <li key={index}>
            {c.hours.length > 0
              ? t("conflict.workingHours", { hours: c.hours.join(", ") })
              : t("conflict.dayOff")}
          </li>
        ),
      )}
    </ul>
  );
}

/** Technician, date and from–to of a visit; a refusal by the booking rules lists its
 * conflicts and offers to book anyway with a reason (the API records it). */
export function BookingForm({
  initial,
  technicians,
  submitLabel,
  fieldPrefix = "",
  onSubmit,
  onCancel,
  initialError,
}: {
  initial: BookingValues;
  technicians: readonly Technician[];
  submitLabel: string;
  /** How the API names the fields in its errors ("booking." for a board move). */
  fieldPrefix?: string;
  onSubmit: (booking: BookingIn) => Promise<void>;
  onCancel?: () => void;
  /** A refusal of the same booking made another way (a drop on the planning). */
  initialError?: unknown;
}) {
  const { t } = useTranslation(NS);
  const [values, setValues] = useState<BookingValues>(initial);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(initialError);
  const [busy, setBusy] = useState(false);
  const conflicts = bookingConflicts(error);
  const set = (name: keyof BookingValues) => (value: string) => setValues((v) => ({ ...v, [name]: value }));

  const send = async (override: boolean) => {
    setBusy(true);
    try {
      await onSubmit({
        technician_id: values.technician_id || null,
        date: values.date,
        start: values.start,
        end: values.end,
        override: override ? { reason } : null,
      });
      setError(undefined);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void send(false);
  };
  const name = (field: string) => `${fieldPrefix}${field}`;
  const claimed = ["technician_id", "date", "start", "end", "override.reason"].map(name);

  return (
    <form className="fw-booking-form" onSubmit={submit} aria-label={submitLabel}>
      <div className="form-grid">
        <SelectField
          label={t("booking.technician")}
          name={name("technician_id")}
          error={error}
          value={values.technician_id}
          onChange={(e) => set("technician_id")(e.target.value)}
          options={[{ value: "", label: t("booking.orderTechnician") }, ...technicians.map((x) => ({ value: x.id, label: x.name }))]}
        />
        <TextField label={t("booking.date")} name={name("date")} error={error} type="date" required value={values.date} onChange={(e) => set("date")(e.target.value)} />
        <TextField label={t("booking.from")} name={name("start")} error={error} type="time" required value={values.start} onChange={(e) => set("start")(e.target.value)} />
        <TextField label={t("booking.to")} name={name("end")} error={error} type="time" required value={values.end} onChange={(e) => set("end")(e.target.value)} />
      </div>
      {conflicts.length > 0 ? (
        <div role="alert" className="alert alert-error fw-conflict">
          <strong>{t("conflict.title")}</strong>
          <ConflictList conflicts={conflicts} />
          <TextAreaField
            label={t("conflict.reason")}
            name={name("override.reason")}
            error={error}
            value={reason}
            maxLength={500}
            onChange={(e) => setReason(e.target.value)}
          />
          <button type="button" className="danger" disabled={busy || reason.trim() === ""} onClick={() => void send(true)}>
            {t("conflict.override")}
          </button>
        </div>
      ) : (
        <ProblemAlert error={error} claimedFields={claimed} />
      )}
      <div className="toolbar">
        <button type="submit" className="primary" disabled={busy}>
          {submitLabel}
        </button>
        {onCancel ? (
          <button type="button" onClick={onCancel}>
            {t("common:action.cancel")}
          </button>
        ) : null}
      </div>
    </form>
  );
}
