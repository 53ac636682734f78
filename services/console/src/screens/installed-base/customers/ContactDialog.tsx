import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import { Dialog } from "../../../components/Dialog";
import { CheckboxField, TextField } from "../../../components/Field";
import { NS } from "../messages";
import { type ContactForm, contactBody, contactToForm } from "../rules";
import { ChangeError } from "../shared";
import type { Contact } from "../types";

const FIELDS = ["name", "role", "email", "mobile", "send_service_protocol", "send_work_order", "receive_booking_confirmations"];

/** Adds a contact to a customer, or changes one (based on the customer's version). */
export function ContactDialog({
  customerId,
  etag,
  contact,
  onSaved,
  onClose,
  onReload,
}: {
  customerId: string;
  etag: string;
  contact?: Contact;
  onSaved: () => void;
  onClose: () => void;
  onReload: () => void;
}) {
  const { t } = useTranslation(NS);
  const [form, setForm] = useState<ContactForm>(() => contactToForm(contact));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof ContactForm>(key: K, value: ContactForm[K]) => setForm({ ...form, [key]: value });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const headers = etag ? { "If-Match": etag } : undefined;
    try {
      if (contact) {
        await api.PUT("/api/customers/{customer_id}/contacts/{contact_id}", {
          params: { path: { customer_id: customerId, contact_id: contact.id } },
          headers,
          body: contactBody(form),
        });
      } else {
        await api.POST("/api/customers/{customer_id}/contacts", {
          params: { path: { customer_id: customerId } },
          headers,
          body: contactBody(form),
        });
      }
      onSaved();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={contact ? t("contact.editTitle", { name: contact.name }) : t("contact.addTitle")}
      onClose={onClose}
    >
      <form onSubmit={(e) => void submit(e)} noValidate>
        <ChangeError
          error={error}
          claimedFields={FIELDS}
          onReload={() => {
            onClose();
            onReload();
          }}
        />
        <div className="form-grid">
          <TextField label={t("contact.name")} name="name" error={error} required value={form.name} onChange={(e) => set("name", e.target.value)} />
          <TextField label={t("contact.role")} name="role" error={error} value={form.role} onChange={(e) => set("role", e.target.value)} />
          <TextField label={t("contact.email")} name="email" type="email" error={error} value={form.email} onChange={(e) => set("email", e.target.value)} />
          <TextField label={t("contact.mobile")} name="mobile" type="tel" error={error} value={form.mobile} onChange={(e) => set("mobile", e.target.value)} hint={t("comm.mobilesHint")} />
        </div>
        <fieldset className="ib-fieldset">
          <legend>{t("contact.sends")}</legend>
          <div className="ib-checks">
            <CheckboxField label={t("contact.sendServiceProtocol")} name="send_service_protocol" error={error} checked={form.send_service_protocol} onChange={(e) => set("send_service_protocol", e.target.checked)} />
            <CheckboxField label={t("contact.sendWorkOrder")} name="send_work_order" error={error} checked={form.send_work_order} onChange={(e) => set("send_work_order", e.target.checked)} />
            <CheckboxField label={t("contact.receiveBookingConfirmations")} name="receive_booking_confirmations" error={error} checked={form.receive_booking_confirmations} onChange={(e) => set("receive_booking_confirmations", e.target.checked)} />
          </div>
        </fieldset>
        <div className="ib-actions">
          <button type="button" onClick={onClose}>
            {t("common:action.cancel")}
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {t("common:action.save")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
