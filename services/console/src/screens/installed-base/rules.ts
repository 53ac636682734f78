// Pure rules of the installed-base screens: form values to API bodies, list fields,
// import jobs' progress and which error means "someone else changed it".
import { asProblem, ProblemError } from "../../api/problem";
import type {
  AddressIn,
  CommunicationMethod,
  Contact,
  ContactIn,
  Customer,
  CustomerIn,
  CustomerKind,
  ImportJob,
  ImportPath,
  SerialItem,
  SerialItemIn,
  SerialItemPatch,
  SerialItemStatus,
} from "./types";

/** A list typed one per line (or separated by commas/semicolons), blanks dropped. */
export function splitList(text: string): string[] {
  return text
    .split(/[\n;,]/)
    .map((part) => part.trim())
    .filter(Boolean);
}

export function joinList(values: readonly string[]): string {
  return values.join("\n");
}

/** Empty text is "no value" (null) for the API's optional fields. */
export function orNull(text: string): string | null {
  const trimmed = text.trim();
  return trimmed === "" ? null : trimmed;
}

/** An API error whose list-item fields (`emails.0`, `allowed_methods.1`) are named by their
 * list, so the message appears under that list's input. */
export function byListField(error: unknown, lists: readonly string[]): unknown {
  if (!error) return error;
  const problem = asProblem(error);
  const rename = (field: string) => {
    const bare = field.replace(/^body\./, "");
    const list = lists.find((name) => bare.startsWith(`${name}.`));
    return list ?? field;
  };
  const errors = problem.errors.map((e) => ({ ...e, field: rename(e.field) }));
  return new ProblemError(
    problem.status,
    { ...problem.body, title: problem.title, detail: problem.detail, errors },
    problem.requestId,
  );
}

/** 412 (the version we based the change on is stale) or a 409 that names no field:
 * someone else changed the record; the user must reload before changing it again. */
export function isConcurrentChange(error: unknown): boolean {
  if (!error) return false;
  const problem = asProblem(error);
  if (problem.status === 412) return true;
  return problem.status === 409 && problem.errors.length === 0;
}

// --- customers -----------------------------------------------------------------------

export interface CustomerForm {
  customer_number: string;
  name: string;
  kind: CustomerKind;
  emails: string;
  mobiles: string;
  allowed_methods: CommunicationMethod[];
  preferred_method: CommunicationMethod | "";
  language: string;
  time_zone: string;
  org_unit_id: string;
}

export function emptyCustomerForm(): CustomerForm {
  return {
    customer_number: "",
    name: "",
    kind: "company",
    emails: "",
    mobiles: "",
    allowed_methods: [],
    preferred_method: "",
    language: "en",
    time_zone: "",
    org_unit_id: "",
  };
}

export function customerToForm(customer: Customer): CustomerForm {
  return {
    customer_number: customer.customer_number,
    name: customer.name,
    kind: customer.kind,
    emails: joinList(customer.emails),
    mobiles: joinList(customer.mobiles),
    allowed_methods: [...customer.allowed_methods],
    preferred_method: customer.preferred_method ?? "",
    language: customer.language,
    time_zone: customer.time_zone ?? "",
    org_unit_id: customer.org_unit_id ?? "",
  };
}

/** The body of POST /api/customers. */
export function customerCreateBody(form: CustomerForm): CustomerIn {
  return { customer_number: form.customer_number.trim(), ...customerFields(form) };
}

/** The body of PATCH /api/customers/{id}: every field of the form but the number. */
export function customerFields(form: CustomerForm): Omit<CustomerIn, "customer_number"> {
  return {
    name: form.name.trim(),
    kind: form.kind,
    emails: splitList(form.emails),
    mobiles: splitList(form.mobiles),
    allowed_methods: form.allowed_methods,
    preferred_method: form.preferred_method === "" ? null : form.preferred_method,
    language: form.language.trim(),
    time_zone: orNull(form.time_zone),
    org_unit_id: orNull(form.org_unit_id),
  };
}

export interface ContactForm {
  name: string;
  role: string;
  email: string;
  mobile: string;
  send_service_protocol: boolean;
  send_work_order: boolean;
  receive_booking_confirmations: boolean;
}

export function contactToForm(contact?: Contact): ContactForm {
  return {
    name: contact?.name ?? "",
    role: contact?.role ?? "",
    email: contact?.email ?? "",
    mobile: contact?.mobile ?? "",
    send_service_protocol: contact?.send_service_protocol ?? false,
    send_work_order: contact?.send_work_order ?? false,
    receive_booking_confirmations: contact?.receive_booking_confirmations ?? false,
  };
}

export function contactBody(form: ContactForm): ContactIn {
  return {
    name: form.name.trim(),
    role: orNull(form.role),
    email: orNull(form.email),
    mobile: orNull(form.mobile),
    send_service_protocol: form.send_service_protocol,
    send_work_order: form.send_work_order,
    receive_booking_confirmations: form.receive_booking_confirmations,
  };
}

// --- serial items --------------------------------------------------------------------

/** Free attributes typed one "key = value" a line. */
export function parseAttributes(text: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const at = line.indexOf("=");
    const key = (at < 0 ? line : line.slice(0, at)).trim();
    if (key) attributes[key] = at < 0 ? "" : line.slice(at + 1).trim();
  }
  return attributes;
}

export function formatAttributes(attributes: Record<string, string>): string {
  return Object.entries(attributes)
    .map(([key, value]) => `${key} = ${value}`)
    .join("\n");
}

export interface SerialItemForm {
  serial_number: string;
  product_id: string;
  owner_customer_id: string;
  name: string;
  org_unit_id: string;
  action_code: string;
  status: SerialItemStatus;
  startup_date: string;
  delivery_date: string;
  street: string;
  postal_code: string;
  city: string;
  country: string;
  latitude: string;
  longitude: string;
  pinned_service_type_id: string;
  attributes: string;
}

export function emptySerialItemForm(): SerialItemForm {
  return {
    serial_number: "",
    product_id: "",
    owner_customer_id: "",
    name: "",
    org_unit_id: "",
    action_code: "",
    status: "active",
    startup_date: "",
    delivery_date: "",
    street: "",
    postal_code: "",
    city: "",
    country: "",
    latitude: "",
    longitude: "",
    pinned_service_type_id: "",
    attributes: "",
  };
}

export function serialItemToForm(item: SerialItem): SerialItemForm {
  const address = item.installation_address;
  return {
    serial_number: item.serial_number,
    product_id: item.product_id,
    owner_customer_id: item.owner_customer_id,
    name: item.name,
    org_unit_id: item.org_unit_id ?? "",
    action_code: item.action_code ?? "",
    status: item.status,
    startup_date: item.startup_date ?? "",
    delivery_date: item.delivery_date ?? "",
    street: address?.street ?? "",
    postal_code: address?.postal_code ?? "",
    city: address?.city ?? "",
    country: address?.country ?? "",
    latitude: address?.latitude == null ? "" : String(address.latitude),
    longitude: address?.longitude == null ? "" : String(address.longitude),
    pinned_service_type_id: item.pinned_service_type_id ?? "",
    attributes: formatAttributes(item.attributes),
  };
}

function coordinate(text: string): number | null {
  const trimmed = text.trim().replace(",", ".");
  if (trimmed === "") return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}

/** The installation address, or null when none of its fields is filled in. */
export function addressOf(form: SerialItemForm): AddressIn | null {
  const parts = [form.street, form.postal_code, form.city, form.country, form.latitude, form.longitude];
  if (parts.every((part) => part.trim() === "")) return null;
  return {
    street: form.street.trim(),
    postal_code: form.postal_code.trim(),
    city: form.city.trim(),
    country: form.country.trim().toUpperCase(),
    latitude: coordinate(form.latitude),
    longitude: coordinate(form.longitude),
  };
}

/** The fields both the creation and a change send. */
function serialItemCommon(form: SerialItemForm) {
  return {
    name: orNull(form.name),
    org_unit_id: orNull(form.org_unit_id),
    action_code: orNull(form.action_code),
    status: form.status,
    startup_date: orNull(form.startup_date),
    delivery_date: orNull(form.delivery_date),
    installation_address: addressOf(form),
    pinned_service_type_id: orNull(form.pinned_service_type_id),
    attributes: parseAttributes(form.attributes),
  };
}

export function serialItemCreateBody(form: SerialItemForm): SerialItemIn {
  return {
    serial_number: form.serial_number.trim(),
    product_id: form.product_id,
    owner_customer_id: form.owner_customer_id,
    ...serialItemCommon(form),
  };
}

/** PATCH: the item's number, product and owner are not changed here (the owner has its
 * own action). */
export function serialItemPatchBody(form: SerialItemForm): SerialItemPatch {
  const { installation_address, ...rest } = serialItemCommon(form);
  return { ...rest, installation_address: installation_address ? { ...installation_address } : null };
}

// --- imports -------------------------------------------------------------------------

/** The CSV columns catalog's import takes (catalog/importing.py), the key ones first. */
export const IMPORT_COLUMNS: Record<ImportPath, { required: string[]; optional: string[] }> = {
  customers: {
    required: ["customer_number"],
    optional: [
      "name",
      "kind",
      "emails",
      "mobiles",
      "allowed_methods",
      "preferred_method",
      "language",
      "time_zone",
      "org_unit_code",
    ],
  },
  "serial-items": {
    required: ["product_number", "serial_number"],
    optional: [
      "name",
      "owner_customer_number",
      "initial_order_customer_number",
      "org_unit_code",
      "startup_date",
      "delivery_date",
      "status",
      "pinned_service_type_id",
      "action_code",
      "street",
      "postal_code",
      "city",
      "country",
      "latitude",
      "longitude",
      "name.<locale>",
      "attr.<key>",
    ],
  },
};

export function isFinished(job: Pick<ImportJob, "state">): boolean {
  return job.state === "completed" || job.state === "failed";
}

/** How far the job is, 0–100, or undefined while its size is not known yet. */
export function progressPercent(job: Pick<ImportJob, "state" | "size_bytes" | "bytes_done">): number | undefined {
  if (job.state === "completed") return 100;
  if (!job.size_bytes) return job.state === "failed" ? 0 : undefined;
  return Math.min(100, Math.round((job.bytes_done / job.size_bytes) * 100));
}

/** The format the server reads the file in, by its name (JSON Lines or CSV). */
export function fileFormat(fileName: string): "csv" | "jsonl" {
  return /\.jsonl?$/i.test(fileName) ? "jsonl" : "csv";
}
