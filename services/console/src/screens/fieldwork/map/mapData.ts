// The day's map (GeoJSON from `GET /api/map`) read into what the drawing shows: per
// technician the located stops in visiting order, the route line (from the home base
// when it has one) and its length; the visits without coordinates apart. Pure.
import type { DayMap } from "../shared/types";
import type { LonLat } from "./projection";

export interface Stop {
  bookingId: string;
  orderId: string;
  number: string;
  customer: string;
  technicianId: string;
  technicianName: string;
  stop: number;
  localStart: string;
  localEnd: string;
  stage: string;
  status: string | null;
  distanceKm: number | null;
  point: LonLat | null;
}

export interface Round {
  technicianId: string;
  technicianName: string;
  stops: Stop[];
  /** The route's points: home base first when located, then the located stops. */
  line: LonLat[];
  fromHomeBase: boolean;
  distanceKm: number | null;
}

const text = (value: unknown): string => (typeof value === "string" ? value : value == null ? "" : String(value));
const object = (value: unknown): Record<string, unknown> => (typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {});
const numberOrNull = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);

function toPoint(value: unknown): LonLat | null {
  if (!Array.isArray(value) || value.length < 2) return null;
  const [lon, lat] = value as unknown[];
  return typeof lon === "number" && typeof lat === "number" ? [lon, lat] : null;
}

function stopOf(properties: Record<string, unknown>, point: LonLat | null): Stop {
  const technician = object(properties.technician);
  return {
    bookingId: text(properties.booking_id),
    orderId: text(properties.order_id),
    number: text(properties.number),
    customer: text(object(properties.customer).name),
    technicianId: text(technician.id),
    technicianName: text(technician.name),
    stop: numberOrNull(properties.stop) ?? 0,
    localStart: text(properties.local_start),
    localEnd: text(properties.local_end),
    stage: text(properties.stage),
    status: properties.status == null ? null : text(properties.status),
    distanceKm: numberOrNull(properties.distance_km_from_previous),
    point,
  };
}

/** Rounds per technician (by name), stops in visiting order, unlocated ones included
 * (with no point) so the numbering shows the real order of the day. */
export function roundsOf(map: DayMap): Round[] {
  const rounds = new Map<string, Round>();
  const round = (id: string, name: string) => {
    let found = rounds.get(id);
    if (!found) {
      found = { technicianId: id, technicianName: name, stops: [], line: [], fromHomeBase: false, distanceKm: null };
      rounds.set(id, found);
    }
    return found;
  };
  for (const feature of map.features) {
    const properties = feature.properties;
    const technician = object(properties.technician);
    const owner = round(text(technician.id), text(technician.name));
    if (properties.kind === "stop" && feature.geometry.type === "Point") {
      owner.stops.push(stopOf(properties, toPoint(feature.geometry.coordinates)));
    } else if (properties.kind === "route" && feature.geometry.type === "LineString") {
      owner.line = feature.geometry.coordinates.map(toPoint).filter((p): p is LonLat => p !== null);
      owner.fromHomeBase = properties.from_home_base === true;
      owner.distanceKm = numberOrNull(properties.distance_km);
    }
  }
  for (const raw of map.unlocated) {
    const properties = object(raw);
    const technician = object(properties.technician);
    round(text(technician.id), text(technician.name)).stops.push(stopOf(properties, null));
  }
  const all = [...rounds.values()];
  for (const r of all) {
    r.stops.sort((a, b) => a.stop - b.stop);
    // A single located stop has no route feature: its line is that stop alone.
    if (r.line.length === 0) r.line = r.stops.flatMap((s) => (s.point ? [s.point] : []));
  }
  return all.sort((a, b) => a.technicianName.localeCompare(b.technicianName));
}

/** Every point the drawing must hold. */
export function pointsOf(rounds: readonly Round[]): LonLat[] {
  return rounds.flatMap((r) => [...r.line, ...r.stops.flatMap((s) => (s.point ? [s.point] : []))]);
}

/** A colour per technician, told apart also by the legend's names (not colour alone). */
export const ROUTE_COLOURS = ["#0b5cad", "#b3261e", "#1e7b34", "#8a5a00", "#6a1b9a", "#00695c", "#ad1457", "#37474f"];
