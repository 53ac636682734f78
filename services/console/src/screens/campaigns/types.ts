// The API's shapes this screen reads and writes (generated from the public OpenAPI).
import type { components } from "../../api/schema";

type Schemas = components["schemas"];
export type Campaign = Schemas["CampaignOut"];
export type CampaignDetail = Schemas["CampaignDetailOut"];
export type CampaignCounts = Schemas["CampaignCounts"];
export type CampaignIn = Schemas["CampaignIn"];
export type CampaignPatch = Schemas["CampaignPatch"];
export type CampaignState = Schemas["CampaignState"];
export type SerialIn = Schemas["SerialIn"];
export type SerialLine = Schemas["SerialLineOut"];
export type SerialsSummary = Schemas["SerialsSummary"];
export type Validation = Schemas["ValidationOut"];
export type ReleaseOut = Schemas["ReleaseOut"];
export type Progress = Schemas["ProgressOut"];
export type OrgUnitProgress = Schemas["OrgUnitProgress"];
export type CaseTemplate = Schemas["campaigns.TemplateOut"];
export type CaseType = Schemas["CaseType"];
export type Case = Schemas["CaseOut"];
export type CaseOutcome = Schemas["CaseOutcome"];
