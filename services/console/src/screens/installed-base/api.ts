// Calls the typed client cannot make as is (a raw file body), and small look-ups the
// screens share (products, org units and customers by id, for names and choices).
import { api, CONSOLE_HEADERS } from "../../api/client";
import { ProblemError, type ProblemBody } from "../../api/problem";
import { fileFormat } from "./rules";
import type { Customer, ImportJob, ImportPath, OrgUnit, Product, ServiceType } from "./types";

/** POST /api/imports/{what} with the file as the body (CSV or JSON Lines): the job. */
export async function uploadImport(what: ImportPath, file: File): Promise<ImportJob> {
  const format = fileFormat(file.name);
  const query = new URLSearchParams({ file_name: file.name, format });
  const response = await globalThis.fetch(
    new Request(`${window.location.origin}/api/imports/${what}?${query.toString()}`, {
      method: "POST",
      credentials: "same-origin",
      headers: { ...CONSOLE_HEADERS, "Content-Type": format === "csv" ? "text/csv" : "application/x-ndjson" },
      body: file,
    }),
  );
  if (!response.ok) {
    let body: ProblemBody = {};
    try {
      body = (await response.json()) as ProblemBody;
    } catch {
      body = { title: response.statusText || `HTTP ${response.status}` };
    }
    throw new ProblemError(response.status, body, response.headers.get("X-Request-Id") ?? undefined);
  }
  return (await response.json()) as ImportJob;
}

/** Every product (for choices and names): the catalog's page of up to 500. */
export async function allProducts(): Promise<Product[]> {
  const { data } = await api.GET("/api/products", { params: { query: { limit: 500 } } });
  return data?.items ?? [];
}

/** Every org unit (for choices and names). */
export async function allOrgUnits(): Promise<OrgUnit[]> {
  const { data } = await api.GET("/api/org-units", { params: { query: { limit: 500 } } });
  return data?.items ?? [];
}

/** Customers whose name contains `name` (a picker's choices). */
export async function customersNamed(name: string): Promise<Customer[]> {
  const { data } = await api.GET("/api/customers", {
    params: { query: { name: name.trim() || undefined, active: true, limit: 20, sort: "name" } },
  });
  return data?.items ?? [];
}

/** Every service type (an item can be pinned to one; the list filters by one). */
export async function allServiceTypes(): Promise<ServiceType[]> {
  const { data } = await api.GET("/api/service-types");
  return data?.items ?? [];
}
