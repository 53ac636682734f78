import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router-dom";

import { api, etagOf } from "../../../api/client";
import { SelectField, TextAreaField, TextField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useLoad } from "../../../hooks/useLoad";
import { allOrgUnits, allProducts, allServiceTypes } from "../api";
import { NS } from "../messages";
import { paths } from "../paths";
import { byListField, emptySerialItemForm, serialItemCreateBody, serialItemPatchBody, type SerialItemForm, serialItemToForm } from "../rules";
import { ChangeError, useCanChange } from "../shared";
import { ITEM_STATUSES, type SerialItem, type SerialItemStatus } from "../types";
import { CustomerPicker } from "./CustomerPicker";

const ADDRESS = "installation_address";
const FIELDS = [
  "serial_number",
  "product_id",
  "owner_customer_id",
  "name",
  "org_unit_id",
  "action_code",
  "status",
  "startup_date",
  "delivery_date",
  "pinned_service_type_id",
  "attributes",
  ADDRESS,
  ...["street", "postal_code", "city", "country", "latitude", "longitude"].map((f) => `${ADDRESS}.${f}`),
];

/** Registers a serial item (no id in the route) or changes one, based on its version. */
export function SerialItemEdit() {
  const { t } = useTranslation(NS);
  const { itemId } = useParams();
  const canChange = useCanChange();
  const loaded = useLoad(async () => {
    if (!itemId) return undefined;
    const { data, response } = await api.GET("/api/serial-items/{serial_item_id}", {
      params: { path: { serial_item_id: itemId } },
    });
    return data ? { item: data, etag: etagOf(response) } : undefined;
  }, [itemId]);

  if (!canChange) return <p role="alert">{t("common:error.forbidden")}</p>;
  if (loaded.error) return <ProblemAlert error={loaded.error} onRetry={loaded.reload} />;
  if (itemId && !loaded.data) return <p className="muted">{t("common:state.loading")}</p>;
  // A new version read (after "reload") starts the form again from it.
  return <SerialItemFormView key={loaded.data?.etag ?? "new"} editing={loaded.data} onReload={loaded.reload} />;
}

function SerialItemFormView({ editing, onReload }: { editing: { item: SerialItem; etag: string } | undefined; onReload: () => void }) {
  const { t } = useTranslation(NS);
  const navigate = useNavigate();
  const [form, setForm] = useState<SerialItemForm>(() => (editing ? serialItemToForm(editing.item) : emptySerialItemForm()));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const products = useLoad(allProducts, []);
  const units = useLoad(allOrgUnits, []);
  const types = useLoad(allServiceTypes, []);
  const set = <K extends keyof SerialItemForm>(key: K, value: SerialItemForm[K]) => setForm({ ...form, [key]: value });
  const text = (key: keyof SerialItemForm, label: string, apiName: string = key, extra: { type?: string; hint?: string; required?: boolean } = {}) => (
    <TextField
      label={label}
      name={apiName}
      error={error}
      value={form[key]}
      onChange={(e) => set(key, e.target.value)}
      {...extra}
    />
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      if (editing) {
        await api.PATCH("/api/serial-items/{serial_item_id}", {
          params: { path: { serial_item_id: editing.item.id } },
          headers: { "If-Match": editing.etag },
          body: serialItemPatchBody(form),
        });
        navigate(paths.serialItem(editing.item.id));
      } else {
        const { data } = await api.POST("/api/serial-items", { body: serialItemCreateBody(form) });
        navigate(data ? paths.serialItem(data.id) : paths.serialItems);
      }
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="ib-item-form-title">
      <h2 id="ib-item-form-title">
        {editing ? t("item.editTitle", { serial: editing.item.serial_number }) : t("item.createTitle")}
      </h2>
      <ChangeError
        error={error}
        claimedFields={FIELDS}
        onReload={onReload}
      />
      <div className="form-grid">
        <TextField
          label={t("item.serial")}
          name="serial_number"
          error={error}
          required
          disabled={!!editing}
          value={form.serial_number}
          onChange={(e) => set("serial_number", e.target.value)}
        />
        <SelectField
          label={t("item.product")}
          name="product_id"
          error={error}
          required
          disabled={!!editing}
          value={form.product_id}
          onChange={(e) => set("product_id", e.target.value)}
          options={[
            { value: "", label: t("product.choose") },
            ...(products.data ?? []).map((p) => ({ value: p.id, label: `${p.product_number} ${p.name}` })),
          ]}
        />
        {text("name", t("item.name"))}
        <SelectField
          label={t("item.orgUnit")}
          name="org_unit_id"
          error={error}
          value={form.org_unit_id}
          onChange={(e) => set("org_unit_id", e.target.value)}
          options={[
            { value: "", label: t("customer.orgUnitNone") },
            ...(units.data ?? []).map((u) => ({ value: u.id, label: `${u.code} ${u.name}` })),
          ]}
        />
        <SelectField
          label={t("item.status")}
          name="status"
          error={error}
          value={form.status}
          onChange={(e) => set("status", e.target.value as SerialItemStatus)}
          options={ITEM_STATUSES.map((s) => ({ value: s, label: t(`item.status.${s}`) }))}
        />
        {text("action_code", t("item.actionCode"))}
        {text("startup_date", t("item.startupDate"), "startup_date", { type: "date" })}
        {text("delivery_date", t("item.deliveryDate"), "delivery_date", { type: "date" })}
        <SelectField
          label={t("item.pinned")}
          name="pinned_service_type_id"
          error={error}
          hint={t("item.pinnedHint")}
          value={form.pinned_service_type_id}
          onChange={(e) => set("pinned_service_type_id", e.target.value)}
          options={[
            { value: "", label: t("customer.orgUnitNone") },
            ...(types.data ?? []).map((s) => ({ value: s.id, label: s.display_name })),
          ]}
        />
        <TextAreaField
          label={t("item.attributes")}
          name="attributes"
          error={byListField(error, ["attributes"])}
          hint={t("item.attributesHint")}
          rows={3}
          value={form.attributes}
          onChange={(e) => set("attributes", e.target.value)}
        />
      </div>
      {editing ? null : (
        <fieldset className="ib-fieldset">
          <legend>{t("item.owner")}</legend>
          <CustomerPicker
            name="owner_customer_id"
            label={t("item.owner")}
            value={form.owner_customer_id}
            onChange={(id) => set("owner_customer_id", id)}
            error={error}
          />
        </fieldset>
      )}
      <fieldset className="ib-fieldset">
        <legend>{t("item.address")}</legend>
        <div className="form-grid">
          {text("street", t("item.street"), `${ADDRESS}.street`)}
          {text("postal_code", t("item.postalCode"), `${ADDRESS}.postal_code`)}
          {text("city", t("item.city"), `${ADDRESS}.city`)}
          {text("country", t("item.country"), `${ADDRESS}.country`, { hint: t("item.countryHint") })}
          {text("latitude", t("item.latitude"), `${ADDRESS}.latitude`)}
          {text("longitude", t("item.longitude"), `${ADDRESS}.longitude`)}
        </div>
      </fieldset>
      <div className="ib-actions">
        <Link className="button" to={editing ? paths.serialItem(editing.item.id) : paths.serialItems}>
          {t("common:action.cancel")}
        </Link>
        <button type="submit" className="primary" disabled={busy}>
          {editing ? t("common:action.save") : t("common:action.create")}
        </button>
      </div>
    </form>
  );
}
