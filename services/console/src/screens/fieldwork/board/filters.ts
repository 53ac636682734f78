// The board's filters as the form holds them, and as the API's query takes them.
import type { PickedCustomer } from "../shared/CustomerPicker";
import type { Priority } from "../shared/types";

export interface BoardFilterValues {
  org_unit_id: string;
  technician_id: string;
  kind_id: string;
  priority: Priority | "";
  customer: PickedCustomer | null;
  booked_from: string;
  booked_to: string;
  created_from: string;
  created_to: string;
  q: string;
}

export const NO_FILTERS: BoardFilterValues = {
  org_unit_id: "",
  technician_id: "",
  kind_id: "",
  priority: "",
  customer: null,
  booked_from: "",
  booked_to: "",
  created_from: "",
  created_to: "",
  q: "",
};

export interface BoardQuery {
  org_unit_id?: string[];
  technician_id?: string[];
  kind_id?: string[];
  priority?: Priority[];
  customer_id?: string[];
  booked_from?: string;
  booked_to?: string;
  created_from?: string;
  created_to?: string;
  q?: string;
}

/** Only what is set goes into the query (the API reads a missing filter as "any"). */
export function boardQuery(filters: BoardFilterValues): BoardQuery {
  const query: BoardQuery = {};
  if (filters.org_unit_id) query.org_unit_id = [filters.org_unit_id];
  if (filters.technician_id) query.technician_id = [filters.technician_id];
  if (filters.kind_id) query.kind_id = [filters.kind_id];
  if (filters.priority) query.priority = [filters.priority];
  if (filters.customer) query.customer_id = [filters.customer.id];
  if (filters.booked_from) query.booked_from = filters.booked_from;
  if (filters.booked_to) query.booked_to = filters.booked_to;
  if (filters.created_from) query.created_from = filters.created_from;
  if (filters.created_to) query.created_to = filters.created_to;
  if (filters.q.trim()) query.q = filters.q.trim();
  return query;
}
