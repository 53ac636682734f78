import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router-dom";

import { api } from "../../../api/client";
import { SelectField, TextAreaField, TextField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useLoad } from "../../../hooks/useLoad";
import { CustomerPicker } from "../shared/CustomerPicker";
import { loadKinds, loadTechnicians, loadVehicles } from "../shared/lookups";
import { NS } from "../shared/messages";
import { readOrder } from "../shared/orderApi";
import { PRIORITIES, type Priority } from "../shared/types";
import { changeOf, draftOf, EMPTY_ORDER, valuesOf, type OrderFormValues } from "./orderForm";

const FIELDS = [
  "customer_id", "contact_id", "serial_item_id", "location", "location.street", "location.postal_code", "location.city",
  "location.country", "location.latitude", "location.longitude", "kind_id", "priority", "technician_id", "vehicle_id",
  "description", "customer_order_number", "facility_name",
];

/** A new order (`POST /api/service-orders`) or an order changed (`PATCH`, If-Match of the
 * version read): operators and admins. */
export function OrderForm() {
  const { orderId } = useParams();
  const editing = orderId !== undefined;
  const { t } = useTranslation(NS);
  const current = useLoad(async () => {
    if (!orderId) return null;
    const { order, etag } = await readOrder(orderId);
    return { values: valuesOf(order), etag, number: order.number };
  }, [orderId]);
  if (editing && current.loading) return <p className="muted">{t("common:state.loading")}</p>;
  if (editing && current.error) return <ProblemAlert error={current.error} onRetry={current.reload} />;
  const start = current.data ?? null;
  return (
    <OrderFormBody
      key={start?.etag ?? "new"}
      orderId={orderId}
      initial={start?.values ?? EMPTY_ORDER}
      etag={start?.etag}
      title={start ? t("orderForm.editTitle", { number: start.number }) : t("orderForm.newTitle")}
    />
  );
}

function OrderFormBody({
  orderId,
  initial,
  etag,
  title,
}: {
  orderId: string | undefined;
  initial: OrderFormValues;
  etag: string | undefined;
  title: string;
}) {
  const { t } = useTranslation(NS);
  const navigate = useNavigate();
  const [values, setValues] = useState<OrderFormValues>(initial);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof OrderFormValues>(key: K, value: OrderFormValues[K]) => setValues((v) => ({ ...v, [key]: value }));

  const lists = useLoad(async () => {
    const [technicians, kinds, vehicles] = await Promise.all([loadTechnicians(), loadKinds(), loadVehicles()]);
    return { technicians, kinds, vehicles };
  }, []);
  const customerId = values.customer?.id;
  const ofCustomer = useLoad(async () => {
    if (!customerId) return { contacts: [], items: [] };
    const [contacts, items] = await Promise.all([
      api.GET("/api/customers/{customer_id}/contacts", { params: { path: { customer_id: customerId } } }),
      api.GET("/api/serial-items", { params: { query: { owner_customer_id: customerId, limit: 200 } } }),
    ]);
    return { contacts: contacts.data ?? [], items: items.data?.items ?? [] };
  }, [customerId]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      if (orderId && etag) {
        const { data } = await api.PATCH("/api/service-orders/{order_id}", {
          params: { path: { order_id: orderId } },
          headers: { "If-Match": etag },
          body: changeOf(initial, values),
        });
        navigate(`/fieldwork/orders/${data?.id ?? orderId}`, { state: { saved: true } });
      } else {
        const { data } = await api.POST("/api/service-orders", { body: draftOf(values) });
        if (data) navigate(`/fieldwork/orders/${data.id}`, { state: { saved: true } });
      }
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const none = t("orderForm.none");
  return (
    <section>
      <h1>{title}</h1>
      <form className="panel" onSubmit={(e) => void submit(e)} aria-label={title} noValidate>
        <ProblemAlert error={error} claimedFields={FIELDS} />
        <ProblemAlert error={lists.error} />
        <div className="form-grid">
          <CustomerPicker
            label={t("order.customer")}
            value={values.customer}
            required
            error={error}
            onChange={(customer) => setValues((v) => ({ ...v, customer, contact_id: "", serial_item_id: "" }))}
          />
          <SelectField
            label={t("order.contact")}
            name="contact_id"
            error={error}
            value={values.contact_id}
            onChange={(e) => set("contact_id", e.target.value)}
            options={[{ value: "", label: none }, ...(ofCustomer.data?.contacts ?? []).map((c) => ({ value: c.id, label: c.email ? `${c.name} <${c.email}>` : c.name }))]}
          />
        </div>
        <fieldset className="fw-fieldset">
          <legend>{t("orderForm.where")}</legend>
          <label className="fw-radio">
            <input type="radio" name="where" checked={values.where === "item"} onChange={() => set("where", "item")} />
            {t("orderForm.atItem")}
          </label>
          <label className="fw-radio">
            <input type="radio" name="where" checked={values.where === "address"} onChange={() => set("where", "address")} />
            {t("orderForm.atAddress")}
          </label>
          {values.where === "item" ? (
            <SelectField
              label={t("order.serialItem")}
              name="serial_item_id"
              error={error}
              value={values.serial_item_id}
              onChange={(e) => set("serial_item_id", e.target.value)}
              options={[{ value: "", label: none }, ...(ofCustomer.data?.items ?? []).map((i) => ({ value: i.id, label: `${i.serial_number} ${i.name}`.trim() }))]}
            />
          ) : (
            <div className="form-grid">
              <TextField label={t("address.street")} name="location.street" error={error} maxLength={200} value={values.street} onChange={(e) => set("street", e.target.value)} />
              <TextField label={t("address.postalCode")} name="location.postal_code" error={error} maxLength={20} value={values.postal_code} onChange={(e) => set("postal_code", e.target.value)} />
              <TextField label={t("address.city")} name="location.city" error={error} maxLength={100} value={values.city} onChange={(e) => set("city", e.target.value)} />
              <TextField label={t("address.country")} name="location.country" error={error} maxLength={100} value={values.country} onChange={(e) => set("country", e.target.value)} />
              <TextField label={t("address.latitude")} name="location.latitude" error={error} inputMode="decimal" value={values.latitude} onChange={(e) => set("latitude", e.target.value)} />
              <TextField label={t("address.longitude")} name="location.longitude" error={error} inputMode="decimal" value={values.longitude} onChange={(e) => set("longitude", e.target.value)} />
            </div>
          )}
        </fieldset>
        <div className="form-grid">
          <SelectField
            label={t("order.kind")}
            name="kind_id"
            error={error}
            value={values.kind_id}
            onChange={(e) => set("kind_id", e.target.value)}
            options={[{ value: "", label: none }, ...(lists.data?.kinds ?? []).map((k) => ({ value: k.id, label: k.name }))]}
          />
          <SelectField
            label={t("order.priority")}
            name="priority"
            error={error}
            value={values.priority}
            onChange={(e) => set("priority", e.target.value as Priority)}
            options={PRIORITIES.map((p) => ({ value: p, label: t(`priority.${p}`) }))}
          />
          <SelectField
            label={t("order.technician")}
            name="technician_id"
            error={error}
            value={values.technician_id}
            onChange={(e) => set("technician_id", e.target.value)}
            options={[{ value: "", label: none }, ...(lists.data?.technicians ?? []).map((x) => ({ value: x.id, label: x.name }))]}
          />
          <SelectField
            label={t("order.vehicle")}
            name="vehicle_id"
            error={error}
            value={values.vehicle_id}
            onChange={(e) => set("vehicle_id", e.target.value)}
            options={[{ value: "", label: none }, ...(lists.data?.vehicles ?? []).map((v) => ({ value: v.id, label: `${v.registration} ${v.name}`.trim() }))]}
          />
          <TextField label={t("order.customerOrderNumber")} name="customer_order_number" error={error} maxLength={100} value={values.customer_order_number} onChange={(e) => set("customer_order_number", e.target.value)} />
          <TextField label={t("order.facility")} name="facility_name" error={error} maxLength={200} value={values.facility_name} onChange={(e) => set("facility_name", e.target.value)} />
        </div>
        <TextAreaField label={t("order.description")} name="description" error={error} maxLength={4000} rows={4} value={values.description} onChange={(e) => set("description", e.target.value)} />
        <div className="toolbar">
          <button type="submit" className="primary" disabled={busy}>
            {t("common:action.save")}
          </button>
          <Link className="button" to={orderId ? `/fieldwork/orders/${orderId}` : "/fieldwork/board"}>
            {t("common:action.cancel")}
          </Link>
        </div>
      </form>
    </section>
  );
}
