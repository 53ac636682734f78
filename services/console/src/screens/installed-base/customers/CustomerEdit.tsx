import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router-dom";

import { api, etagOf } from "../../../api/client";
import { CheckboxField, SelectField, TextAreaField, TextField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { type Loaded, useLoad } from "../../../hooks/useLoad";
import { allOrgUnits } from "../api";
import { NS } from "../messages";
import { paths } from "../paths";
import {
  byListField,
  type CustomerForm,
  customerCreateBody,
  customerFields,
  customerToForm,
  emptyCustomerForm,
} from "../rules";
import { ChangeError, useCanChange } from "../shared";
import { type CommunicationMethod, type Customer, type CustomerKind, KINDS, METHODS } from "../types";

const FIELDS = [
  "customer_number",
  "name",
  "kind",
  "emails",
  "mobiles",
  "allowed_methods",
  "preferred_method",
  "language",
  "time_zone",
  "org_unit_id",
];
const LANGUAGES = ["en", "sv", "nb", "da", "fi", "de"];

/** Creates a customer (no id in the route) or changes one, based on the version read. */
export function CustomerEdit() {
  const { t } = useTranslation(NS);
  const { customerId } = useParams();
  const canChange = useCanChange();
  const loaded = useLoad(async () => {
    if (!customerId) return undefined;
    const { data, response } = await api.GET("/api/customers/{customer_id}", {
      params: { path: { customer_id: customerId } },
    });
    return data ? { customer: data, etag: etagOf(response) } : undefined;
  }, [customerId]);

  if (!canChange) return <p role="alert">{t("common:error.forbidden")}</p>;
  if (loaded.error) return <ProblemAlert error={loaded.error} onRetry={loaded.reload} />;
  if (customerId && !loaded.data) return <p className="muted">{t("common:state.loading")}</p>;
  // A new version read (after "reload") starts the form again from it.
  return <CustomerFormView key={loaded.data?.etag ?? "new"} loaded={loaded} />;
}

function CustomerFormView({ loaded }: { loaded: Loaded<{ customer: Customer; etag: string } | undefined> }) {
  const { t } = useTranslation(NS);
  const navigate = useNavigate();
  const [form, setForm] = useState<CustomerForm>(() => (loaded.data ? customerToForm(loaded.data.customer) : emptyCustomerForm()));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const units = useLoad(allOrgUnits, []);

  const set = <K extends keyof CustomerForm>(key: K, value: CustomerForm[K]) => setForm({ ...form, [key]: value });
  const toggleMethod = (method: CommunicationMethod, on: boolean) =>
    set("allowed_methods", on ? [...form.allowed_methods, method] : form.allowed_methods.filter((m) => m !== method));
  const shownError = byListField(error, ["emails", "mobiles", "allowed_methods"]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      if (loaded.data) {
        const { customer, etag } = loaded.data;
        await api.PATCH("/api/customers/{customer_id}", {
          params: { path: { customer_id: customer.id } },
          headers: { "If-Match": etag },
          body: customerFields(form),
        });
        navigate(paths.customer(customer.id));
      } else {
        const { data } = await api.POST("/api/customers", { body: customerCreateBody(form) });
        navigate(data ? paths.customer(data.id) : paths.customers);
      }
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  const languages = LANGUAGES.includes(form.language) ? LANGUAGES : [form.language, ...LANGUAGES];
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="ib-customer-form-title">
      <h2 id="ib-customer-form-title">
        {loaded.data ? t("customer.editTitle", { name: loaded.data.customer.name }) : t("customer.createTitle")}
      </h2>
      <ChangeError
        error={shownError}
        claimedFields={FIELDS}
        onReload={loaded.reload}
      />
      <div className="form-grid">
        <TextField
          label={t("customer.number")}
          name="customer_number"
          error={shownError}
          required
          disabled={!!loaded.data}
          value={form.customer_number}
          onChange={(e) => set("customer_number", e.target.value)}
        />
        <TextField label={t("customer.name")} name="name" error={shownError} required value={form.name} onChange={(e) => set("name", e.target.value)} />
        <SelectField
          label={t("customer.kind")}
          name="kind"
          error={shownError}
          value={form.kind}
          onChange={(e) => set("kind", e.target.value as CustomerKind)}
          options={KINDS.map((k) => ({ value: k, label: t(`customer.kind.${k}`) }))}
        />
        <SelectField
          label={t("customer.orgUnit")}
          name="org_unit_id"
          error={shownError}
          value={form.org_unit_id}
          onChange={(e) => set("org_unit_id", e.target.value)}
          options={[
            { value: "", label: t("customer.orgUnitNone") },
            ...(units.data ?? []).map((u) => ({ value: u.id, label: `${u.code} ${u.name}` })),
          ]}
        />
        <TextField
          label={t("customer.timeZone")}
          name="time_zone"
          error={shownError}
          hint={t("customer.timeZoneHint")}
          value={form.time_zone}
          onChange={(e) => set("time_zone", e.target.value)}
        />
      </div>
      <fieldset className="ib-fieldset">
        <legend>{t("comm.title")}</legend>
        <div className="form-grid">
          <TextAreaField
            label={t("comm.emails")}
            name="emails"
            error={shownError}
            hint={t("comm.emailsHint")}
            rows={3}
            value={form.emails}
            onChange={(e) => set("emails", e.target.value)}
          />
          <TextAreaField
            label={t("comm.mobiles")}
            name="mobiles"
            error={shownError}
            hint={t("comm.mobilesHint")}
            rows={3}
            value={form.mobiles}
            onChange={(e) => set("mobiles", e.target.value)}
          />
          <SelectField
            label={t("comm.preferred")}
            name="preferred_method"
            error={shownError}
            value={form.preferred_method}
            onChange={(e) => set("preferred_method", e.target.value as CustomerForm["preferred_method"])}
            options={[{ value: "", label: t("comm.none") }, ...METHODS.map((m) => ({ value: m, label: t(`comm.method.${m}`) }))]}
          />
          <SelectField
            label={t("comm.language")}
            name="language"
            error={shownError}
            value={form.language}
            onChange={(e) => set("language", e.target.value)}
            options={languages.map((l) => ({ value: l, label: l }))}
          />
        </div>
        <fieldset className="ib-fieldset">
          <legend>{t("comm.allowed")}</legend>
          <div className="ib-checks">
            {METHODS.map((m) => (
              <CheckboxField
                key={m}
                label={t(`comm.method.${m}`)}
                name={m === "email" ? "allowed_methods" : `allowed_methods_${m}`}
                error={shownError}
                checked={form.allowed_methods.includes(m)}
                onChange={(e) => toggleMethod(m, e.target.checked)}
              />
            ))}
          </div>
        </fieldset>
      </fieldset>
      <div className="ib-actions">
        <Link className="button" to={loaded.data ? paths.customer(loaded.data.customer.id) : paths.customers}>
          {t("common:action.cancel")}
        </Link>
        <button type="submit" className="primary" disabled={busy}>
          {loaded.data ? t("common:action.save") : t("common:action.create")}
        </button>
      </div>
    </form>
  );
}
