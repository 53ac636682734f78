import { useId } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";

import { asProblem } from "../../../api/problem";
import type { components } from "../../../api/schema";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useLoad } from "../../../hooks/useLoad";
import { addressLine, campaignName, longDay, mapsLink, shiftDay, shortTime } from "./format";
import { dayState } from "./dayState";
import { NS } from "./messages";
import { statusTone } from "./statusRules";
import { loadMyDay, loadOrder, type MyDayBooking } from "./technicianApi";

type CampaignCase = components["schemas"]["CampaignCaseOut"];

/** My day: the technician's standing bookings of one day in visiting order. */
export function DayView() {
  const { t, i18n } = useTranslation(NS);
  const [search, setSearch] = useSearchParams();
  const asked = search.get("date") ?? undefined;
  const day = useLoad(() => loadMyDay(asked), [asked]);
  const date = day.data?.date ?? asked;
  const dateInputId = useId();

  // The open campaign cases are on each order, not on the day's cards: read the orders.
  const orderIds = (day.data?.bookings ?? []).flatMap((b) => (b.order ? [b.order.id] : []));
  const cases = useLoad(
    async () => {
      const unique = [...new Set(orderIds)];
      const orders = await Promise.all(unique.map((id) => loadOrder(id)));
      return new Map(orders.map((o) => [o.value.id, o.value.campaign_cases] as const));
    },
    [orderIds.join(",")],
  );

  const goTo = (next: string | undefined) => setSearch(next ? { date: next } : {}, { replace: false });
  const noTechnician = day.error && asProblem(day.error).status === 404;

  return (
    <section aria-labelledby="tech-day-title">
      <header className="tech-head">
        <h1 id="tech-day-title">{t("day.title")}</h1>
        {day.data ? <p className="muted">{day.data.technician.name}</p> : null}
      </header>

      <nav className="tech-day-switch" aria-label={t("day.switcher")}>
        <button type="button" disabled={!date} onClick={() => date && goTo(shiftDay(date, -1))}>
          <span aria-hidden="true">‹ </span>
          {t("day.previous")}
        </button>
        <button type="button" onClick={() => goTo(undefined)} aria-pressed={asked === undefined}>
          {t("day.today")}
        </button>
        <button type="button" disabled={!date} onClick={() => date && goTo(shiftDay(date, 1))}>
          {t("day.next")}
          <span aria-hidden="true"> ›</span>
        </button>
        <div className="tech-date-field">
          <label htmlFor={dateInputId}>{t("day.pick")}</label>
          <input
            id={dateInputId}
            type="date"
            value={date ?? ""}
            onChange={(e) => e.target.value && goTo(e.target.value)}
          />
        </div>
      </nav>

      {date ? <h2 className="tech-day-name">{longDay(date, i18n.language)}</h2> : null}

      <div aria-live="polite" aria-busy={day.loading}>
        {day.loading ? <p className="muted">{t("common:state.loading")}</p> : null}
        {noTechnician ? (
          <p role="alert" className="alert alert-info">
            {t("day.noTechnician")}
          </p>
        ) : day.error ? (
          <ProblemAlert error={day.error} onRetry={day.reload} />
        ) : null}
        {!day.loading && day.data && day.data.bookings.length === 0 ? (
          <p className="alert alert-info">{t("day.empty")}</p>
        ) : null}
      </div>

      {day.data && day.data.bookings.length > 0 ? (
        <ol className="tech-visits" aria-label={t("day.visits", { count: day.data.bookings.length })}>
          {day.data.bookings.map((booking) => (
            <Visit
              key={booking.booking_id}
              booking={booking}
              campaignCases={booking.order ? cases.data?.get(booking.order.id) : undefined}
              casesFailed={!!cases.error}
            />
          ))}
        </ol>
      ) : null}
    </section>
  );
}

function Visit({
  booking,
  campaignCases,
  casesFailed,
}: {
  booking: MyDayBooking;
  campaignCases: CampaignCase[] | undefined;
  casesFailed: boolean;
}) {
  const { t } = useTranslation(NS);
  const time = `${shortTime(booking.local_start)}–${shortTime(booking.local_end)}`;
  const order = booking.order;
  if (!order) {
    return (
      <li className="tech-visit tech-visit-hidden">
        <p className="tech-visit-time">{time}</p>
        <p className="muted">{t("day.hiddenOrder")}</p>
      </li>
    );
  }
  const address = addressLine(order.location);
  const map = mapsLink(order.location);
  return (
    <li className="tech-visit">
      <div className="tech-visit-top">
        <p className="tech-visit-time">{time}</p>
        <span className={statusTone(order.status, order.stage)}>
          {order.status ? t(`status.${order.status}`) : t(`stage.${order.stage}`)}
        </span>
      </div>
      <h3 className="tech-visit-title">
        <Link to={`orders/${order.id}`} state={dayState(booking.local_date)} className="tech-visit-link">
          {order.customer?.name ?? t("day.noCustomer")}
          <span className="visually-hidden">, </span>
          <span className="tech-visit-number">{order.number}</span>
        </Link>
      </h3>
      {address ? (
        <p className="tech-visit-address">
          {map ? (
            <a href={map} aria-label={t("day.openMap", { address })}>
              {address}
            </a>
          ) : (
            address
          )}
        </p>
      ) : null}
      {order.description ? <p className="tech-visit-description">{order.description}</p> : null}
      <p className="muted tech-visit-meta">
        {order.kind ? <span>{order.kind.name}</span> : null}
        {booking.protocol ? <span>{t(`protocol.state.${booking.protocol.status}`)}</span> : null}
      </p>
      <CampaignCases cases={campaignCases} failed={casesFailed} />
    </li>
  );
}

function CampaignCases({ cases, failed }: { cases: CampaignCase[] | undefined; failed: boolean }) {
  const { t, i18n } = useTranslation(NS);
  if (failed && !cases) return <p className="muted">{t("day.campaignsUnknown")}</p>;
  if (!cases || cases.length === 0) return null;
  return (
    <div className="tech-campaigns">
      <h4>{t("campaign.title", { count: cases.length })}</h4>
      <ul>
        {cases.map((c) => (
          <li key={c.case_id}>
            <span className="badge badge-warn">{c.campaign_code}</span> {campaignName(c, i18n.language)}
          </li>
        ))}
      </ul>
    </div>
  );
}
