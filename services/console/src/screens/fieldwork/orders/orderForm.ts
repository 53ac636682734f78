// The order form's values, read from an order and turned into the API's bodies.
import type { PickedCustomer } from "../shared/CustomerPicker";
import type { OrderChange, OrderDraft, OrderView, Priority } from "../shared/types";

export interface OrderFormValues {
  customer: PickedCustomer | null;
  contact_id: string;
  where: "item" | "address";
  serial_item_id: string;
  street: string;
  postal_code: string;
  city: string;
  country: string;
  latitude: string;
  longitude: string;
  kind_id: string;
  priority: Priority;
  technician_id: string;
  vehicle_id: string;
  description: string;
  customer_order_number: string;
  facility_name: string;
}

export const EMPTY_ORDER: OrderFormValues = {
  customer: null,
  contact_id: "",
  where: "item",
  serial_item_id: "",
  street: "",
  postal_code: "",
  city: "",
  country: "",
  latitude: "",
  longitude: "",
  kind_id: "",
  priority: "normal",
  technician_id: "",
  vehicle_id: "",
  description: "",
  customer_order_number: "",
  facility_name: "",
};

export function valuesOf(order: OrderView): OrderFormValues {
  const address = order.serial_item_id ? null : order.location;
  return {
    customer: order.customer_id ? { id: order.customer_id, name: order.customer_name ?? order.customer_id } : null,
    contact_id: order.contact_id ?? "",
    where: order.serial_item_id || !address ? "item" : "address",
    serial_item_id: order.serial_item_id ?? "",
    street: address?.street ?? "",
    postal_code: address?.postal_code ?? "",
    city: address?.city ?? "",
    country: address?.country ?? "",
    latitude: address?.latitude?.toString() ?? "",
    longitude: address?.longitude?.toString() ?? "",
    kind_id: order.kind_id ?? "",
    priority: order.priority,
    technician_id: order.technician_id ?? "",
    vehicle_id: order.vehicle_id ?? "",
    description: order.description,
    customer_order_number: order.customer_order_number ?? "",
    facility_name: order.facility_name ?? "",
  };
}

const orNull = (text: string) => (text.trim() === "" ? null : text.trim());
const numberOrNull = (text: string) => (text.trim() === "" ? null : Number(text.replace(",", ".")));

/** The fields as the API names them (a free address only when "address" is chosen). */
function fields(values: OrderFormValues) {
  const atAddress = values.where === "address";
  return {
    customer_id: values.customer?.id ?? null,
    contact_id: orNull(values.contact_id),
    serial_item_id: atAddress ? null : orNull(values.serial_item_id),
    location: atAddress
      ? {
          street: values.street.trim(),
          postal_code: values.postal_code.trim(),
          city: values.city.trim(),
          country: values.country.trim(),
          latitude: numberOrNull(values.latitude),
          longitude: numberOrNull(values.longitude),
        }
      : null,
    kind_id: orNull(values.kind_id),
    priority: values.priority,
    technician_id: orNull(values.technician_id),
    vehicle_id: orNull(values.vehicle_id),
    description: values.description,
    customer_order_number: orNull(values.customer_order_number),
    facility_name: orNull(values.facility_name),
  };
}

export function draftOf(values: OrderFormValues): OrderDraft {
  const all = fields(values);
  return { ...all, customer_id: all.customer_id ?? "", trip_type: "field_trip" };
}

/** Only what changed since the order was read (a PATCH changes the fields it names). */
export function changeOf(before: OrderFormValues, after: OrderFormValues): OrderChange {
  const old = fields(before);
  const now = fields(after);
  const change: Record<string, unknown> = {};
  for (const key of Object.keys(now) as (keyof typeof now)[]) {
    if (JSON.stringify(old[key]) !== JSON.stringify(now[key])) change[key] = now[key];
  }
  return change as OrderChange;
}
