import { useId } from "react";
import { useTranslation } from "react-i18next";

import { formatNumber } from "../shared/format";
import { NS } from "../shared/messages";
import { pointsOf, type Round } from "./mapData";
import { fitProjection, pathOf, scaleBar } from "./projection";

const BOX = { width: 800, height: 520, padding: 40 };

/** The day drawn: each technician's route line from the home base (a square) through
 * the numbered stops (circles); a scale bar; north up. The tables beside it say the
 * same in words. */
export function DayMapSvg({ rounds, colour, date }: { rounds: readonly Round[]; colour: (index: number) => string; date: string }) {
  const { t, i18n } = useTranslation(NS);
  const titleId = useId();
  const projection = fitProjection(pointsOf(rounds), BOX);
  const located = rounds.reduce((n, r) => n + r.stops.filter((s) => s.point).length, 0);
  if (!projection) {
    return <p className="muted">{t("map.nothingLocated")}</p>;
  }
  const bar = scaleBar(projection.kmPerUnit);
  return (
    <svg className="fw-map" viewBox={`0 0 ${BOX.width} ${BOX.height}`} role="img" aria-labelledby={titleId} data-testid="day-map">
      <title id={titleId}>{t("map.svgTitle", { date, stops: located, technicians: rounds.length })}</title>
      <rect x="0" y="0" width={BOX.width} height={BOX.height} className="fw-map-bg" />
      {rounds.map((r, index) => {
        const points = r.line.map(projection.project);
        const home = r.fromHomeBase ? points[0] : undefined;
        return (
          <g key={r.technicianId} className="fw-round">
            {points.length >= 2 ? (
              <path d={pathOf(points)} fill="none" stroke={colour(index)} strokeWidth="3" strokeDasharray={index % 2 ? "8 4" : undefined} />
            ) : null}
            {home ? <rect x={home.x - 7} y={home.y - 7} width="14" height="14" fill="#fff" stroke="#1b1f24" strokeWidth="2" /> : null}
            {r.stops.map((s) => {
              if (!s.point) return null;
              const { x, y } = projection.project(s.point);
              return (
                <g key={s.bookingId} data-testid={`stop-${s.number}`}>
                  <circle cx={x} cy={y} r="11" fill={colour(index)} stroke="#fff" strokeWidth="2" />
                  <text x={x} y={y + 4} textAnchor="middle" className="fw-stop-number">
                    {s.stop}
                  </text>
                  <text x={x + 14} y={y - 8} className="fw-stop-label">
                    {s.number}
                  </text>
                </g>
              );
            })}
          </g>
        );
      })}
      {bar ? (
        <g className="fw-scale-bar" transform={`translate(${BOX.padding}, ${BOX.height - 16})`}>
          <line x1="0" y1="0" x2={bar.units} y2="0" stroke="#1b1f24" strokeWidth="3" />
          <text x={bar.units + 6} y="4">
            {t("map.km", { km: formatNumber(bar.km, i18n.language, 3) })}
          </text>
        </g>
      ) : null}
      <text x={BOX.width - 24} y="28" className="fw-north" textAnchor="middle">
        {t("map.north")}
      </text>
    </svg>
  );
}
