// The small reference lists the desk's pickers show (technicians, order kinds, vehicles,
// org units): read whole once per screen (up to 500 each, the API's largest page).
import { api } from "../../../api/client";
import { useLoad, type Loaded } from "../../../hooks/useLoad";
import type { OrderKind, OrgUnit, Technician, Vehicle } from "./types";

const ALL = 500;

export async function loadTechnicians(): Promise<Technician[]> {
  const { data } = await api.GET("/api/technicians", { params: { query: { active: true, limit: ALL } } });
  return data?.items ?? [];
}

export async function loadKinds(): Promise<OrderKind[]> {
  const { data } = await api.GET("/api/order-kinds", { params: { query: { active: true, limit: ALL } } });
  return data?.items ?? [];
}

export async function loadVehicles(): Promise<Vehicle[]> {
  const { data } = await api.GET("/api/vehicles", { params: { query: { active: true, limit: ALL } } });
  return data?.items ?? [];
}

export async function loadOrgUnits(): Promise<OrgUnit[]> {
  const { data } = await api.GET("/api/org-units", { params: { query: { limit: ALL } } });
  return data?.items ?? [];
}

export interface Lookups {
  technicians: Technician[];
  kinds: OrderKind[];
  orgUnits: OrgUnit[];
}

/** Technicians, kinds and org units for the desk's filters (a list that fails to load is
 * shown empty: the filter is then simply not offered, the screen still works). */
export function useDeskLookups(): Loaded<Lookups> {
  return useLoad(async () => {
    const [technicians, kinds, orgUnits] = await Promise.all([
      loadTechnicians().catch(() => []),
      loadKinds().catch(() => []),
      loadOrgUnits().catch(() => []),
    ]);
    return { technicians, kinds, orgUnits };
  }, []);
}

export function options<T extends { id: string }>(items: readonly T[], label: (item: T) => string, empty: string) {
  return [{ value: "", label: empty }, ...items.map((item) => ({ value: item.id, label: label(item) }))];
}
