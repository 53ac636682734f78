// What is being dragged on the planning: an unbooked order, or a booking being moved.
import type { OrderCard, PlannedBooking } from "../shared/types";

export type Dragged =
  | { kind: "order"; card: OrderCard }
  | { kind: "booking"; booking: PlannedBooking; technicianId: string };

/** What a drop proposes, and what the planner confirms in the form when it is refused. */
export interface Proposal {
  orderId: string;
  number: string;
  /** Set when an existing booking is moved (PATCH), else a new one (POST). */
  bookingId?: string;
  technician_id: string;
  date: string;
  start: string;
  end: string;
  error?: unknown;
}
