// The catalog's shapes, named once for this screen.
import type { components } from "../../api/schema";

type Schemas = components["schemas"];
export type Customer = Schemas["CustomerOut"];
export type CustomerIn = Schemas["CustomerIn"];
export type CustomerPatch = Schemas["CustomerPatch"];
export type CustomerKind = Schemas["CustomerKind"];
export type CommunicationMethod = Schemas["CommunicationMethod"];
export type Contact = Schemas["catalog.ContactOut"];
export type ContactIn = Schemas["ContactIn"];
export type SerialItem = Schemas["SerialItemView"];
export type SerialItemIn = Schemas["SerialItemIn"];
export type SerialItemPatch = Schemas["SerialItemPatch"];
export type SerialItemStatus = Schemas["SerialItemStatus"];
export type AddressIn = Schemas["catalog.AddressIn"];
export type Product = Schemas["ProductOut"];
export type ProductIn = Schemas["ProductIn"];
export type OrgUnit = Schemas["OrgUnitOut"];
export type ServiceType = Schemas["ServiceTypeOut"];
export type ImportJob = Schemas["ImportJobOut"];
export type ImportError = Schemas["ImportErrorOut"];
export type ImportPath = Schemas["ImportPath"];
export type JobState = Schemas["JobState"];

export const METHODS: readonly CommunicationMethod[] = ["email", "sms", "letter"];
export const KINDS: readonly CustomerKind[] = ["company", "person"];
export const ITEM_STATUSES: readonly SerialItemStatus[] = ["active", "inactive", "scrapped"];
export const JOB_STATES: readonly JobState[] = ["uploading", "queued", "running", "completed", "failed"];
