import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { useLoad, type Loaded } from "../../../hooks/useLoad";

export type OrgUnit = components["schemas"]["OrgUnitOut"];

const PAGE = 200;
const MAX_PAGES = 25;

/** Every org unit the caller may see (all pages), sorted by code: for pickers. */
export async function loadAllOrgUnits(): Promise<OrgUnit[]> {
  const all: OrgUnit[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const { data } = await api.GET("/api/org-units", { params: { query: { limit: PAGE, cursor } } });
    if (!data) break;
    all.push(...data.items);
    if (!data.next_cursor) break;
    cursor = data.next_cursor;
  }
  return all.sort((a, b) => a.code.localeCompare(b.code));
}

export function useOrgUnits(): Loaded<OrgUnit[]> {
  return useLoad(loadAllOrgUnits, []);
}
