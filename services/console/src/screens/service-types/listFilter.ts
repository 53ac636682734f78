import type { ApprovalMethod, ServiceTypeOut } from "./draft";

export interface ListFilter {
  /** Matched, ignoring case, against the display name, its translations and the system name. */
  text: string;
  enabled: "any" | "yes" | "no";
  approval: "any" | ApprovalMethod;
}

export function filterServiceTypes(types: readonly ServiceTypeOut[], filter: ListFilter): ServiceTypeOut[] {
  const needle = filter.text.trim().toLocaleLowerCase();
  return types.filter((type) => {
    if (filter.enabled !== "any" && type.enabled !== (filter.enabled === "yes")) return false;
    if (filter.approval !== "any" && type.approval_method !== filter.approval) return false;
    if (!needle) return true;
    const names = [type.display_name, type.system_name, ...Object.values(type.display_name_translations ?? {})];
    return names.some((name) => name.toLocaleLowerCase().includes(needle));
  });
}
