import { describe, expect, it } from "vitest";

import { fitProjection, pathOf, scaleBar } from "./projection";

const box = { width: 400, height: 300, padding: 20 };

describe("the map's projection", () => {
  it("draws nothing without points and one point in the middle", () => {
    expect(fitProjection([], box)).toBeNull();
    const one = fitProjection([[17.64, 59.86]], box)!;
    expect(one.project([17.64, 59.86])).toEqual({ x: 200, y: 150 });
    expect(one.kmPerUnit).toBe(0);
  });

  it("fits the points in the box, north up, west left", () => {
    const points = [[17.0, 59.0], [18.0, 60.0]] as const;
    const projection = fitProjection(points, box)!;
    const sw = projection.project(points[0]);
    const ne = projection.project(points[1]);
    expect(ne.y).toBeCloseTo(20); // the northmost touches the top margin
    expect(sw.y).toBeCloseTo(280);
    expect(sw.x).toBeLessThan(ne.x);
    for (const p of [sw, ne]) {
      expect(p.x).toBeGreaterThanOrEqual(20);
      expect(p.x).toBeLessThanOrEqual(380);
    }
    // A degree of longitude at 59.5° N is about half a degree of latitude.
    expect((ne.x - sw.x) / (sw.y - ne.y)).toBeCloseTo(Math.cos((59.5 * Math.PI) / 180), 5);
    expect(projection.kmPerUnit).toBeCloseTo(111.32 / 260, 5);
  });

  it("gives a round scale bar and a path", () => {
    expect(scaleBar(0.5)).toEqual({ km: 50, units: 100 });
    expect(scaleBar(0)).toBeNull();
    expect(pathOf([{ x: 1, y: 2 }, { x: 3.25, y: 4 }])).toBe("M1.0,2.0 L3.3,4.0");
  });
});
