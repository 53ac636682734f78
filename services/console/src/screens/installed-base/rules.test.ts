import { describe, expect, it } from "vitest";

import { ProblemError } from "../../api/problem";
import {
  addressOf,
  byListField,
  contactBody,
  contactToForm,
  customerCreateBody,
  customerFields,
  customerToForm,
  emptyCustomerForm,
  emptySerialItemForm,
  fileFormat,
  formatAttributes,
  parseAttributes,
  isConcurrentChange,
  isFinished,
  progressPercent,
  serialItemCreateBody,
  serialItemPatchBody,
  splitList,
} from "./rules";
import { customer, job } from "./testing";

describe("lists typed in a text area", () => {
  it("splits on lines, commas and semicolons and drops blanks", () => {
    expect(splitList(" a@x.se\n\nb@x.se; c@x.se ,")).toEqual(["a@x.se", "b@x.se", "c@x.se"]);
  });
});

describe("customer bodies", () => {
  it("sends the form as the API's fields, empty optional text as null", () => {
    const form = { ...emptyCustomerForm(), customer_number: " C-9 ", name: " Acme ", emails: "a@x.se\nb@x.se", allowed_methods: ["email" as const, "sms" as const], preferred_method: "sms" as const };
    expect(customerCreateBody(form)).toEqual({
      customer_number: "C-9",
      name: "Acme",
      kind: "company",
      emails: ["a@x.se", "b@x.se"],
      mobiles: [],
      allowed_methods: ["email", "sms"],
      preferred_method: "sms",
      language: "en",
      time_zone: null,
      org_unit_id: null,
    });
  });

  it("round-trips a stored customer without its number", () => {
    const fields = customerFields(customerToForm(customer()));
    expect(fields).not.toHaveProperty("customer_number");
    expect(fields).toMatchObject({ name: "Acme AB", emails: ["info@acme.test"], preferred_method: "email", time_zone: "Europe/Stockholm" });
  });

  it("a contact's empty fields are null, its flags kept", () => {
    expect(contactBody({ ...contactToForm(), name: "Bo", send_work_order: true })).toEqual({
      name: "Bo",
      role: null,
      email: null,
      mobile: null,
      send_service_protocol: false,
      send_work_order: true,
      receive_booking_confirmations: false,
    });
  });
});

describe("serial item bodies", () => {
  it("has no address when none of its fields is filled in", () => {
    expect(addressOf(emptySerialItemForm())).toBeNull();
  });

  it("sends the address with its coordinates as numbers", () => {
    const form = { ...emptySerialItemForm(), street: "Gatan 1", postal_code: "11122", city: "Sthlm", country: "se", latitude: "59,3", longitude: "18.07" };
    expect(addressOf(form)).toEqual({ street: "Gatan 1", postal_code: "11122", city: "Sthlm", country: "SE", latitude: 59.3, longitude: 18.07 });
  });

  it("creates with number, product and owner; a change leaves them out", () => {
    const form = { ...emptySerialItemForm(), serial_number: "SN-1", product_id: "p", owner_customer_id: "c", name: "Pump" };
    expect(serialItemCreateBody(form)).toMatchObject({ serial_number: "SN-1", product_id: "p", owner_customer_id: "c", name: "Pump", installation_address: null });
    const patch = serialItemPatchBody(form);
    expect(patch).not.toHaveProperty("serial_number");
    expect(patch).not.toHaveProperty("owner_customer_id");
    expect(patch).toMatchObject({ name: "Pump", status: "active", startup_date: null });
  });
});

describe("free attributes", () => {
  it("reads one key = value a line and writes them back", () => {
    const attributes = parseAttributes(" colour = red \n\nfloor=2\nnote = a=b");
    expect(attributes).toEqual({ colour: "red", floor: "2", note: "a=b" });
    expect(parseAttributes(formatAttributes(attributes))).toEqual(attributes);
  });
});

describe("errors", () => {
  it("names a list item's error by its list", () => {
    const problem = new ProblemError(422, { errors: [{ field: "emails.1", message: "not an e-mail address" }, { field: "name", message: "too long" }] });
    const shown = byListField(problem, ["emails"]) as ProblemError;
    expect(shown.messageFor("emails")).toBe("not an e-mail address");
    expect(shown.messageFor("name")).toBe("too long");
  });

  it("412 and a 409 naming no field are someone else's change; a taken number is not", () => {
    expect(isConcurrentChange(new ProblemError(412, { title: "Precondition Failed", field: "If-Match" }))).toBe(true);
    expect(isConcurrentChange(new ProblemError(409, { title: "Conflict" }))).toBe(true);
    expect(isConcurrentChange(new ProblemError(409, { title: "Conflict", field: "customer_number", detail: "taken" }))).toBe(false);
    expect(isConcurrentChange(new ProblemError(422, {}))).toBe(false);
  });
});

describe("import jobs", () => {
  it("progress is the share of bytes read, 100 when completed, unknown without a size", () => {
    expect(progressPercent(job({ size_bytes: 200, bytes_done: 50 }))).toBe(25);
    expect(progressPercent(job({ state: "completed", size_bytes: 200, bytes_done: 150 }))).toBe(100);
    expect(progressPercent(job({ state: "uploading", size_bytes: null, bytes_done: 0 }))).toBeUndefined();
  });

  it("is finished when completed or failed", () => {
    expect(isFinished({ state: "running" })).toBe(false);
    expect(isFinished({ state: "completed" })).toBe(true);
    expect(isFinished({ state: "failed" })).toBe(true);
  });

  it("reads the format from the file name", () => {
    expect(fileFormat("items.jsonl")).toBe("jsonl");
    expect(fileFormat("Customers.CSV")).toBe("csv");
  });
});
