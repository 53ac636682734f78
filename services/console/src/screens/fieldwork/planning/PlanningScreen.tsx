import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import { useSession } from "../../../auth/session";
import { Dialog } from "../../../components/Dialog";
import { SelectField, TextField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useLoad } from "../../../hooks/useLoad";
import { BookingForm } from "../shared/BookingForm";
import { addDays, formatDay, mondayOf, todayIso } from "../shared/format";
import { useDeskLookups } from "../shared/lookups";
import { NS } from "../shared/messages";
import { bookOrder, changeBooking } from "../shared/orderApi";
import type { OrderCard, PlannedBooking, TechnicianPlan } from "../shared/types";
import "../shared/fieldwork.css";
import { BookingDialog } from "./BookingDialog";
import { DayGrid } from "./DayGrid";
import type { Dragged, Proposal } from "./dragging";
import { DEFAULT_VISIT_MINUTES, gridRange, lengthOf } from "./timeGrid";
import { UnbookedList } from "./UnbookedList";
import { WeekGrid } from "./WeekGrid";

type View = "day" | "week";

interface Plan {
  view: View;
  days: string[];
  technicians: TechnicianPlan[];
  unbooked: { count: number; items: OrderCard[]; next_cursor?: string | null };
}

/** Planning per technician per day or week (`GET /api/planning/day|week`): bookings on a
 * time grid with the free gaps, and the unbooked orders to drag onto a technician's time
 * (`POST .../bookings`) or book with the form; a refusal names its conflicts and offers
 * the override with a reason. Bookings are moved (drag or form) and removed. */
export default function PlanningScreen() {
  const { t, i18n } = useTranslation(NS);
  const { hasRole } = useSession();
  const canPlan = hasRole("admin", "operator");
  const lookups = useDeskLookups();
  const [view, setView] = useState<View>("day");
  const [date, setDate] = useState(todayIso());
  const [orgUnit, setOrgUnit] = useState("");
  const [technician, setTechnician] = useState("");
  const weekStart = mondayOf(date);

  const plan = useLoad(async (): Promise<Plan> => {
    const filters = {
      org_unit_id: orgUnit ? [orgUnit] : undefined,
      technician_id: technician ? [technician] : undefined,
    };
    if (view === "day") {
      const { data } = await api.GET("/api/planning/day", { params: { query: { date, ...filters } } });
      return { view, days: data ? [data.date] : [date], technicians: data?.technicians ?? [], unbooked: data?.unbooked ?? { count: 0, items: [] } };
    }
    const { data } = await api.GET("/api/planning/week", { params: { query: { week_start: weekStart, ...filters } } });
    return { view, days: data?.days ?? [], technicians: data?.technicians ?? [], unbooked: data?.unbooked ?? { count: 0, items: [] } };
  }, [view, view === "day" ? date : weekStart, orgUnit, technician]);

  // The unbooked list pages on (unbooked_cursor) without reloading the grid; the pages
  // belong to the answer they continue (a reload starts from its first page again).
  const [more, setMore] = useState<{ base: Plan; unbooked: Plan["unbooked"] } | null>(null);
  const unbooked: Plan["unbooked"] =
    more && more.base === plan.data ? more.unbooked : plan.data?.unbooked ?? { count: 0, items: [] };
  const [moreError, setMoreError] = useState<unknown>();
  const [loadingMore, setLoadingMore] = useState(false);
  const loadMore = async () => {
    if (!unbooked.next_cursor) return;
    setLoadingMore(true);
    setMoreError(undefined);
    try {
      const query = {
        org_unit_id: orgUnit ? [orgUnit] : undefined,
        technician_id: technician ? [technician] : undefined,
        unbooked_cursor: unbooked.next_cursor,
      };
      const { data } = await api.GET("/api/planning/day", { params: { query: { date, ...query } } });
      const base = plan.data;
      if (data && base) {
        setMore({
          base,
          unbooked: { count: data.unbooked.count, items: [...unbooked.items, ...data.unbooked.items], next_cursor: data.unbooked.next_cursor },
        });
      }
    } catch (error) {
      setMoreError(error);
    } finally {
      setLoadingMore(false);
    }
  };

  const dragged = useRef<Dragged | null>(null);
  const [proposal, setProposal] = useState<Proposal | null>(null);
  const [opened, setOpened] = useState<{ booking: PlannedBooking; technicianId: string } | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const [busy, setBusy] = useState(false);

  const dragDuration = () => {
    const what = dragged.current;
    if (!what) return null;
    return what.kind === "booking" ? lengthOf(what.booking.local_start, what.booking.local_end) : DEFAULT_VISIT_MINUTES;
  };

  /** A proposal sent as it is; refused, it opens in the form with the reason. */
  const send = async (p: Proposal) => {
    setBusy(true);
    try {
      if (p.bookingId) {
        await changeBooking(p.orderId, p.bookingId, { technician_id: p.technician_id, date: p.date, start: p.start, end: p.end });
      } else {
        await bookOrder(p.orderId, { technician_id: p.technician_id, date: p.date, start: p.start, end: p.end });
      }
      setAnnouncement(t("planning.booked", { number: p.number, date: p.date, from: p.start, to: p.end }));
      plan.reload();
    } catch (error) {
      setAnnouncement(t("planning.refused", { number: p.number }));
      setProposal({ ...p, error });
    } finally {
      setBusy(false);
    }
  };

  const dropAt = (technicianId: string, day: string, slot: { start: string; end: string }) => {
    const what = dragged.current;
    dragged.current = null;
    if (!what) return;
    if (what.kind === "order") {
      void send({ orderId: what.card.id, number: what.card.number, technician_id: technicianId, date: day, ...slot });
    } else if (what.booking.order) {
      void send({
        orderId: what.booking.order.id,
        number: what.booking.order.number,
        bookingId: what.booking.booking_id,
        technician_id: technicianId,
        date: day,
        ...slot,
      });
    }
  };

  const dropOnDay = (technicianId: string, day: string, firstFree: string | null) => {
    const duration = dragDuration() ?? DEFAULT_VISIT_MINUTES;
    const what = dragged.current;
    const start = what?.kind === "booking" ? what.booking.local_start.slice(0, 5) : firstFree?.slice(0, 5) ?? "09:00";
    const [h, m] = start.split(":").map(Number);
    const endMinutes = Math.min((h ?? 9) * 60 + (m ?? 0) + duration, 23 * 60 + 59);
    const end = `${String(Math.floor(endMinutes / 60)).padStart(2, "0")}:${String(endMinutes % 60).padStart(2, "0")}`;
    dropAt(technicianId, day, { start, end });
  };

  const data = plan.data;
  const technicians = lookups.data?.technicians ?? [];
  const range = gridRange((data?.technicians ?? []).flatMap((p) => p.days));
  const step = view === "day" ? 1 : 7;

  return (
    <section className="fw-planning">
      <h1>{t("planning.title")}</h1>
      <div className="panel filters">
        <div className="tabs" role="tablist" aria-label={t("planning.view")}>
          {(["day", "week"] as const).map((v) => (
            <button key={v} type="button" role="tab" aria-selected={view === v} onClick={() => setView(v)}>
              {t(`planning.${v}`)}
            </button>
          ))}
        </div>
        <button type="button" onClick={() => setDate(addDays(date, -step))} aria-label={view === "day" ? t("planning.previousDay") : t("planning.previousWeek")}>
          ←
        </button>
        <TextField label={view === "day" ? t("planning.date") : t("planning.weekOf")} name={view === "day" ? "date" : "week_start"} type="date" error={plan.error} value={date} onChange={(e) => e.target.value && setDate(e.target.value)} />
        <button type="button" onClick={() => setDate(addDays(date, step))} aria-label={view === "day" ? t("planning.nextDay") : t("planning.nextWeek")}>
          →
        </button>
        <button type="button" onClick={() => setDate(todayIso())}>
          {t("planning.today")}
        </button>
        <SelectField
          label={t("filter.orgUnit")}
          name="org_unit_id"
          error={plan.error}
          value={orgUnit}
          onChange={(e) => setOrgUnit(e.target.value)}
          options={[{ value: "", label: t("filter.any") }, ...(lookups.data?.orgUnits ?? []).map((o) => ({ value: o.id, label: o.name }))]}
        />
        <SelectField
          label={t("filter.technician")}
          name="technician_id"
          error={plan.error}
          value={technician}
          onChange={(e) => setTechnician(e.target.value)}
          options={[{ value: "", label: t("filter.any") }, ...technicians.map((o) => ({ value: o.id, label: o.name }))]}
        />
      </div>
      <p className={announcement ? "alert alert-info" : "visually-hidden"} role="status" aria-live="polite">
        {announcement}
      </p>
      {plan.error ? <ProblemAlert error={plan.error} claimedFields={["date", "week_start", "org_unit_id", "technician_id"]} onRetry={plan.reload} /> : null}
      <ProblemAlert error={moreError} />
      <div className="fw-planning-layout" aria-busy={plan.loading || busy}>
        <div className="fw-planning-main">
          <h2>{view === "day" ? formatDay(date, i18n.language) : t("planning.weekHeading", { from: formatDay(weekStart, i18n.language, false), to: formatDay(addDays(weekStart, 6), i18n.language, false) })}</h2>
          {plan.loading && !data ? <p className="muted">{t("common:state.loading")}</p> : null}
          {data && data.technicians.length === 0 ? <p className="muted">{t("planning.noTechnicians")}</p> : null}
          {data && data.view === "day" && data.technicians.length > 0 ? (
            <DayGrid
              plans={data.technicians}
              date={data.days[0] ?? date}
              range={range}
              canPlan={canPlan}
              dragDuration={dragDuration}
              onDropAt={dropAt}
              onOpenBooking={(booking, technicianId) => setOpened({ booking, technicianId })}
              onDragBooking={(booking, technicianId) => {
                dragged.current = { kind: "booking", booking, technicianId };
              }}
              onDragEnd={() => undefined}
            />
          ) : null}
          {data && data.view === "week" && data.technicians.length > 0 ? (
            <WeekGrid
              plans={data.technicians}
              days={data.days}
              canPlan={canPlan}
              dragging={() => dragged.current !== null}
              onDropOn={dropOnDay}
              onOpenBooking={(booking, technicianId) => setOpened({ booking, technicianId })}
              onDragBooking={(booking, technicianId) => {
                dragged.current = { kind: "booking", booking, technicianId };
              }}
              onDragEnd={() => undefined}
            />
          ) : null}
        </div>
        <UnbookedList
          items={unbooked.items}
          count={unbooked.count}
          hasMore={typeof unbooked.next_cursor === "string"}
          loadingMore={loadingMore}
          canPlan={canPlan}
          onMore={() => void loadMore()}
          onBook={(card) =>
            setProposal({
              orderId: card.id,
              number: card.number,
              technician_id: card.technician?.id ?? technician,
              date,
              start: "09:00",
              end: "10:00",
            })
          }
          onDragOrder={(card) => {
            dragged.current = { kind: "order", card };
          }}
          onDragEnd={() => undefined}
        />
      </div>
      {proposal ? (
        <Dialog title={t("planning.bookTitle", { number: proposal.number })} onClose={() => setProposal(null)}>
          <BookingForm
            key={`${proposal.orderId}-${String(proposal.error ? 1 : 0)}`}
            technicians={technicians}
            initial={{ technician_id: proposal.technician_id, date: proposal.date, start: proposal.start, end: proposal.end }}
            initialError={proposal.error}
            submitLabel={t("booking.book")}
            onCancel={() => setProposal(null)}
            onSubmit={async (booking) => {
              if (proposal.bookingId) {
                await changeBooking(proposal.orderId, proposal.bookingId, {
                  technician_id: booking.technician_id,
                  date: booking.date,
                  start: booking.start,
                  end: booking.end,
                  override: booking.override,
                });
              } else {
                await bookOrder(proposal.orderId, booking);
              }
              setAnnouncement(t("planning.booked", { number: proposal.number, date: booking.date, from: booking.start, to: booking.end }));
              setProposal(null);
              plan.reload();
            }}
          />
        </Dialog>
      ) : null}
      {opened ? (
        <BookingDialog
          booking={opened.booking}
          technicianId={opened.technicianId}
          technicians={technicians}
          canPlan={canPlan}
          onClose={() => setOpened(null)}
          onChanged={(message) => {
            setAnnouncement(message);
            setOpened(null);
            plan.reload();
          }}
        />
      ) : null}
    </section>
  );
}
