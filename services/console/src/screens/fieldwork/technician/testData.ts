// Answers of the API as the phone view's tests need them (typed: a schema change breaks them).
import type { components } from "../../../api/schema";

type S = components["schemas"];

export const ORDER_ID = "0b9c6a8e-0000-4000-8000-000000000001";
export const PROTOCOL_ID = "0b9c6a8e-0000-4000-8000-0000000000p1";
export const CAMPAIGN_CASE_ID = "0b9c6a8e-0000-4000-8000-0000000000c1";

export function campaignCase(): S["CampaignCaseOut"] {
  return {
    case_id: CAMPAIGN_CASE_ID,
    case_number: "CC-7",
    campaign_id: "camp-1",
    campaign_code: "PUMP-24",
    campaign_name: "Pump seal recall",
    translations: { sv: "Återkallelse pumptätning" },
    serial_item_id: "item-1",
    cause_code: null,
    cause_description: "Seal may leak",
  };
}

export function order(overrides: Partial<S["OrderView"]> = {}): S["OrderView"] {
  return {
    id: ORDER_ID,
    version: 3,
    number: "SO-1042",
    case_id: "case-1",
    case_number: "C-77",
    kind_id: null,
    kind_code: null,
    kind_name: "Repair",
    customer_id: "cust-1",
    customer_name: "Berg AB",
    contact_id: null,
    contact: { name: "Anna Berg", mobile: "+46701234567", email: null, contact_id: null },
    serial_item_id: "item-1",
    location: { street: "Storgatan 1", postal_code: "111 22", city: "Stockholm", country: "SE", latitude: 59.33, longitude: 18.06 },
    service_object_ids: [],
    priority: "normal",
    technician_id: "tech-1",
    technician_name: "Tess",
    trip_type: "customer_visit",
    technician_ids: ["tech-1"],
    technicians: [{ id: "tech-1", name: "Tess" }],
    distance_km: null,
    vehicle_id: null,
    description: "Pump leaks",
    customer_order_number: null,
    facility_name: null,
    org_unit_id: null,
    service_type_id: null,
    callout_id: null,
    stage: "planned",
    status: "planned",
    booked_from: "2026-11-30T08:00:00Z",
    bookings: [
      {
        id: "b-1",
        technician_id: "tech-1",
        technician_name: "Tess",
        starts_at: "2026-11-30T08:00:00Z",
        ends_at: "2026-11-30T09:00:00Z",
        local_date: "2026-11-30",
        local_start: "09:00:00",
        local_end: "10:00:00",
        state: "standing",
        overrides: [],
        override_reason: null,
        created_at: "2026-11-29T08:00:00Z",
        created_by: "dev",
      },
    ],
    time_spent: { travel_seconds: 0, on_site_seconds: 0, working_seconds: 0, break_seconds: 0 },
    confirmation_offer: { can_offer: false, contact: null, reason: null },
    campaign_cases: [campaignCase()],
    created_at: "2026-11-29T08:00:00Z",
    created_by: "dev",
    updated_at: "2026-11-29T08:00:00Z",
    completed_at: null,
    cancelled_at: null,
    ...overrides,
  };
}

export function myDay(bookings: S["MyDayBooking"][] = [dayBooking()]): S["MyDay"] {
  return {
    date: "2026-11-30",
    technician: { id: "tech-1", name: "Tess Tekniker", org_unit_id: null, time_zone: "Europe/Stockholm" },
    working_hours: [{ start: "07:00", end: "16:00" }],
    bookings,
  };
}

export function dayBooking(): S["MyDayBooking"] {
  return {
    booking_id: "b-1",
    starts_at: "2026-11-30T08:00:00Z",
    ends_at: "2026-11-30T09:00:00Z",
    local_date: "2026-11-30",
    local_start: "09:00:00",
    local_end: "10:00:00",
    overrides: [],
    override_reason: null,
    case: { id: "case-1", number: "C-77", name: "Pump" },
    protocol: null,
    order: {
      id: ORDER_ID,
      number: "SO-1042",
      stage: "planned",
      status: "planned",
      priority: "normal",
      kind: { id: "k-1", code: "REP", name: "Repair" },
      customer: { id: "cust-1", name: "Berg AB", customer_number: "K-1" },
      location: { street: "Storgatan 1", postal_code: "111 22", city: "Stockholm", country: "SE", latitude: 59.33, longitude: 18.06 },
      technician: { id: "tech-1", name: "Tess" },
      org_unit_id: null,
      booked_from: "2026-11-30T08:00:00Z",
      created_at: "2026-11-29T08:00:00Z",
      description: "Pump leaks",
    },
  };
}

export function protocol(overrides: Partial<S["ProtocolView"]> = {}): S["ProtocolView"] {
  return {
    id: PROTOCOL_ID,
    version: 1,
    case_id: "case-1",
    case_number: "C-77",
    order_id: ORDER_ID,
    order_number: "SO-1042",
    status: "draft",
    problem_reported: false,
    created_at: "2026-11-30T09:00:00Z",
    created_by: "tess",
    updated_at: "2026-11-30T09:00:00Z",
    completed_at: null,
    completed_by: null,
    fault_description: "",
    solution_description: "",
    problem_description: null,
    show_images: true,
    items: [],
    works: [],
    attachments: [],
    ...overrides,
  };
}
