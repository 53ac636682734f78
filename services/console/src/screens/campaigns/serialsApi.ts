// The campaign's serial lines page by page (keyset), all or by validation outcome.
import { api } from "../../api/client";
import type { KeysetPage } from "../../hooks/useKeysetList";
import type { SerialLine } from "./types";

export const LINES_PAGE = 100;

export async function serialLines(
  campaignId: string,
  failing: boolean | undefined,
  cursor: string | undefined,
): Promise<KeysetPage<SerialLine>> {
  const { data } = await api.GET("/api/campaigns/{campaign_id}/serials", {
    params: { path: { campaign_id: campaignId }, query: { failing, cursor, limit: LINES_PAGE } },
  });
  return data ?? { items: [], next_cursor: null };
}
