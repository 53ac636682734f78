// "Update recipient": the customer's contact data as the form edits it, the PATCH body
// catalog takes, and catalog's field errors named the way the form's fields are. Pure.
import { ProblemError } from "../../api/problem";
import { splitList } from "./format";
import type { CommunicationMethod, Customer } from "./types";

export const METHODS: readonly CommunicationMethod[] = ["email", "sms", "letter"];

export interface RecipientDraft {
  emails: string;
  mobiles: string;
  allowedMethods: CommunicationMethod[];
  preferredMethod: CommunicationMethod | "";
}

export function draftOf(customer: Customer): RecipientDraft {
  return {
    emails: customer.emails.join(", "),
    mobiles: customer.mobiles.join(", "),
    allowedMethods: [...customer.allowed_methods],
    preferredMethod: customer.preferred_method ?? "",
  };
}

/** The PATCH /api/customers/{id} body: only the communication fields. */
export function patchOf(draft: RecipientDraft) {
  return {
    emails: splitList(draft.emails),
    mobiles: splitList(draft.mobiles),
    allowed_methods: METHODS.filter((m) => draft.allowedMethods.includes(m)),
    preferred_method: draft.preferredMethod || null,
  };
}

/** Catalog names one address of a list ("emails.1"): the form has one field for the
 * list, so the message goes there. */
export function collapseListFields(error: unknown): unknown {
  if (!(error instanceof ProblemError)) return error;
  const errors = error.errors.map((e) => ({ ...e, field: e.field.replace(/(\.\d+)+$/, "") }));
  return new ProblemError(
    error.status,
    { ...error.body, errors, field: error.field?.replace(/(\.\d+)+$/, "") },
    error.requestId,
  );
}

export const RECIPIENT_FIELDS = ["emails", "mobiles", "allowed_methods", "preferred_method"] as const;
