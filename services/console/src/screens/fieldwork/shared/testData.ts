// Data the desk screens' component tests answer with.
import type { User } from "../../../auth/session";
import type { BoardColumn, OrderCard, OrderView, Stage } from "./types";

export function user(...roles: string[]): User {
  return { id: "u1", username: "planner", display_name: "Pia Planner", roles, org_units: [] };
}

export function card(id: string, number: string, stage: Stage, more: Partial<OrderCard> = {}): OrderCard {
  return {
    id,
    number,
    stage,
    status: stage === "planned" ? "planned" : null,
    priority: "normal",
    kind: null,
    customer: { id: "c1", name: "Grace Hopper AB", customer_number: "C-1" },
    location: null,
    technician: stage === "planned" ? { id: "t1", name: "Ada Lovelace" } : null,
    org_unit_id: null,
    booked_from: stage === "planned" ? "2026-12-01T09:00:00Z" : null,
    created_at: "2026-11-30T08:00:00Z",
    description: "",
    ...more,
  };
}

export function column(stage: Stage, cards: OrderCard[], count = cards.length, next_cursor: string | null = null): BoardColumn {
  return { stage, cards, count, next_cursor };
}

export function orderView(id: string, number: string, stage: Stage, version = 3): OrderView {
  return {
    id,
    number,
    stage,
    status: stage === "planned" ? "planned" : null,
    priority: "normal",
    version,
    booked_from: null,
    bookings: [],
    callout_id: null,
    campaign_cases: [],
    cancelled_at: null,
    completed_at: null,
    case_id: "case1",
    case_number: "SC-000001",
    confirmation_offer: { can_offer: false, reason: "no booking" },
    contact: null,
    contact_id: null,
    created_at: "2026-11-30T08:00:00Z",
    created_by: "dev",
    customer_id: "c1",
    customer_name: "Grace Hopper AB",
    customer_order_number: null,
    description: "Replace the pump seal",
    distance_km: null,
    facility_name: null,
    kind_code: null,
    kind_id: null,
    kind_name: null,
    location: null,
    org_unit_id: null,
    serial_item_id: null,
    service_object_ids: [],
    service_type_id: null,
    technician_id: null,
    technician_ids: [],
    technician_name: null,
    technicians: [],
    time_spent: { break_seconds: 0, on_site_seconds: 0, travel_seconds: 0, working_seconds: 0 },
    trip_type: "field_trip",
    vehicle_id: null,
    updated_at: "2026-11-30T08:00:00Z",
  };
}

export const EMPTY_LOOKUPS = {
  "GET /api/technicians": () => ({ items: [{ id: "t1", name: "Ada Lovelace" }], next_cursor: null }),
  "GET /api/order-kinds": () => ({ items: [], next_cursor: null }),
  "GET /api/org-units": () => ({ items: [], next_cursor: null }),
};
