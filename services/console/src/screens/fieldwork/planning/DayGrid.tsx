import { useTranslation } from "react-i18next";

import { shortTime } from "../shared/format";
import { NS } from "../shared/messages";
import type { PlannedBooking, TechnicianPlan } from "../shared/types";
import { hourTicks, lanesOf, lengthOf, percentAt, percentWidth, slotAt, type Range } from "./timeGrid";

/** One day per technician as a row of time: working hours shaded, free gaps marked,
 * bookings as blocks. Planners drop an order or a booking on a row at the time wanted. */
export function DayGrid({
  plans,
  date,
  range,
  canPlan,
  dragDuration,
  onDropAt,
  onOpenBooking,
  onDragBooking,
  onDragEnd,
}: {
  plans: readonly TechnicianPlan[];
  date: string;
  range: Range;
  canPlan: boolean;
  /** The length of what is being dragged (minutes), or null when nothing is. */
  dragDuration: () => number | null;
  onDropAt: (technicianId: string, date: string, slot: { start: string; end: string }) => void;
  onOpenBooking: (booking: PlannedBooking, technicianId: string) => void;
  onDragBooking: (booking: PlannedBooking, technicianId: string) => void;
  onDragEnd: () => void;
}) {
  const { t } = useTranslation(NS);
  const ticks = hourTicks(range);
  return (
    <div className="fw-day-grid" role="table" aria-label={t("planning.dayCaption", { date })}>
      <div className="fw-row fw-scale" role="row">
        <span role="columnheader" className="fw-row-name">
          {t("planning.technician")}
        </span>
        <div role="columnheader" className="fw-track fw-track-scale">
          {ticks.map((tick) => (
            <span key={tick} className="fw-tick" style={{ left: `${percentAt(tick, range)}%` }}>
              {tick}
            </span>
          ))}
        </div>
      </div>
      {plans.map(({ technician, days }) => {
        const day = days.find((d) => d.date === date) ?? days[0];
        const lanes = lanesOf(day?.bookings ?? []);
        return (
          <div className="fw-row" role="row" key={technician.id} data-testid={`plan-row-${technician.name}`}>
            <span role="rowheader" className="fw-row-name">
              {technician.name}
            </span>
            <div
              role="cell"
              className="fw-track"
              aria-label={t("planning.trackLabel", { name: technician.name, date })}
              data-testid={`track-${technician.name}`}
              onDragOver={(event) => {
                if (!canPlan || dragDuration() === null) return;
                event.preventDefault();
                event.dataTransfer.dropEffect = "move";
              }}
              onDrop={(event) => {
                event.preventDefault();
                const duration = dragDuration();
                if (!canPlan || duration === null) return;
                const box = event.currentTarget.getBoundingClientRect();
                const fraction = box.width > 0 ? (event.clientX - box.left) / box.width : 0;
                onDropAt(technician.id, day?.date ?? date, slotAt(fraction, range, duration));
              }}
            >
              {day?.working_hours.map((w) => (
                <span
                  key={`w-${w.start}`}
                  className="fw-work"
                  style={{ left: `${percentAt(w.start, range)}%`, width: `${percentWidth(w.start, w.end, range)}%` }}
                  aria-hidden="true"
                />
              ))}
              {day?.gaps.map((g) => (
                <span
                  key={`g-${g.starts_at}`}
                  className="fw-gap"
                  style={{ left: `${percentAt(g.local_start, range)}%`, width: `${percentWidth(g.local_start, g.local_end, range)}%` }}
                  title={t("planning.free", { from: shortTime(g.local_start), to: shortTime(g.local_end) })}
                >
                  <span className="visually-hidden">{t("planning.free", { from: shortTime(g.local_start), to: shortTime(g.local_end) })}</span>
                </span>
              ))}
              {day && day.working_hours.length === 0 ? <span className="fw-day-off muted">{t("planning.dayOff")}</span> : null}
              {day?.bookings.map((b, index) => {
                const { lane, of } = lanes[index] ?? { lane: 0, of: 1 };
                return (
                <button
                  key={b.booking_id}
                  type="button"
                  className={b.order ? `fw-block fw-block-${b.order.priority}` : "fw-block fw-block-hidden"}
                  style={{
                    left: `${percentAt(b.local_start, range)}%`,
                    width: `${percentWidth(b.local_start, b.local_end, range)}%`,
                    top: `calc(${(lane * 100) / of}% + 0.1rem)`,
                    height: `calc(${100 / of}% - 0.2rem)`,
                  }}
                  draggable={canPlan && b.order !== null}
                  onDragStart={(event) => {
                    event.dataTransfer.setData("text/plain", b.booking_id);
                    event.dataTransfer.effectAllowed = "move";
                    onDragBooking(b, technician.id);
                  }}
                  onDragEnd={onDragEnd}
                  onClick={() => onOpenBooking(b, technician.id)}
                  aria-label={t("planning.blockLabel", {
                    number: b.order?.number ?? t("planning.hiddenOrder"),
                    customer: b.order?.customer?.name ?? "",
                    from: shortTime(b.local_start),
                    to: shortTime(b.local_end),
                  })}
                  title={`${shortTime(b.local_start)}–${shortTime(b.local_end)} ${b.order?.number ?? ""}`}
                  data-minutes={lengthOf(b.local_start, b.local_end)}
                >
                  <span className="fw-block-number">{b.order?.number ?? t("planning.busy")}</span>
                  <span className="fw-block-customer">{b.order?.customer?.name ?? ""}</span>
                  {b.overrides.length > 0 ? <span aria-hidden="true"> ⚠</span> : null}
                </button>
                );
              })}
            </div>
          </div>
        );
      })}
    </div>
  );
}
