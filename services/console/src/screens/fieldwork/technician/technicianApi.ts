// The calls the phone view makes, over the typed client (and one raw upload: the photo
// goes as its own bytes, not JSON). Every change sends the version it was made from.
import { api, CONSOLE_HEADERS, etagOf } from "../../../api/client";
import { ProblemError, type ProblemBody } from "../../../api/problem";
import type { components } from "../../../api/schema";
import type { OrderAction } from "./statusRules";
import type { ItemLineIn, WorkLineIn } from "./protocolLines";

export type MyDay = components["schemas"]["MyDay"];
export type MyDayBooking = components["schemas"]["MyDayBooking"];
export type OrderView = components["schemas"]["OrderView"];
export type ProtocolView = components["schemas"]["ProtocolView"];
export type ProtocolChange = components["schemas"]["ProtocolChange"];
export type AttachmentOut = components["schemas"]["AttachmentOut"];
export type AttachmentKind = components["schemas"]["AttachmentKind"];
export type CompletedProtocol = components["schemas"]["CompletedProtocol"];

/** A resource with the ETag the next change must send. */
export interface Versioned<T> {
  value: T;
  etag: string;
}

function required<T>(data: T | undefined): T {
  if (data === undefined) throw new ProblemError(0, { title: "Empty answer" });
  return data;
}

/** The day's bookings; without `date` the server's today in the technician's zone. */
export async function loadMyDay(date: string | undefined): Promise<MyDay> {
  const { data } = await api.GET("/api/my-day", { params: { query: date ? { date } : {} } });
  return required(data);
}

export async function loadOrder(orderId: string): Promise<Versioned<OrderView>> {
  const { data, response } = await api.GET("/api/service-orders/{order_id}", {
    params: { path: { order_id: orderId } },
  });
  return { value: required(data), etag: etagOf(response) };
}

export async function actOnOrder(
  orderId: string,
  action: OrderAction,
  etag: string,
  campaignCaseIdsDone: string[] = [],
): Promise<Versioned<OrderView>> {
  const { data, response } = await api.POST("/api/service-orders/{order_id}/actions/{action}", {
    params: { path: { order_id: orderId, action }, header: { "If-Match": etag } },
    body: action === "complete" ? { campaign_case_ids_done: campaignCaseIdsDone } : null,
  });
  return { value: required(data), etag: etagOf(response) };
}

/** The order's protocol (one per order), or null before one is opened. */
export async function findProtocolId(orderId: string): Promise<string | null> {
  const { data } = await api.GET("/api/protocols", { params: { query: { order_id: orderId, limit: 1 } } });
  return required(data).items[0]?.id ?? null;
}

export async function createProtocol(orderId: string): Promise<Versioned<ProtocolView>> {
  const { data, response } = await api.POST("/api/protocols", { body: { order_id: orderId } });
  return { value: required(data), etag: etagOf(response) };
}

export async function loadProtocol(protocolId: string): Promise<Versioned<ProtocolView>> {
  const { data, response } = await api.GET("/api/protocols/{protocol_id}", {
    params: { path: { protocol_id: protocolId } },
  });
  return { value: required(data), etag: etagOf(response) };
}

export async function changeProtocol(
  protocolId: string,
  etag: string,
  change: ProtocolChange,
): Promise<Versioned<ProtocolView>> {
  const { data, response } = await api.PATCH("/api/protocols/{protocol_id}", {
    params: { path: { protocol_id: protocolId }, header: { "If-Match": etag } },
    body: change,
  });
  return { value: required(data), etag: etagOf(response) };
}

export async function replaceItems(
  protocolId: string,
  etag: string,
  body: { items: ItemLineIn[] },
): Promise<Versioned<ProtocolView>> {
  const { data, response } = await api.PUT("/api/protocols/{protocol_id}/items", {
    params: { path: { protocol_id: protocolId }, header: { "If-Match": etag } },
    body,
  });
  return { value: required(data), etag: etagOf(response) };
}

export async function replaceWorks(
  protocolId: string,
  etag: string,
  body: { works: WorkLineIn[] },
): Promise<Versioned<ProtocolView>> {
  const { data, response } = await api.PUT("/api/protocols/{protocol_id}/works", {
    params: { path: { protocol_id: protocolId }, header: { "If-Match": etag } },
    body,
  });
  return { value: required(data), etag: etagOf(response) };
}

export async function completeProtocol(protocolId: string, etag: string): Promise<Versioned<CompletedProtocol>> {
  const { data, response } = await api.POST("/api/protocols/{protocol_id}/complete", {
    params: { path: { protocol_id: protocolId }, header: { "If-Match": etag } },
  });
  return { value: required(data), etag: etagOf(response) };
}

export async function deleteAttachment(protocolId: string, attachmentId: string): Promise<void> {
  await api.DELETE("/api/protocols/{protocol_id}/attachments/{attachment_id}", {
    params: { path: { protocol_id: protocolId, attachment_id: attachmentId } },
  });
}

/** The address of an attachment's bytes (thumbnails; the session cookie goes along). */
export function attachmentUrl(protocolId: string, attachmentId: string): string {
  return `/api/protocols/${encodeURIComponent(protocolId)}/attachments/${encodeURIComponent(attachmentId)}`;
}

export function protocolPdfUrl(protocolId: string): string {
  return `/api/protocols/${encodeURIComponent(protocolId)}/pdf`;
}

/** A photo's media type as the API accepts it (some phones say image/jpg). */
export function uploadType(file: Blob): string {
  return file.type === "image/jpg" ? "image/jpeg" : file.type || "application/octet-stream";
}

/** A file's bytes (FileReader: every browser has it, and so has the test DOM). */
export function bytesOf(file: Blob): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as ArrayBuffer);
    reader.onerror = () => reject(reader.error ?? new Error("the file could not be read"));
    reader.readAsArrayBuffer(file);
  });
}

/** Uploads one file as its raw bytes (the API's format, not multipart); its name goes as
 * `file_name` (the gateway forwards no Content-Disposition). No If-Match: uploads from
 * one phone must not refuse each other. */
export async function uploadAttachment(
  protocolId: string,
  file: File,
  kind: AttachmentKind,
): Promise<AttachmentOut> {
  const query = new URLSearchParams({ kind, file_name: file.name || `${kind}` });
  const url = `${window.location.origin}/api/protocols/${encodeURIComponent(protocolId)}/attachments?${query.toString()}`;
  const response = await globalThis.fetch(
    new Request(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { ...CONSOLE_HEADERS, "Content-Type": uploadType(file) },
      body: await bytesOf(file),
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
  return (await response.json()) as AttachmentOut;
}
