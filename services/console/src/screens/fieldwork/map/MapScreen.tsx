import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { api } from "../../../api/client";
import { useSession } from "../../../auth/session";
import { SelectField, TextField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useLoad } from "../../../hooks/useLoad";
import { addDays, formatNumber, shortTime, todayIso } from "../shared/format";
import { useDeskLookups } from "../shared/lookups";
import { NS } from "../shared/messages";
import "../shared/fieldwork.css";
import { DayMapSvg } from "./DayMapSvg";
import { ROUTE_COLOURS, roundsOf } from "./mapData";

/** The day's visits on a plain drawn map (`GET /api/map`): per technician the stops in
 * visiting order with the route from the home base, distances, a legend, and the visits
 * without coordinates listed. Technicians see their own day. */
export default function MapScreen() {
  const { t, i18n } = useTranslation(NS);
  const { hasRole } = useSession();
  const desk = hasRole("admin", "operator", "viewer");
  const lookups = useDeskLookups();
  const [date, setDate] = useState(todayIso());
  const [technician, setTechnician] = useState("");
  const [orgUnit, setOrgUnit] = useState("");
  const map = useLoad(async () => {
    const { data } = await api.GET("/api/map", {
      params: {
        query: {
          date,
          technician_id: technician ? [technician] : undefined,
          org_unit_id: orgUnit ? [orgUnit] : undefined,
        },
      },
    });
    return data;
  }, [date, technician, orgUnit]);
  const rounds = map.data ? roundsOf(map.data) : [];
  const colour = (index: number) => ROUTE_COLOURS[index % ROUTE_COLOURS.length] ?? "#0b5cad";
  const km = (value: number | null) => (value === null ? "—" : t("map.km", { km: formatNumber(value, i18n.language, 1) }));
  const unlocated = rounds.flatMap((r) => r.stops.filter((s) => s.point === null));

  return (
    <section className="fw-map-screen">
      <h1>{t("map.title")}</h1>
      <div className="panel filters">
        <button type="button" onClick={() => setDate(addDays(date, -1))} aria-label={t("planning.previousDay")}>
          ←
        </button>
        <TextField label={t("planning.date")} name="date" type="date" error={map.error} value={date} onChange={(e) => e.target.value && setDate(e.target.value)} />
        <button type="button" onClick={() => setDate(addDays(date, 1))} aria-label={t("planning.nextDay")}>
          →
        </button>
        {desk ? (
          <>
            <SelectField
              label={t("filter.technician")}
              name="technician_id"
              error={map.error}
              value={technician}
              onChange={(e) => setTechnician(e.target.value)}
              options={[{ value: "", label: t("filter.any") }, ...(lookups.data?.technicians ?? []).map((o) => ({ value: o.id, label: o.name }))]}
            />
            <SelectField
              label={t("filter.orgUnit")}
              name="org_unit_id"
              error={map.error}
              value={orgUnit}
              onChange={(e) => setOrgUnit(e.target.value)}
              options={[{ value: "", label: t("filter.any") }, ...(lookups.data?.orgUnits ?? []).map((o) => ({ value: o.id, label: o.name }))]}
            />
          </>
        ) : null}
      </div>
      {map.error ? <ProblemAlert error={map.error} claimedFields={["date", "technician_id", "org_unit_id"]} onRetry={map.reload} /> : null}
      {map.loading && !map.data ? <p className="muted">{t("common:state.loading")}</p> : null}
      {map.data && rounds.length === 0 ? <p className="muted">{t("map.empty")}</p> : null}
      {rounds.length > 0 ? (
        <div className="fw-map-layout">
          <DayMapSvg rounds={rounds} colour={colour} date={date} />
          <section className="panel fw-legend" aria-labelledby="fw-legend">
            <h2 id="fw-legend">{t("map.legend")}</h2>
            <ul>
              {rounds.map((r, index) => (
                <li key={r.technicianId}>
                  <svg width="28" height="12" aria-hidden="true">
                    <line x1="0" y1="6" x2="28" y2="6" stroke={colour(index)} strokeWidth="4" strokeDasharray={index % 2 ? "6 3" : undefined} />
                  </svg>{" "}
                  <strong>{r.technicianName}</strong> — {t("map.stops", { count: r.stops.length })}, {km(r.distanceKm)}
                  {r.fromHomeBase ? "" : ` (${t("map.noHomeBase")})`}
                </li>
              ))}
              <li>
                <svg width="28" height="14" aria-hidden="true">
                  <rect x="8" y="1" width="12" height="12" fill="#fff" stroke="#1b1f24" strokeWidth="2" />
                </svg>{" "}
                {t("map.homeBase")}
              </li>
              <li>
                <svg width="28" height="16" aria-hidden="true">
                  <circle cx="14" cy="8" r="7" fill="#0b5cad" />
                </svg>{" "}
                {t("map.stopMarker")}
              </li>
            </ul>
          </section>
        </div>
      ) : null}
      {rounds.map((r) => (
        <div className="table-wrap fw-stops" key={r.technicianId}>
          <table className="data-table">
            <caption>{t("map.stopsCaption", { name: r.technicianName })}</caption>
            <thead>
              <tr>
                <th scope="col">{t("map.stop")}</th>
                <th scope="col">{t("booking.time")}</th>
                <th scope="col">{t("map.order")}</th>
                <th scope="col">{t("order.customer")}</th>
                <th scope="col">{t("order.status")}</th>
                <th scope="col">{t("map.fromPrevious")}</th>
              </tr>
            </thead>
            <tbody>
              {r.stops.map((s) => (
                <tr key={s.bookingId}>
                  <td>{s.stop}</td>
                  <td>
                    {shortTime(s.localStart)}–{shortTime(s.localEnd)}
                  </td>
                  <td>
                    <Link to={`/fieldwork/orders/${s.orderId}`}>{s.number}</Link>
                  </td>
                  <td>{s.customer}</td>
                  <td>{s.status ? t(`status.${s.status}`, { defaultValue: s.status }) : t(`stage.${s.stage}`, { defaultValue: s.stage })}</td>
                  <td>{s.point ? km(s.distanceKm) : t("map.noCoordinates")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
      {unlocated.length > 0 ? (
        <section className="panel" aria-labelledby="fw-unlocated">
          <h2 id="fw-unlocated">{t("map.unlocated")}</h2>
          <ul>
            {unlocated.map((s) => (
              <li key={s.bookingId}>
                {t("map.unlocatedItem", { stop: s.stop, name: s.technicianName, from: shortTime(s.localStart) })}{" "}
                <Link to={`/fieldwork/orders/${s.orderId}`}>{s.number}</Link> {s.customer}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </section>
  );
}
