// Answers of the campaigns API for this screen's component tests.
import type { Case, CampaignDetail, CaseTemplate, SerialLine } from "./types";

export const TEMPLATE: CaseTemplate = {
  id: "11111111-1111-4111-8111-111111111111",
  version: 1,
  name: "Service campaign",
  case_type: "service_campaign",
  required_fields: ["cause_code"],
  active: true,
  created_at: "2026-11-30T10:00:00Z",
  updated_at: "2026-11-30T10:00:00Z",
};

export function aCase(overrides: Partial<Case> = {}): Case {
  return {
    id: "22222222-2222-4222-8222-222222222222",
    version: 1,
    number: "CA-000001",
    basic_type: "customer_nonconformity",
    title: "Burner gasket",
    template_id: TEMPLATE.id,
    parent_id: null,
    campaign_id: null,
    customer_id: null,
    serial_item_id: null,
    serial_number: null,
    org_unit_id: null,
    our_reference: null,
    cause_code: null,
    cause_description: null,
    status: "open",
    created_at: "2026-11-30T10:00:00Z",
    created_by: "dev",
    updated_at: "2026-11-30T10:00:00Z",
    closed_at: null,
    closed_by: null,
    closed_how: null,
    close_reason: null,
    service_order_id: null,
    service_order_number: null,
    ...overrides,
  };
}

export const PARENT = aCase({ id: "33333333-3333-4333-8333-333333333333", number: "CA-000000", basic_type: "parent", title: "Gasket recall" });

export function aCampaign(overrides: Partial<CampaignDetail> = {}): CampaignDetail {
  return {
    id: "44444444-4444-4444-8444-444444444444",
    version: 3,
    code: "GASKET",
    name: "Burner gasket",
    translations: { sv: "Brännarpackning" },
    template_id: TEMPLATE.id,
    parent_case_id: PARENT.id,
    use_customer_from_order: false,
    our_reference: null,
    cause_code: "RC-7",
    cause_description: null,
    state: "draft",
    created_at: "2026-11-30T10:00:00Z",
    created_by: "dev",
    updated_at: "2026-11-30T10:00:00Z",
    released_at: null,
    released_by: null,
    closed_at: null,
    closed_by: null,
    counts: { lines: 2, failing: 0, cases_open: 0, cases_closed: 0 },
    ...overrides,
  };
}

export function aLine(overrides: Partial<SerialLine> = {}): SerialLine {
  return {
    serial_number: "SN-1",
    product_number: "",
    position: 1,
    serial_item_id: null,
    customer_id: null,
    org_unit_id: null,
    problem: null,
    problem_detail: null,
    case_id: null,
    added_at: "2026-11-30T10:00:00Z",
    ...overrides,
  };
}

export function page<T>(items: T[]) {
  return { items, next_cursor: null };
}
