import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";

import { api } from "../../../api/client";
import { DataTable, Pager } from "../../../components/DataTable";
import { SelectField, TextField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useKeysetList } from "../../../hooks/useKeysetList";
import { useLoad } from "../../../hooks/useLoad";
import { allOrgUnits, allProducts, allServiceTypes } from "../api";
import { NS } from "../messages";
import { paths } from "../paths";
import { useCanChange } from "../shared";
import { ITEM_STATUSES, type SerialItem, type SerialItemStatus } from "../types";

interface Filters {
  serial_number: string;
  customer_name: string;
  product_id: string;
  org_unit_id: string;
  service_type_id: string;
  status: SerialItemStatus | "";
  has_pending_campaign: "" | "true" | "false";
  sort: string;
}

const NO_FILTERS: Filters = {
  serial_number: "",
  customer_name: "",
  product_id: "",
  org_unit_id: "",
  service_type_id: "",
  status: "",
  has_pending_campaign: "",
  sort: "serial_number",
};
const FILTER_FIELDS = Object.keys(NO_FILTERS);

/** The serial items with the API's filters (an owner's from ?owner_customer_id=). */
export function SerialItemsList() {
  const { t } = useTranslation(NS);
  const canChange = useCanChange();
  const [search, setSearch] = useSearchParams();
  const owner = search.get("owner_customer_id") ?? "";
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const products = useLoad(allProducts, []);
  const units = useLoad(allOrgUnits, []);
  const types = useLoad(allServiceTypes, []);
  const productName = (id: string) => {
    const product = products.data?.find((p) => p.id === id);
    return product ? `${product.product_number} ${product.name}` : "";
  };
  const unitName = (id: string | null) => units.data?.find((u) => u.id === id)?.code ?? "";

  const list = useKeysetList<SerialItem>(
    async (cursor) => {
      const { data } = await api.GET("/api/serial-items", {
        params: {
          query: {
            serial_number: filters.serial_number.trim() || undefined,
            customer_name: filters.customer_name.trim() || undefined,
            product_id: filters.product_id || undefined,
            org_unit_id: filters.org_unit_id || undefined,
            service_type_id: filters.service_type_id || undefined,
            status: filters.status || undefined,
            has_pending_campaign: filters.has_pending_campaign === "" ? undefined : filters.has_pending_campaign === "true",
            owner_customer_id: owner || undefined,
            sort: filters.sort,
            cursor,
            limit: 50,
          },
        },
      });
      return data ?? { items: [] };
    },
    [filters, owner],
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
  };
  const field = <K extends keyof Filters>(key: K) => ({
    name: key,
    error: list.error,
    value: draft[key],
    onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [key]: e.target.value }),
  });

  return (
    <div>
      <div className="toolbar">
        <h2>{t("item.list")}</h2>
        {canChange ? (
          <Link className="button primary" to={paths.newSerialItem}>
            {t("item.new")}
          </Link>
        ) : null}
      </div>
      {owner ? (
        <p className="alert alert-info">
          {t("item.ownerFilterActive")}{" "}
          <button type="button" onClick={() => setSearch({})}>
            {t("item.ownerFilterClear")}
          </button>
        </p>
      ) : null}
      <form className="filters panel" role="search" aria-label={t("filter.title")} onSubmit={submit}>
        <TextField label={t("item.serialFilter")} {...field("serial_number")} />
        <TextField label={t("item.ownerName")} {...field("customer_name")} />
        <SelectField
          label={t("item.product")}
          {...field("product_id")}
          options={[{ value: "", label: t("filter.any") }, ...(products.data ?? []).map((p) => ({ value: p.id, label: `${p.product_number} ${p.name}` }))]}
        />
        <SelectField
          label={t("item.orgUnit")}
          {...field("org_unit_id")}
          options={[{ value: "", label: t("filter.any") }, ...(units.data ?? []).map((u) => ({ value: u.id, label: `${u.code} ${u.name}` }))]}
        />
        <SelectField
          label={t("item.serviceType")}
          {...field("service_type_id")}
          options={[{ value: "", label: t("filter.any") }, ...(types.data ?? []).map((s) => ({ value: s.id, label: s.display_name }))]}
        />
        <SelectField
          label={t("item.status")}
          {...field("status")}
          options={[{ value: "", label: t("filter.any") }, ...ITEM_STATUSES.map((s) => ({ value: s, label: t(`item.status.${s}`) }))]}
        />
        <SelectField
          label={t("item.pendingCampaign")}
          {...field("has_pending_campaign")}
          options={[
            { value: "", label: t("filter.any") },
            { value: "true", label: t("item.pendingYes") },
            { value: "false", label: t("item.pendingNo") },
          ]}
        />
        <SelectField
          label={t("filter.sort")}
          {...field("sort")}
          options={[
            { value: "serial_number", label: t("item.serial") },
            { value: "name", label: t("item.name") },
            { value: "-created_at", label: t("filter.newest") },
          ]}
        />
        <div className="field">
          <button type="submit" className="primary">
            {t("common:action.search")}
          </button>
        </div>
        <div className="field">
          <button
            type="button"
            onClick={() => {
              setDraft(NO_FILTERS);
              setFilters(NO_FILTERS);
            }}
          >
            {t("common:action.reset")}
          </button>
        </div>
      </form>
      <ProblemAlert error={list.error} claimedFields={FILTER_FIELDS} onRetry={list.reload} />
      <DataTable<SerialItem>
        caption={t("item.list")}
        rows={list.items}
        rowKey={(i) => i.id}
        empty={list.loading ? t("common:state.loading") : undefined}
        columns={[
          { key: "serial", header: t("item.serial"), render: (i) => <Link to={paths.serialItem(i.id)}>{i.serial_number}</Link> },
          { key: "name", header: t("item.name"), render: (i) => i.name },
          { key: "product", header: t("item.product"), render: (i) => productName(i.product_id) },
          { key: "unit", header: t("item.orgUnit"), render: (i) => unitName(i.org_unit_id) || i.org_unit || "" },
          { key: "status", header: t("item.status"), render: (i) => <span className={i.status === "active" ? "badge badge-ok" : "badge"}>{t(`item.status.${i.status}`)}</span> },
          {
            key: "marks",
            header: t("item.marksCount"),
            render: (i) => (
              <ul className="ib-marks">
                {i.service_types.map((s) => (
                  <li key={s.id} className="badge">
                    {s.name}
                  </li>
                ))}
                {i.pending_campaigns.map((c) => (
                  <li key={c.case_id} className="badge badge-warn">
                    {c.code}
                  </li>
                ))}
              </ul>
            ),
          },
        ]}
      />
      <Pager count={list.items.length} hasMore={list.hasMore} loading={list.loading} onMore={list.loadMore} />
    </div>
  );
}
