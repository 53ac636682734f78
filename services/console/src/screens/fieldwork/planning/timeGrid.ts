// The planning's time grid: the hours a day row spans, where a time sits on it, and the
// time a drop at some point of a row means. Pure: positions are fractions of the row.
import { clock, minutesOf } from "../shared/format";
import type { TechnicianDay } from "../shared/types";

export interface Range {
  /** minutes after midnight */
  start: number;
  end: number;
}

export const DEFAULT_RANGE: Range = { start: 7 * 60, end: 17 * 60 };
export const SNAP_MINUTES = 15;
export const DEFAULT_VISIT_MINUTES = 60;

/** Whole hours covering every working interval and booking of the days (7–17 when
 * there is none). */
export function gridRange(days: readonly TechnicianDay[]): Range {
  let start = Infinity;
  let end = -Infinity;
  for (const day of days) {
    for (const span of [...day.working_hours.map((w) => [w.start, w.end]), ...day.bookings.map((b) => [b.local_start, b.local_end])]) {
      start = Math.min(start, minutesOf(span[0] ?? "00:00"));
      end = Math.max(end, minutesOf(span[1] ?? "00:00"));
    }
  }
  if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) return DEFAULT_RANGE;
  return {
    start: Math.min(DEFAULT_RANGE.start, Math.floor(start / 60) * 60),
    end: Math.max(DEFAULT_RANGE.end, Math.min(24 * 60, Math.ceil(end / 60) * 60)),
  };
}

/** Where a time of day sits on the row, as a percentage (clamped to the row). */
export function percentAt(time: string, range: Range): number {
  const fraction = (minutesOf(time) - range.start) / (range.end - range.start);
  return Math.max(0, Math.min(100, fraction * 100));
}

/** The width of from–to on the row, as a percentage. */
export function percentWidth(from: string, to: string, range: Range): number {
  return Math.max(0, percentAt(to, range) - percentAt(from, range));
}

/** The visit a drop at `fraction` (0 left … 1 right) of the row proposes: its start
 * snapped to the quarter hour, lasting `duration` minutes, kept inside the row. */
export function slotAt(fraction: number, range: Range, duration = DEFAULT_VISIT_MINUTES): { start: string; end: string } {
  const span = range.end - range.start;
  const raw = range.start + Math.max(0, Math.min(1, fraction)) * span;
  let start = Math.round(raw / SNAP_MINUTES) * SNAP_MINUTES;
  start = Math.min(start, range.end - duration);
  start = Math.max(start, range.start);
  return { start: clock(start), end: clock(Math.min(start + duration, range.end)) };
}

/** Minutes between two "HH:MM" times. */
export function lengthOf(from: string, to: string): number {
  return minutesOf(to) - minutesOf(from);
}

/** The full hours of the row, for its scale. */
export function hourTicks(range: Range): string[] {
  const ticks: string[] = [];
  for (let m = Math.ceil(range.start / 60) * 60; m <= range.end; m += 60) ticks.push(clock(m));
  return ticks;
}

export interface Lane {
  lane: number;
  /** lanes in the cluster of overlapping bookings it belongs to */
  of: number;
}

/** Overlapping bookings (booked over a conflict) side by side: each gets a lane within
 * its cluster of overlapping ones, so none hides another. In the items' order. */
export function lanesOf(items: readonly { local_start: string; local_end: string }[]): Lane[] {
  const order = items.map((item, index) => ({ index, start: minutesOf(item.local_start), end: minutesOf(item.local_end) }));
  order.sort((a, b) => a.start - b.start || a.end - b.end);
  const result: Lane[] = items.map(() => ({ lane: 0, of: 1 }));
  let cluster: number[] = [];
  let laneEnds: number[] = [];
  let clusterEnd = -Infinity;
  const close = () => {
    for (const index of cluster) result[index] = { lane: result[index]?.lane ?? 0, of: laneEnds.length };
    cluster = [];
    laneEnds = [];
  };
  for (const item of order) {
    if (item.start >= clusterEnd) close();
    let lane = laneEnds.findIndex((end) => end <= item.start);
    if (lane === -1) {
      lane = laneEnds.length;
      laneEnds.push(item.end);
    } else {
      laneEnds[lane] = item.end;
    }
    result[item.index] = { lane, of: 1 };
    cluster.push(item.index);
    clusterEnd = Math.max(clusterEnd, item.end);
  }
  close();
  return result;
}
