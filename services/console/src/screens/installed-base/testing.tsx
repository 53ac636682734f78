// Test helpers of the installed-base screens: the screen at a path for a user of some
// roles, and API answers shaped like the catalog's.
import { render } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";

import { type Role, TestSession } from "../../auth/session";
import InstalledBaseScreen from "./InstalledBaseScreen";
import type { Customer, ImportJob, SerialItem } from "./types";

export function renderAt(path: string, ...roles: Role[]) {
  const user = { id: "u1", username: "eva", display_name: "Eva", roles, org_units: [] };
  return render(
    <TestSession user={user}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/installed-base/*" element={<InstalledBaseScreen />} />
          <Route path="/callouts/*" element={<p>callouts screen</p>} />
        </Routes>
      </MemoryRouter>
    </TestSession>,
  );
}

export const CUSTOMER_ID = "11111111-1111-4111-8111-111111111111";
export const ITEM_ID = "22222222-2222-4222-8222-222222222222";
export const PRODUCT_ID = "33333333-3333-4333-8333-333333333333";
export const JOB_ID = "44444444-4444-4444-8444-444444444444";

export function customer(overrides: Partial<Customer> = {}): Customer {
  return {
    id: CUSTOMER_ID,
    customer_number: "C-1",
    name: "Acme AB",
    emails: ["info@acme.test"],
    mobiles: [],
    allowed_methods: ["email"],
    preferred_method: "email",
    language: "sv",
    kind: "company",
    time_zone: "Europe/Stockholm",
    org_unit_id: null,
    active: true,
    version: 3,
    contacts: [],
    ...overrides,
  };
}

export function serialItem(overrides: Partial<SerialItem> = {}): SerialItem {
  return {
    id: ITEM_ID,
    serial_number: "SN-100",
    name: "Pump in basement",
    translations: {},
    product_id: PRODUCT_ID,
    owner_customer_id: CUSTOMER_ID,
    initial_order_customer_id: null,
    org_unit_id: null,
    org_unit: null,
    startup_date: "2026-01-15",
    delivery_date: null,
    installation_address: { street: "Storgatan 1", postal_code: "111 22", city: "Stockholm", country: "SE", latitude: null, longitude: null },
    status: "active",
    pinned_service_type_id: null,
    attributes: {},
    version: 7,
    action_code: null,
    service_types: [{ id: "55555555-5555-4555-8555-555555555555", name: "Annual inspection" }],
    pending_campaigns: [
      { campaign_id: "66666666-6666-4666-8666-666666666666", case_id: "77777777-7777-4777-8777-777777777777", code: "RECALL-7", name: "Valve recall" },
    ],
    ...overrides,
  };
}

export function job(overrides: Partial<ImportJob> = {}): ImportJob {
  return {
    id: JOB_ID,
    kind: "customers",
    format: "csv",
    source: "upload",
    state: "running",
    file_name: "customers.csv",
    requested_by: "eva",
    size_bytes: 200,
    bytes_done: 50,
    lines_done: 2,
    created: 1,
    updated: 0,
    unchanged: 0,
    failed: 0,
    error: null,
    created_at: "2026-11-30T10:00:00Z",
    started_at: "2026-11-30T10:00:01Z",
    finished_at: null,
    ...overrides,
  };
}

export const emptyPage = { items: [], next_cursor: null };
