import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useParams } from "react-router-dom";

import { api } from "../../../api/client";
import { useSession } from "../../../auth/session";
import { Dialog } from "../../../components/Dialog";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useLoad } from "../../../hooks/useLoad";
import { PRIORITY_BADGE } from "../board/BoardCard";
import { BookingForm } from "../shared/BookingForm";
import { addDays, durationParts, formatDateTime, shortTime, todayIso } from "../shared/format";
import { loadTechnicians } from "../shared/lookups";
import { NS } from "../shared/messages";
import { actOnOrder, bookOrder, changeBooking, readOrder, removeBooking, type Versioned } from "../shared/orderApi";
import type { BookingOut, OrderAction } from "../shared/types";
import { ConfirmationPanel } from "./ConfirmationPanel";
import { allowedActions, isFinal } from "./orderRules";

function Duration({ seconds }: { seconds: number }) {
  const { t } = useTranslation(NS);
  const { hours, minutes } = durationParts(seconds);
  return <>{t("duration", { hours, minutes })}</>;
}

/** One order: its fields, bookings (add, move, remove), status actions, booking
 * confirmation with the sent log, and its history. */
export function OrderDetail() {
  const { orderId = "" } = useParams();
  const { t, i18n } = useTranslation(NS);
  const location = useLocation();
  const { hasRole } = useSession();
  const canPlan = hasRole("admin", "operator");
  const canAct = hasRole("admin", "operator", "technician");
  const loaded = useLoad(() => readOrder(orderId), [orderId]);
  const technicians = useLoad(() => (canPlan ? loadTechnicians() : Promise.resolve([])), [canPlan]);
  const [current, setCurrent] = useState<Versioned | null>(null);
  const shown = current && current.order.id === orderId ? current : loaded.data;
  const history = useLoad(async () => {
    const { data } = await api.GET("/api/service-orders/{order_id}/history", { params: { path: { order_id: orderId } } });
    return data;
  }, [orderId, shown?.order.version]);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<Set<string>>(new Set());
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<BookingOut | null>(null);
  const [announcement, setAnnouncement] = useState(
    (location.state as { saved?: boolean } | null)?.saved ? t("common:state.saved") : "",
  );

  if (loaded.loading && !shown) return <p className="muted">{t("common:state.loading")}</p>;
  if (!shown) return <ProblemAlert error={loaded.error} onRetry={loaded.reload} />;
  const { order, etag } = shown;
  const final = isFinal(order);

  const run = async (change: () => Promise<Versioned>, message: string) => {
    setBusy(true);
    setError(undefined);
    try {
      setCurrent(await change());
      setAnnouncement(message);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const act = (action: OrderAction) =>
    run(() => actOnOrder(order.id, action, etag, action === "complete" ? [...done] : []), t("order.acted", { action: t(`action.${action}`) }));

  const where = order.location
    ? [order.location.street, [order.location.postal_code, order.location.city].filter(Boolean).join(" "), order.location.country].filter(Boolean).join(", ")
    : "";

  return (
    <section className="fw-order">
      <div className="toolbar fw-title-bar">
        <h1>{t("order.title", { number: order.number })}</h1>
        <span className="badge">{t(`stage.${order.stage}`)}</span>
        {order.status ? <span className="badge">{t(`status.${order.status}`)}</span> : null}
        <span className={PRIORITY_BADGE[order.priority] ?? "badge"}>{t(`priority.${order.priority}`)}</span>
        {canPlan && !final ? (
          <Link className="button" to={`/fieldwork/orders/${order.id}/edit`}>
            {t("common:action.edit")}
          </Link>
        ) : null}
        <Link to="/fieldwork/board">{t("order.backToBoard")}</Link>
      </div>
      <p role="status" aria-live="polite" className={announcement ? "alert alert-ok" : "visually-hidden"}>
        {announcement}
      </p>
      <ProblemAlert error={error} />
      <div className="fw-order-grid">
        <section className="panel" aria-labelledby="fw-facts">
          <h2 id="fw-facts">{t("order.details")}</h2>
          <dl className="fw-facts">
            <dt>{t("order.customer")}</dt>
            <dd>{order.customer_name ?? t("order.noCustomer")}</dd>
            <dt>{t("order.contact")}</dt>
            <dd>{order.contact ? [order.contact.name, order.contact.email, order.contact.mobile].filter(Boolean).join(" · ") : "—"}</dd>
            <dt>{t("order.location")}</dt>
            <dd>{where || "—"}</dd>
            <dt>{t("order.kind")}</dt>
            <dd>{order.kind_name ?? "—"}</dd>
            <dt>{t("order.technician")}</dt>
            <dd>{order.technicians.length > 0 ? order.technicians.map((x) => x.name).join(", ") : order.technician_name ?? t("order.unassigned")}</dd>
            <dt>{t("order.case")}</dt>
            <dd>{order.case_number}</dd>
            <dt>{t("order.customerOrderNumber")}</dt>
            <dd>{order.customer_order_number ?? "—"}</dd>
            <dt>{t("order.facility")}</dt>
            <dd>{order.facility_name ?? "—"}</dd>
            <dt>{t("order.created")}</dt>
            <dd>{formatDateTime(order.created_at, i18n.language)}{order.created_by ? ` (${order.created_by})` : ""}</dd>
            <dt>{t("order.description")}</dt>
            <dd className="fw-pre">{order.description || "—"}</dd>
            <dt>{t("order.timeSpent")}</dt>
            <dd>
              {t("order.travel")} <Duration seconds={order.time_spent.travel_seconds} />, {t("order.onSite")}{" "}
              <Duration seconds={order.time_spent.on_site_seconds} />, {t("order.working")} <Duration seconds={order.time_spent.working_seconds} />,{" "}
              {t("order.onBreak")} <Duration seconds={order.time_spent.break_seconds} />
            </dd>
          </dl>
        </section>
        {canAct && !final ? (
          <section className="panel" aria-labelledby="fw-actions">
            <h2 id="fw-actions">{t("order.actions")}</h2>
            {order.campaign_cases.length > 0 && allowedActions(order).includes("complete") ? (
              <fieldset className="fw-fieldset">
                <legend>{t("order.campaignCases")}</legend>
                {order.campaign_cases.map((c) => (
                  <label key={c.case_id} className="fw-radio">
                    <input
                      type="checkbox"
                      checked={done.has(c.case_id)}
                      onChange={(e) =>
                        setDone((all) => {
                          const next = new Set(all);
                          if (e.target.checked) next.add(c.case_id);
                          else next.delete(c.case_id);
                          return next;
                        })
                      }
                    />
                    {c.campaign_code} {c.case_number ?? ""} — {c.campaign_name}
                  </label>
                ))}
              </fieldset>
            ) : null}
            <div className="toolbar">
              {allowedActions(order).map((action) => (
                <button
                  key={action}
                  type="button"
                  className={action === "cancel" ? "danger" : action === "complete" ? "primary" : undefined}
                  disabled={busy}
                  onClick={() => (action === "cancel" ? setConfirmCancel(true) : void act(action))}
                >
                  {t(`action.${action}`)}
                </button>
              ))}
            </div>
          </section>
        ) : null}
      </div>

      <section className="panel" aria-labelledby="fw-bookings">
        <h2 id="fw-bookings">{t("order.bookings")}</h2>
        {order.bookings.length === 0 ? <p className="muted">{t("order.noBookings")}</p> : null}
        {order.bookings.length > 0 ? (
          <div className="table-wrap">
            <table className="data-table">
              <caption>{t("order.bookingsCaption", { number: order.number })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("booking.date")}</th>
                  <th scope="col">{t("booking.time")}</th>
                  <th scope="col">{t("booking.technician")}</th>
                  <th scope="col">{t("booking.state")}</th>
                  <th scope="col">{t("booking.override")}</th>
                  {canPlan && !final ? <th scope="col">{t("booking.actions")}</th> : null}
                </tr>
              </thead>
              <tbody>
                {order.bookings.map((b) => (
                  <tr key={b.id}>
                    <td>{b.local_date}</td>
                    <td>
                      {shortTime(b.local_start)}–{shortTime(b.local_end)}
                    </td>
                    <td>{b.technician_name ?? b.technician_id}</td>
                    <td>{t(`bookingState.${b.state}`, { defaultValue: b.state })}</td>
                    <td>{b.override_reason ? `${b.overrides.join(", ")}: ${b.override_reason}` : "—"}</td>
                    {canPlan && !final ? (
                      <td>
                        {b.state === "standing" ? (
                          <div className="toolbar">
                            <button type="button" onClick={() => setEditing(b)} aria-label={t("booking.changeLabel", { date: b.local_date, time: shortTime(b.local_start) })}>
                              {t("booking.change")}
                            </button>
                            <button
                              type="button"
                              className="danger"
                              disabled={busy}
                              aria-label={t("booking.removeLabel", { date: b.local_date, time: shortTime(b.local_start) })}
                              onClick={() => void run(() => removeBooking(order.id, b.id, etag), t("booking.removed"))}
                            >
                              {t("booking.remove")}
                            </button>
                          </div>
                        ) : null}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {canPlan && !final && !adding ? (
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            {t("booking.add")}
          </button>
        ) : null}
        {adding ? (
          <BookingForm
            technicians={technicians.data ?? []}
            initial={{ technician_id: order.technician_id ?? "", date: addDays(todayIso(), 1), start: "09:00", end: "10:00" }}
            submitLabel={t("booking.book")}
            onCancel={() => setAdding(false)}
            onSubmit={async (booking) => {
              setCurrent(await bookOrder(order.id, booking, etag));
              setAdding(false);
              setAnnouncement(t("booking.booked"));
            }}
          />
        ) : null}
      </section>

      <ConfirmationPanel orderId={order.id} canSend={canPlan} booked={order.bookings.some((b) => b.state === "standing")} version={order.version} />

      <section className="panel" aria-labelledby="fw-history">
        <h2 id="fw-history">{t("history.title")}</h2>
        <ProblemAlert error={history.error} onRetry={history.reload} />
        {history.data ? (
          <ol className="fw-history">
            {history.data.items.map((entry) => (
              <li key={entry.id}>
                <time dateTime={entry.at}>{formatDateTime(entry.at, i18n.language)}</time>{" "}
                <strong>{t(`historyKind.${entry.kind}`, { defaultValue: entry.kind })}</strong>
                {entry.from || entry.to ? (
                  <span>
                    {" "}
                    {entry.from ?? "—"} → {entry.to ?? "—"}
                  </span>
                ) : null}
                {typeof entry.detail.action === "string" ? <span className="muted"> ({String(entry.detail.action)})</span> : null}
                {entry.by ? <span className="muted"> · {entry.by}</span> : null}
              </li>
            ))}
          </ol>
        ) : null}
        {history.data?.truncated ? <p className="muted">{t("history.truncated")}</p> : null}
      </section>

      {editing ? (
        <Dialog title={t("booking.changeTitle", { number: order.number })} onClose={() => setEditing(null)}>
          <BookingForm
            technicians={technicians.data ?? []}
            initial={{ technician_id: editing.technician_id, date: editing.local_date, start: shortTime(editing.local_start), end: shortTime(editing.local_end) }}
            submitLabel={t("common:action.save")}
            onCancel={() => setEditing(null)}
            onSubmit={async (booking) => {
              setCurrent(
                await changeBooking(
                  order.id,
                  editing.id,
                  { technician_id: booking.technician_id, date: booking.date, start: booking.start, end: booking.end, override: booking.override },
                  etag,
                ),
              );
              setEditing(null);
              setAnnouncement(t("booking.changed"));
            }}
          />
        </Dialog>
      ) : null}
      {confirmCancel ? (
        <Dialog
          title={t("board.cancelTitle", { number: order.number })}
          onClose={() => setConfirmCancel(false)}
          footer={
            <>
              <button type="button" onClick={() => setConfirmCancel(false)}>
                {t("board.keep")}
              </button>
              <button
                type="button"
                className="danger"
                onClick={() => {
                  setConfirmCancel(false);
                  void act("cancel");
                }}
              >
                {t("board.cancelConfirm")}
              </button>
            </>
          }
        >
          <p>{t("board.cancelText")}</p>
        </Dialog>
      ) : null}
    </section>
  );
}
