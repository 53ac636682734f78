import { useTranslation } from "react-i18next";
import { Link, useLocation, useParams } from "react-router-dom";

import { useSession } from "../../../auth/session";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useLoad } from "../../../hooks/useLoad";
import { addressLine, campaignName, localToday, longDay, mapsLink, shortTime } from "./format";
import { dayOfState } from "./dayState";
import { NS } from "./messages";
import { ProtocolPanel } from "./ProtocolPanel";
import { StatusButtons } from "./StatusButtons";
import { statusTone } from "./statusRules";
import { loadOrder } from "./technicianApi";

/** One order on the phone: where and when, the status buttons, and the protocol. */
export function OrderScreen() {
  const { t, i18n } = useTranslation(NS);
  const { orderId = "" } = useParams();
  const { hasRole } = useSession();
  const canAct = hasRole("technician", "operator", "admin");
  const loaded = useLoad(() => loadOrder(orderId), [orderId]);
  const order = loaded.data?.value;
  // Back to the day the order was opened from (the day list keeps it in the address).
  const day = dayOfState(useLocation().state);

  return (
    <article aria-labelledby="tech-order-title">
      <p className="tech-back">
        <Link to={day ? `..?date=${day}` : ".."}>
          <span aria-hidden="true">‹ </span>
          {t("order.back")}
        </Link>
      </p>
      {loaded.loading && !order ? <p aria-live="polite">{t("common:state.loading")}</p> : null}
      <ProblemAlert error={loaded.error} onRetry={loaded.reload} />
      {order && loaded.data ? (
        <>
          <header className="tech-head">
            <h1 id="tech-order-title">
              {order.customer_name ?? t("day.noCustomer")} <span className="tech-visit-number">{order.number}</span>
            </h1>
            <p>
              <span className={statusTone(order.status, order.stage)} data-testid="order-status">
                {order.status ? t(`status.${order.status}`) : t(`stage.${order.stage}`)}
              </span>
            </p>
          </header>

          {canAct ? (
            <StatusButtons order={loaded.data} onChanged={(next) => loaded.set(next)} />
          ) : null}

          <section className="panel tech-details" aria-labelledby="tech-details-title">
            <h2 id="tech-details-title">{t("order.details")}</h2>
            <dl>
              {order.bookings
                .filter((b) => b.state === "standing")
                .map((b) => (
                  <div key={b.id}>
                    <dt>{t("order.visit")}</dt>
                    <dd>
                      {longDay(b.local_date, i18n.language)}, {shortTime(b.local_start)}–{shortTime(b.local_end)}
                    </dd>
                  </div>
                ))}
              {order.location && addressLine(order.location) ? (
                <div>
                  <dt>{t("order.address")}</dt>
                  <dd>
                    <a href={mapsLink(order.location)}>{addressLine(order.location)}</a>
                    {order.facility_name ? <span className="muted"> ({order.facility_name})</span> : null}
                  </dd>
                </div>
              ) : null}
              {order.contact ? (
                <div>
                  <dt>{t("order.contact")}</dt>
                  <dd>
                    {order.contact.name}
                    {order.contact.mobile ? (
                      <>
                        {" · "}
                        <a href={`tel:${order.contact.mobile}`}>{order.contact.mobile}</a>
                      </>
                    ) : null}
                  </dd>
                </div>
              ) : null}
              {order.kind_name ? (
                <div>
                  <dt>{t("order.kind")}</dt>
                  <dd>{order.kind_name}</dd>
                </div>
              ) : null}
              <div>
                <dt>{t("order.case")}</dt>
                <dd>{order.case_number}</dd>
              </div>
              <div>
                <dt>{t("order.priority")}</dt>
                <dd>{t(`priority.${order.priority}`)}</dd>
              </div>
              {order.customer_order_number ? (
                <div>
                  <dt>{t("order.customerOrderNumber")}</dt>
                  <dd>{order.customer_order_number}</dd>
                </div>
              ) : null}
            </dl>
            {order.description ? (
              <>
                <h3>{t("order.description")}</h3>
                <p className="tech-pre">{order.description}</p>
              </>
            ) : null}
            {order.campaign_cases.length > 0 ? (
              <>
                <h3>{t("campaign.title", { count: order.campaign_cases.length })}</h3>
                <ul>
                  {order.campaign_cases.map((c) => (
                    <li key={c.case_id}>
                      <span className="badge badge-warn">{c.campaign_code}</span> {campaignName(c, i18n.language)}
                      {c.cause_description ? <span className="muted"> – {c.cause_description}</span> : null}
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
          </section>

          {order.stage !== "cancelled" ? (
            <ProtocolPanel orderId={order.id} canWrite={canAct} defaultWorkDate={todayOf(order)} />
          ) : null}
        </>
      ) : null}
    </article>
  );
}

/** The day a work line defaults to: the first standing visit's day, else today. */
function todayOf(order: { bookings: { state: string; local_date: string }[] }): string {
  return order.bookings.find((b) => b.state === "standing")?.local_date ?? localToday();
}
