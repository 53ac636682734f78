// Drawing the day's coordinates on a plain SVG (no tiles offline): an equirectangular
// projection, longitudes shrunk by the cosine of the middle latitude so distances look
// right at Nordic latitudes, fitted into the drawing with a margin. Pure.

export type LonLat = readonly [number, number];

export interface Box {
  width: number;
  height: number;
  padding: number;
}

export interface Projection {
  project: (point: LonLat) => { x: number; y: number };
  /** km per drawing unit (for the scale bar); 0 when every point is the same place. */
  kmPerUnit: number;
}

const KM_PER_DEGREE = 111.32;

/** A projection fitting every point into the box (north up), or null with no point. */
export function fitProjection(points: readonly LonLat[], box: Box): Projection | null {
  const usable = points.filter(([lon, lat]) => Number.isFinite(lon) && Number.isFinite(lat));
  if (usable.length === 0) return null;
  const lons = usable.map((p) => p[0]);
  const lats = usable.map((p) => p[1]);
  const minLon = Math.min(...lons);
  const maxLon = Math.max(...lons);
  const minLat = Math.min(...lats);
  const maxLat = Math.max(...lats);
  const shrink = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const spanX = (maxLon - minLon) * shrink;
  const spanY = maxLat - minLat;
  const innerW = box.width - 2 * box.padding;
  const innerH = box.height - 2 * box.padding;
  const span = Math.max(spanX, spanY);
  // One place only: drawn in the middle, no scale.
  const scale = span > 0 ? Math.min(spanX > 0 ? innerW / spanX : Infinity, spanY > 0 ? innerH / spanY : Infinity) : 0;
  const offsetX = box.padding + (innerW - spanX * scale) / 2;
  const offsetY = box.padding + (innerH - spanY * scale) / 2;
  return {
    project: ([lon, lat]) =>
      scale === 0
        ? { x: box.width / 2, y: box.height / 2 }
        : { x: offsetX + (lon - minLon) * shrink * scale, y: offsetY + (maxLat - lat) * scale },
    kmPerUnit: scale > 0 ? KM_PER_DEGREE / scale : 0,
  };
}

/** A round length for a scale bar about `targetUnits` long: 1, 2 or 5 × 10ⁿ km. */
export function scaleBar(kmPerUnit: number, targetUnits = 120): { km: number; units: number } | null {
  if (kmPerUnit <= 0) return null;
  const raw = kmPerUnit * targetUnits;
  const power = 10 ** Math.floor(Math.log10(raw));
  const km = [1, 2, 5, 10].map((f) => f * power).filter((v) => v <= raw).pop() ?? power;
  return { km, units: km / kmPerUnit };
}

/** An SVG path through the points in order. */
export function pathOf(points: readonly { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
}
