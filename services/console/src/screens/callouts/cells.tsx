import type { ReactNode } from "react";
import { Link } from "react-router-dom";

import { formatDay, formatInstant } from "./format";
import { StateBadge } from "./StateBadge";
import type { Callout } from "./types";

/** How a list column shows a callout, by the API's column key. */
export function cell(key: string, row: Callout, language: string, linkItem: boolean): ReactNode {
  switch (key) {
    case "state":
      return <StateBadge state={row.state} />;
    case "scheduled_for":
      return formatDay(row.scheduled_for, language);
    case "approved_at":
    case "completed_at":
    case "created_at":
      return formatInstant(row[key], language);
    case "serial_number":
      return linkItem && row.serial_number ? (
        <Link to={`/callouts/serial-items/${row.serial_item_id}`}>{row.serial_number}</Link>
      ) : (
        row.serial_number
      );
    case "service_order_number":
      return row.service_order_number
        ? `${row.service_order_number}${row.service_order_stage ? ` (${row.service_order_stage})` : ""}`
        : "";
    default: {
      const value = (row as unknown as Record<string, unknown>)[key];
      return value === null || value === undefined ? "" : String(value);
    }
  }
}
