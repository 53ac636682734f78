// The API's shapes this screen works with (generated from the public OpenAPI).
import type { components } from "../../api/schema";

type Schemas = components["schemas"];
export type Callout = Schemas["CalloutOut"];
export type CalloutState = Schemas["CalloutState"];
export type ActionName = Schemas["ActionName"];
export type ColumnMeta = Schemas["ColumnOut"];
export type SelectionResult = Schemas["SelectionResult"];
export type RowResult = Schemas["RowResult"];
export type CalloutMessages = Schemas["scheduling.MessageOut"];
export type SentMessage = Schemas["notifications.MessageOut"];
export type CalloutSettings = Schemas["SettingsOut"];
export type CalloutError = Schemas["ErrorOut"];
export type HistoryEntry = Schemas["ActionOut"];
export type Recalculation = Schemas["RecalculationOut"];
export type ServiceType = Schemas["ServiceTypeOut"];
export type OrgUnit = Schemas["OrgUnitOut"];
export type Customer = Schemas["CustomerOut"];
export type CommunicationMethod = Schemas["CommunicationMethod"];
export type SerialItem = Schemas["SerialItemView"];

/** Every state, in the order the seed explains them. */
export const STATES: readonly CalloutState[] = [
  "awaiting_approval",
  "approved",
  "sent",
  "completed",
  "cancelled",
  "failed",
  "failed_at_completion",
  "blocked_by_allowed_methods",
  "sms_setup_missing",
  "email_settings_missing",
  "preferred_communication_not_possible",
  "nothing_to_send",
];
