import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { Dialog } from "../../../components/Dialog";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { BookingForm } from "../shared/BookingForm";
import { shortTime } from "../shared/format";
import { NS } from "../shared/messages";
import { changeBooking, removeBooking } from "../shared/orderApi";
import type { PlannedBooking, Technician } from "../shared/types";

/** A booking on the planning opened: what it is; planners move it (form) or remove it. */
export function BookingDialog({
  booking,
  technicianId,
  technicians,
  canPlan,
  onClose,
  onChanged,
}: {
  booking: PlannedBooking;
  technicianId: string;
  technicians: readonly Technician[];
  canPlan: boolean;
  onClose: () => void;
  onChanged: (message: string) => void;
}) {
  const { t } = useTranslation(NS);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const order = booking.order;
  return (
    <Dialog title={t("planning.bookingTitle", { number: order?.number ?? t("planning.hiddenOrder") })} onClose={onClose}>
      <p>
        {booking.local_date} {shortTime(booking.local_start)}–{shortTime(booking.local_end)}
        {order?.customer ? ` · ${order.customer.name}` : ""}
      </p>
      {booking.override_reason ? <p className="muted">{t("planning.overridden", { reason: booking.override_reason })}</p> : null}
      {order ? <Link to={`/fieldwork/orders/${order.id}`}>{t("planning.openOrder")}</Link> : <p className="muted">{t("planning.hiddenText")}</p>}
      {canPlan && order ? (
        <>
          <h3>{t("planning.moveBooking")}</h3>
          <BookingForm
            technicians={technicians}
            initial={{ technician_id: technicianId, date: booking.local_date, start: shortTime(booking.local_start), end: shortTime(booking.local_end) }}
            submitLabel={t("common:action.save")}
            onSubmit={async (values) => {
              await changeBooking(order.id, booking.booking_id, {
                technician_id: values.technician_id,
                date: values.date,
                start: values.start,
                end: values.end,
                override: values.override,
              });
              onChanged(t("booking.changed"));
            }}
          />
          <ProblemAlert error={error} />
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => {
              setBusy(true);
              removeBooking(order.id, booking.booking_id)
                .then(() => onChanged(t("booking.removed")))
                .catch((failure: unknown) => setError(failure))
                .finally(() => setBusy(false));
            }}
          >
            {t("planning.removeBooking")}
          </button>
        </>
      ) : null}
    </Dialog>
  );
}
