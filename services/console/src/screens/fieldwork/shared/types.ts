// The field work API's shapes the desk screens use, by the names the public OpenAPI gives.
import type { components } from "../../../api/schema";

type Schemas = components["schemas"];
export type Stage = Schemas["Stage"];
export type Priority = Schemas["Priority"];
export type TechnicianStatus = Schemas["TechnicianStatus"];
export type OrderCard = Schemas["OrderCard"];
export type Board = Schemas["Board"];
export type BoardColumn = Schemas["BoardColumn"];
export type OrderView = Schemas["OrderView"];
export type OrderDraft = Schemas["OrderDraft"];
export type OrderChange = Schemas["OrderChange"];
export type BookingIn = Schemas["BookingIn"];
export type BookingChange = Schemas["BookingChange"];
export type BookingOut = Schemas["BookingOut"];
export type HistoryEntry = Schemas["HistoryEntry"];
export type SentLogEntry = Schemas["fieldwork.SentLogEntry"];
export type ConfirmationOut = Schemas["ConfirmationOut"];
export type PlanningDay = Schemas["PlanningDay"];
export type PlanningWeek = Schemas["PlanningWeek"];
export type TechnicianPlan = Schemas["TechnicianPlan"];
export type TechnicianDay = Schemas["TechnicianDay"];
export type PlannedBooking = Schemas["PlannedBooking"];
export type Gap = Schemas["Gap"];
export type DayMap = Schemas["DayMap"];
export type Technician = Schemas["TechnicianOut"];
export type OrderKind = Schemas["OrderKindOut"];
export type Vehicle = Schemas["VehicleOut"];
export type OrgUnit = Schemas["OrgUnitOut"];
export type Customer = Schemas["CustomerOut"];
export type SerialItem = Schemas["SerialItemView"];

export const STAGES: readonly Stage[] = ["new", "planned", "completed", "cancelled"];
export const PRIORITIES: readonly Priority[] = ["urgent", "high", "normal", "low"];
/** The status actions of an order (POST /service-orders/{id}/actions/{action}). */
export const ACTIONS = ["depart", "arrive", "start_work", "break", "resume", "customer_absent", "complete", "cancel"] as const;
export type OrderAction = (typeof ACTIONS)[number];
