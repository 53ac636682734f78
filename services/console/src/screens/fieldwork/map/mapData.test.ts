import { describe, expect, it } from "vitest";

import type { DayMap } from "../shared/types";
import { pointsOf, roundsOf } from "./mapData";

const tech = { id: "t1", name: "Ada" };
const stop = (n: number, number: string, distance: number | null) => ({
  kind: "stop", booking_id: `b${n}`, order_id: `o${n}`, number, customer: { name: "Grace" }, technician: tech,
  local_start: `0${8 + n}:00`, local_end: `0${9 + n}:00`, stage: "planned", status: "planned", stop: n, distance_km_from_previous: distance,
});

const map: DayMap = {
  type: "FeatureCollection",
  features: [
    { type: "Feature", geometry: { type: "Point", coordinates: [17.7, 59.9] }, properties: stop(3, "SO-3", null) },
    { type: "Feature", geometry: { type: "Point", coordinates: [17.6, 59.8] }, properties: stop(1, "SO-1", 4.2) },
    {
      type: "Feature",
      geometry: { type: "LineString", coordinates: [[17.5, 59.7], [17.6, 59.8], [17.7, 59.9]] },
      properties: { kind: "route", technician: tech, from_home_base: true, stops: 2, distance_km: 25.1 },
    },
  ],
  unlocated: [stop(2, "SO-2", null)],
};

describe("the day's map read for drawing", () => {
  it("keeps each technician's visits in visiting order, unlocated ones numbered too", () => {
    const [round] = roundsOf(map);
    expect(round!.technicianName).toBe("Ada");
    expect(round!.stops.map((s) => [s.stop, s.number, s.point !== null])).toEqual([
      [1, "SO-1", true],
      [2, "SO-2", false],
      [3, "SO-3", true],
    ]);
    expect(round!.fromHomeBase).toBe(true);
    expect(round!.distanceKm).toBe(25.1);
    expect(round!.line[0]).toEqual([17.5, 59.7]);
    expect(round!.stops[0]!.distanceKm).toBe(4.2);
  });

  it("collects every point to fit", () => {
    expect(pointsOf(roundsOf(map))).toHaveLength(5);
  });
});
