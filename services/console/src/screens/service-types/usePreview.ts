// The live preview: the dates a step will produce, asked of the API a moment (300 ms)
// after the last change, so typing does not send a request per key.
import { useEffect, useRef, useState } from "react";

import { api } from "../../api/client";
import type { components } from "../../api/schema";

import type { ServiceTypeIn } from "./draft";

export type PreviewOut = components["schemas"]["PreviewOut"];

/** A draft's dates (POST /preview) or a saved version's (GET /{id}/preview). */
export type PreviewRequest =
  | { kind: "draft"; serviceType: ServiceTypeIn; startupDate: string }
  | { kind: "saved"; id: string; startupDate: string };

export interface PreviewState {
  /** The answer to the latest request that succeeded, while no newer one failed. */
  data: PreviewOut | undefined;
  error: unknown;
  /** A request is waiting for its delay or its answer. */
  pending: boolean;
}

export const PREVIEW_DELAY_MS = 300;

async function fetchPreview(request: PreviewRequest): Promise<PreviewOut> {
  if (request.kind === "saved") {
    const { data } = await api.GET("/api/service-types/{service_type_id}/preview", {
      params: {
        path: { service_type_id: request.id },
        query: request.startupDate ? { startup_date: request.startupDate } : {},
      },
    });
    return data as PreviewOut;
  }
  const { data } = await api.POST("/api/service-types/preview", {
    body: { service_type: request.serviceType, startup_date: request.startupDate || null },
  });
  return data as PreviewOut;
}

export function usePreview(request: PreviewRequest | null, delayMs = PREVIEW_DELAY_MS): PreviewState {
  const [state, setState] = useState<PreviewState>({ data: undefined, error: undefined, pending: request !== null });
  const latest = useRef(0);
  // The request's content, not its identity: a re-render with the same draft asks nothing.
  const key = request === null ? "" : JSON.stringify(request);

  useEffect(() => {
    if (request === null) return undefined;
    const call = ++latest.current;
    setState((previous) => ({ ...previous, pending: true }));
    const timer = setTimeout(() => {
      fetchPreview(request).then(
        (data) => call === latest.current && setState({ data, error: undefined, pending: false }),
        (error: unknown) => call === latest.current && setState({ data: undefined, error, pending: false }),
      );
    }, delayMs);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, delayMs]);

  return state;
}
