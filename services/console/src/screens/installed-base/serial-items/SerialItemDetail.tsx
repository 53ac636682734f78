import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";

import { api, etagOf } from "../../../api/client";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useLoad } from "../../../hooks/useLoad";
import { NS } from "../messages";
import { paths } from "../paths";
import { ConfirmDialog, formatDate, Notice, useCanChange } from "../shared";
import type { SerialItem } from "../types";
import { OwnerDialog } from "./OwnerDialog";

/** One serial item: product, owner, address and its marks (service types that apply,
 * pending campaigns), with edit, owner change, deactivation and its callouts. */
export function SerialItemDetail() {
  const { t, i18n } = useTranslation(NS);
  const { itemId = "" } = useParams();
  const canChange = useCanChange();
  const [open, setOpen] = useState<"none" | "owner" | "deactivate">("none");
  const [notice, setNotice] = useState<string>();

  const loaded = useLoad(async () => {
    const { data, response } = await api.GET("/api/serial-items/{serial_item_id}", {
      params: { path: { serial_item_id: itemId } },
    });
    const item = data as SerialItem;
    // The product and the owner by name; a failure there leaves the ids shown.
    const [product, owner, unit] = await Promise.all([
      api.GET("/api/products/{product_id}", { params: { path: { product_id: item.product_id } } }).then((r) => r.data, () => undefined),
      api.GET("/api/customers/{customer_id}", { params: { path: { customer_id: item.owner_customer_id } } }).then((r) => r.data, () => undefined),
      item.org_unit_id
        ? api.GET("/api/org-units/{org_unit_id}", { params: { path: { org_unit_id: item.org_unit_id } } }).then((r) => r.data, () => undefined)
        : Promise.resolve(undefined),
    ]);
    return { item, etag: etagOf(response), product, owner, unit };
  }, [itemId]);

  if (loaded.error) return <ProblemAlert error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p className="muted">{t("common:state.loading")}</p>;
  const { item, etag, product, owner, unit } = loaded.data;
  const address = item.installation_address;
  const close = () => setOpen("none");
  const done = (text: string) => {
    close();
    setNotice(text);
    loaded.reload();
  };
  const attributes = Object.entries(item.attributes);

  return (
    <article aria-labelledby="ib-item-title">
      <p>
        <Link to={paths.serialItems}>{t("item.back")}</Link>
      </p>
      <h2 id="ib-item-title">
        {item.serial_number} <span className="muted">{item.name}</span>{" "}
        <span className={item.status === "active" ? "badge badge-ok" : "badge"}>{t(`item.status.${item.status}`)}</span>
      </h2>
      <Notice text={notice} />
      <div className="ib-actions">
        {canChange ? (
          <>
            <Link className="button" to={paths.editSerialItem(item.id)}>
              {t("common:action.edit")}
            </Link>
            <button type="button" onClick={() => setOpen("owner")}>
              {t("item.changeOwner")}
            </button>
            {item.status === "active" ? (
              <button type="button" className="danger" onClick={() => setOpen("deactivate")}>
                {t("item.deactivate")}
              </button>
            ) : null}
          </>
        ) : null}
        <Link to={paths.calloutsOf(item.id)}>{t("item.callouts")}</Link>
      </div>
      <div className="ib-columns">
        <section className="panel" aria-labelledby="ib-item-details">
          <h3 id="ib-item-details">{t("customer.details")}</h3>
          <dl className="ib-detail">
            <dt>{t("item.product")}</dt>
            <dd>{product ? `${product.product_number} ${product.name}` : item.product_id}</dd>
            <dt>{t("item.owner")}</dt>
            <dd>
              <Link to={paths.customer(item.owner_customer_id)}>
                {owner ? `${owner.name} (${owner.customer_number})` : item.owner_customer_id}
              </Link>
            </dd>
            <dt>{t("item.orgUnit")}</dt>
            <dd>{unit ? `${unit.code} ${unit.name}` : item.org_unit ?? "–"}</dd>
            <dt>{t("item.actionCode")}</dt>
            <dd>{item.action_code ?? "–"}</dd>
            <dt>{t("item.startupDate")}</dt>
            <dd>{formatDate(item.startup_date, i18n.language) || "–"}</dd>
            <dt>{t("item.deliveryDate")}</dt>
            <dd>{formatDate(item.delivery_date, i18n.language) || "–"}</dd>
            {attributes.map(([key, value]) => (
              <div key={key} style={{ display: "contents" }}>
                <dt>{key}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
        </section>
        <section className="panel" aria-labelledby="ib-item-address">
          <h3 id="ib-item-address">{t("item.address")}</h3>
          {address ? (
            <address>
              {address.street}
              <br />
              {address.postal_code} {address.city}
              <br />
              {address.country}
              {address.latitude != null && address.longitude != null ? (
                <>
                  <br />
                  <span className="muted">
                    {address.latitude}, {address.longitude}
                  </span>
                </>
              ) : null}
            </address>
          ) : (
            <p className="muted">{t("item.noAddress")}</p>
          )}
        </section>
        <section className="panel" aria-labelledby="ib-item-marks">
          <h3 id="ib-item-marks">{t("item.marks")}</h3>
          <h4 id="ib-item-types">{t("item.serviceTypes")}</h4>
          {item.service_types.length ? (
            <ul aria-labelledby="ib-item-types">
              {item.service_types.map((s) => (
                <li key={s.id}>{s.name}</li>
              ))}
            </ul>
          ) : (
            <p className="muted">{t("item.noServiceTypes")}</p>
          )}
          <h4 id="ib-item-campaigns">{t("item.pendingCampaigns")}</h4>
          {item.pending_campaigns.length ? (
            <ul aria-labelledby="ib-item-campaigns">
              {item.pending_campaigns.map((c) => (
                <li key={c.case_id}>
                  <span className="badge badge-warn">{c.code}</span> {c.name}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">{t("item.noPendingCampaigns")}</p>
          )}
        </section>
      </div>
      {open === "owner" ? (
        <OwnerDialog item={item} etag={etag} onClose={close} onReload={loaded.reload} onSaved={() => done(t("item.ownerChanged"))} />
      ) : null}
      {open === "deactivate" ? (
        <ConfirmDialog
          title={t("item.deactivateTitle", { serial: item.serial_number })}
          confirmLabel={t("item.deactivate")}
          onClose={close}
          onReload={loaded.reload}
          onConfirm={async () => {
            await api.POST("/api/serial-items/{serial_item_id}/deactivate", {
              params: { path: { serial_item_id: item.id } },
              headers: etag ? { "If-Match": etag } : undefined,
            });
            done(t("item.deactivated"));
          }}
        />
      ) : null}
    </article>
  );
}
