import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";

import { api, etagOf } from "../../../api/client";
import { DataTable } from "../../../components/DataTable";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useLoad } from "../../../hooks/useLoad";
import { allOrgUnits } from "../api";
import { NS } from "../messages";
import { paths } from "../paths";
import { ConfirmDialog, Notice, useCanChange } from "../shared";
import type { Contact, Customer } from "../types";
import { ContactDialog } from "./ContactDialog";

type Open =
  | { kind: "none" }
  | { kind: "contact"; contact?: Contact }
  | { kind: "removeContact"; contact: Contact }
  | { kind: "deactivate" };

/** One customer: details, communication preferences and contacts, with their actions. */
export function CustomerDetail() {
  const { t } = useTranslation(NS);
  const { customerId = "" } = useParams();
  const canChange = useCanChange();
  const [open, setOpen] = useState<Open>({ kind: "none" });
  const [notice, setNotice] = useState<string>();

  const loaded = useLoad(async () => {
    const { data, response } = await api.GET("/api/customers/{customer_id}", {
      params: { path: { customer_id: customerId } },
    });
    return { customer: data as Customer, etag: etagOf(response) };
  }, [customerId]);
  const units = useLoad(allOrgUnits, []);

  if (loaded.error) return <ProblemAlert error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p className="muted">{t("common:state.loading")}</p>;
  const { customer, etag } = loaded.data;
  const contacts = customer.contacts ?? [];
  const unit = units.data?.find((u) => u.id === customer.org_unit_id);
  const close = () => setOpen({ kind: "none" });
  const done = (text: string) => {
    close();
    setNotice(text);
    loaded.reload();
  };
  const headers = etag ? { "If-Match": etag } : undefined;

  return (
    <article aria-labelledby="ib-customer-title">
      <p>
        <Link to={paths.customers}>{t("customer.back")}</Link>
      </p>
      <h2 id="ib-customer-title">
        {customer.name} <span className="muted">{customer.customer_number}</span>{" "}
        <span className={customer.active ? "badge badge-ok" : "badge"}>
          {customer.active ? t("customer.active") : t("customer.inactive")}
        </span>
      </h2>
      <Notice text={notice} />
      <div className="ib-actions">
        {canChange ? (
          <>
            <Link className="button" to={paths.editCustomer(customer.id)}>
              {t("common:action.edit")}
            </Link>
            {customer.active ? (
              <button type="button" className="danger" onClick={() => setOpen({ kind: "deactivate" })}>
                {t("customer.deactivate")}
              </button>
            ) : null}
          </>
        ) : null}
        <Link to={paths.serialItemsOf(customer.id)}>{t("customer.items")}</Link>
      </div>
      <div className="ib-columns">
        <section className="panel" aria-labelledby="ib-customer-details">
          <h3 id="ib-customer-details">{t("customer.details")}</h3>
          <dl className="ib-detail">
            <dt>{t("customer.number")}</dt>
            <dd>{customer.customer_number}</dd>
            <dt>{t("customer.kind")}</dt>
            <dd>{t(`customer.kind.${customer.kind}`)}</dd>
            <dt>{t("customer.orgUnit")}</dt>
            <dd>{unit ? `${unit.code} ${unit.name}` : customer.org_unit_id ?? t("customer.orgUnitNone")}</dd>
            <dt>{t("customer.timeZone")}</dt>
            <dd>{customer.time_zone ?? "–"}</dd>
          </dl>
        </section>
        <section className="panel" aria-labelledby="ib-customer-comm">
          <h3 id="ib-customer-comm">{t("comm.title")}</h3>
          <dl className="ib-detail">
            <dt>{t("comm.emails")}</dt>
            <dd>{customer.emails.join(", ") || t("comm.nothing")}</dd>
            <dt>{t("comm.mobiles")}</dt>
            <dd>{customer.mobiles.join(", ") || t("comm.nothing")}</dd>
            <dt>{t("comm.allowed")}</dt>
            <dd>{customer.allowed_methods.map((m) => t(`comm.method.${m}`)).join(", ") || t("comm.nothing")}</dd>
            <dt>{t("comm.preferred")}</dt>
            <dd>{customer.preferred_method ? t(`comm.method.${customer.preferred_method}`) : t("comm.none")}</dd>
            <dt>{t("comm.language")}</dt>
            <dd>{customer.language}</dd>
          </dl>
        </section>
      </div>
      <section aria-labelledby="ib-contacts">
        <div className="toolbar">
          <h3 id="ib-contacts">{t("contact.title")}</h3>
          {canChange ? (
            <button type="button" className="primary" onClick={() => setOpen({ kind: "contact" })}>
              {t("contact.add")}
            </button>
          ) : null}
        </div>
        <DataTable<Contact>
          caption={t("contact.title")}
          rows={contacts}
          rowKey={(c) => c.id}
          empty={t("contact.none")}
          columns={[
            { key: "name", header: t("contact.name"), render: (c) => c.name },
            { key: "role", header: t("contact.role"), render: (c) => c.role ?? "" },
            { key: "email", header: t("contact.email"), render: (c) => c.email ?? "" },
            { key: "mobile", header: t("contact.mobile"), render: (c) => c.mobile ?? "" },
            {
              key: "sends",
              header: t("contact.sends"),
              render: (c) =>
                [
                  c.send_service_protocol ? t("contact.sendServiceProtocol") : "",
                  c.send_work_order ? t("contact.sendWorkOrder") : "",
                  c.receive_booking_confirmations ? t("contact.receiveBookingConfirmations") : "",
                ]
                  .filter(Boolean)
                  .join(", "),
            },
            ...(canChange
              ? [
                  {
                    key: "actions",
                    header: t("contact.actions"),
                    render: (c: Contact) => (
                      <span className="ib-actions">
                        <button type="button" aria-label={t("contact.edit", { name: c.name })} onClick={() => setOpen({ kind: "contact", contact: c })}>
                          {t("common:action.edit")}
                        </button>
                        <button type="button" className="danger" aria-label={t("contact.remove", { name: c.name })} onClick={() => setOpen({ kind: "removeContact", contact: c })}>
                          {t("common:action.delete")}
                        </button>
                      </span>
                    ),
                  },
                ]
              : []),
          ]}
        />
      </section>
      {open.kind === "contact" ? (
        <ContactDialog
          customerId={customer.id}
          etag={etag}
          contact={open.contact}
          onClose={close}
          onReload={loaded.reload}
          onSaved={() => done(t("contact.saved"))}
        />
      ) : null}
      {open.kind === "removeContact" ? (
        <ConfirmDialog
          title={t("contact.removeTitle", { name: open.contact.name })}
          confirmLabel={t("common:action.delete")}
          onClose={close}
          onReload={loaded.reload}
          onConfirm={async () => {
            await api.DELETE("/api/customers/{customer_id}/contacts/{contact_id}", {
              params: { path: { customer_id: customer.id, contact_id: open.contact.id } },
              headers,
            });
            done(t("contact.removed"));
          }}
        />
      ) : null}
      {open.kind === "deactivate" ? (
        <ConfirmDialog
          title={t("customer.deactivateTitle", { name: customer.name })}
          text={t("customer.deactivateText")}
          confirmLabel={t("customer.deactivate")}
          onClose={close}
          onReload={loaded.reload}
          onConfirm={async () => {
            await api.POST("/api/customers/{customer_id}/deactivate", {
              params: { path: { customer_id: customer.id } },
              headers,
            });
            done(t("customer.deactivated"));
          }}
        />
      ) : null}
    </article>
  );
}
