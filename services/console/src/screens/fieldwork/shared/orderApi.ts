// The order's writes as the desk makes them. Every change needs the order's current
// version (If-Match): a card on the board or a block on the planning carries no version,
// so the order is read first and the change is sent against what was read.
import { api, etagOf } from "../../../api/client";
import { ProblemError } from "../../../api/problem";
import type { BookingChange, BookingIn, OrderAction, OrderView, Stage } from "./types";

export interface Versioned {
  order: OrderView;
  etag: string;
}

export async function readOrder(orderId: string): Promise<Versioned> {
  const { data, response } = await api.GET("/api/service-orders/{order_id}", {
    params: { path: { order_id: orderId } },
  });
  if (!data) throw new ProblemError(response.status, { title: response.statusText });
  return { order: data, etag: etagOf(response) };
}

function versioned(data: OrderView | undefined, response: Response): Versioned {
  if (!data) throw new ProblemError(response.status, { title: response.statusText });
  return { order: data, etag: etagOf(response) };
}

/** Thrown when the order is no longer where the user saw it (someone else moved it). */
export class StaleCard extends ProblemError {
  constructor(seen: Stage, now: Stage) {
    super(409, { title: "Changed meanwhile", detail: `the order is ${now} now, not ${seen}`, seen, now });
  }
}

/** A board move (`POST /service-orders/{id}/move`): the order's version is read, and the
 * move refused here when its stage is no longer the column the card was dragged from. */
export async function moveOrder(
  orderId: string,
  from: Stage,
  to: Stage,
  booking?: BookingIn,
): Promise<Versioned> {
  const { order, etag } = await readOrder(orderId);
  if (order.stage !== from) throw new StaleCard(from, order.stage);
  const { data, response } = await api.POST("/api/service-orders/{order_id}/move", {
    params: { path: { order_id: orderId } },
    headers: { "If-Match": etag },
    body: booking ? { stage: to, booking } : { stage: to },
  });
  return versioned(data, response);
}

export async function bookOrder(orderId: string, booking: BookingIn, etag?: string): Promise<Versioned> {
  const version = etag ?? (await readOrder(orderId)).etag;
  const { data, response } = await api.POST("/api/service-orders/{order_id}/bookings", {
    params: { path: { order_id: orderId } },
    headers: { "If-Match": version },
    body: booking,
  });
  return versioned(data, response);
}

export async function changeBooking(
  orderId: string,
  bookingId: string,
  change: BookingChange,
  etag?: string,
): Promise<Versioned> {
  const version = etag ?? (await readOrder(orderId)).etag;
  const { data, response } = await api.PATCH("/api/service-orders/{order_id}/bookings/{booking_id}", {
    params: { path: { order_id: orderId, booking_id: bookingId } },
    headers: { "If-Match": version },
    body: change,
  });
  return versioned(data, response);
}

export async function removeBooking(orderId: string, bookingId: string, etag?: string): Promise<Versioned> {
  const version = etag ?? (await readOrder(orderId)).etag;
  const { data, response } = await api.DELETE("/api/service-orders/{order_id}/bookings/{booking_id}", {
    params: { path: { order_id: orderId, booking_id: bookingId } },
    headers: { "If-Match": version },
  });
  return versioned(data, response);
}

export async function actOnOrder(
  orderId: string,
  action: OrderAction,
  etag: string,
  campaignCasesDone: string[] = [],
): Promise<Versioned> {
  const { data, response } = await api.POST("/api/service-orders/{order_id}/actions/{action}", {
    params: { path: { order_id: orderId, action } },
    headers: { "If-Match": etag },
    body: campaignCasesDone.length > 0 ? { campaign_case_ids_done: campaignCasesDone } : undefined,
  });
  return versioned(data, response);
}
