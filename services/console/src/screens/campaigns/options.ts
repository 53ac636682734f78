// What the campaign form chooses from: active service-campaign templates and open parent
// cases (one page of up to 500 each, in name / number order).
import { api } from "../../api/client";
import type { Case, CaseTemplate } from "./types";

export async function campaignTemplates(): Promise<CaseTemplate[]> {
  const { data } = await api.GET("/api/case-templates", {
    params: { query: { case_type: "service_campaign", active: true, limit: 500 } },
  });
  return data?.items ?? [];
}

export async function parentCases(): Promise<Case[]> {
  const { data } = await api.GET("/api/cases", {
    params: { query: { basic_type: "parent", status: "open", limit: 500 } },
  });
  return data?.items ?? [];
}
