import { useTranslation } from "react-i18next";

import { formatDay, shortTime } from "../shared/format";
import { NS } from "../shared/messages";
import type { PlannedBooking, TechnicianPlan } from "../shared/types";

/** The week: a row per technician, a cell per day with its bookings and free time. A
 * planner drops an order or a booking on a day (at the day's first free time). */
export function WeekGrid({
  plans,
  days,
  canPlan,
  dragging,
  onDropOn,
  onOpenBooking,
  onDragBooking,
  onDragEnd,
}: {
  plans: readonly TechnicianPlan[];
  days: readonly string[];
  canPlan: boolean;
  dragging: () => boolean;
  onDropOn: (technicianId: string, date: string, firstFree: string | null) => void;
  onOpenBooking: (booking: PlannedBooking, technicianId: string) => void;
  onDragBooking: (booking: PlannedBooking, technicianId: string) => void;
  onDragEnd: () => void;
}) {
  const { t, i18n } = useTranslation(NS);
  return (
    <div className="table-wrap">
      <table className="data-table fw-week">
        <caption>{t("planning.weekCaption", { from: days[0] ?? "", to: days[days.length - 1] ?? "" })}</caption>
        <thead>
          <tr>
            <th scope="col">{t("planning.technician")}</th>
            {days.map((d) => (
              <th scope="col" key={d}>
                {formatDay(d, i18n.language)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {plans.map(({ technician, days: planned }) => (
            <tr key={technician.id}>
              <th scope="row">{technician.name}</th>
              {days.map((d) => {
                const day = planned.find((x) => x.date === d);
                const free = (day?.gaps ?? []).reduce((sum, g) => sum + g.minutes, 0);
                return (
                  <td
                    key={d}
                    className="fw-week-cell"
                    data-testid={`week-${technician.name}-${d}`}
                    onDragOver={(event) => {
                      if (!canPlan || !dragging()) return;
                      event.preventDefault();
                    }}
                    onDrop={(event) => {
                      event.preventDefault();
                      if (canPlan && dragging()) onDropOn(technician.id, d, day?.gaps[0]?.local_start ?? null);
                    }}
                  >
                    <ul className="fw-week-bookings">
                      {(day?.bookings ?? []).map((b) => (
                        <li key={b.booking_id}>
                          <button
                            type="button"
                            className="fw-week-booking"
                            draggable={canPlan && b.order !== null}
                            onDragStart={(event) => {
                              event.dataTransfer.setData("text/plain", b.booking_id);
                              onDragBooking(b, technician.id);
                            }}
                            onDragEnd={onDragEnd}
                            onClick={() => onOpenBooking(b, technician.id)}
                          >
                            {shortTime(b.local_start)}–{shortTime(b.local_end)} {b.order?.number ?? t("planning.busy")}
                          </button>
                        </li>
                      ))}
                    </ul>
                    {day && day.working_hours.length === 0 ? (
                      <span className="muted fw-small">{t("planning.dayOff")}</span>
                    ) : (
                      <span className="muted fw-small">{t("planning.freeMinutes", { hours: Math.floor(free / 60), minutes: free % 60 })}</span>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
