import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import { useSession } from "../../../auth/session";
import { DataTable, Pager } from "../../../components/DataTable";
import { SelectField, TextField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useKeysetList } from "../../../hooks/useKeysetList";
import { NS } from "../messages";
import { Notice } from "../shared";
import type { Product } from "../types";
import { ProductDialog } from "./ProductDialog";

interface Filters {
  product_number: string;
  product_group: string;
  active: "" | "true" | "false";
}
const NO_FILTERS: Filters = { product_number: "", product_group: "", active: "true" };

/** The products; admins register and rename them (the gateway lets only admins). */
export function ProductsList() {
  const { t } = useTranslation(NS);
  const isAdmin = useSession().hasRole("admin");
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [editing, setEditing] = useState<Product | "new" | null>(null);
  const [notice, setNotice] = useState<string>();
  const list = useKeysetList<Product>(
    async (cursor) => {
      const { data } = await api.GET("/api/products", {
        params: {
          query: {
            product_number: filters.product_number.trim() || undefined,
            product_group: filters.product_group.trim() || undefined,
            active: filters.active === "" ? undefined : filters.active === "true",
            cursor,
            limit: 50,
          },
        },
      });
      return data ?? { items: [] };
    },
    [filters],
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
  };

  return (
    <div>
      <div className="toolbar">
        <h2>{t("product.list")}</h2>
        {isAdmin ? (
          <button type="button" className="primary" onClick={() => setEditing("new")}>
            {t("product.new")}
          </button>
        ) : null}
      </div>
      <Notice text={notice} />
      <form className="filters panel" role="search" aria-label={t("filter.title")} onSubmit={submit}>
        <TextField label={t("product.numberFilter")} name="product_number" error={list.error} value={draft.product_number} onChange={(e) => setDraft({ ...draft, product_number: e.target.value })} />
        <TextField label={t("product.group")} name="product_group" error={list.error} value={draft.product_group} onChange={(e) => setDraft({ ...draft, product_group: e.target.value })} />
        <SelectField
          label={t("filter.active")}
          name="active"
          error={list.error}
          value={draft.active}
          onChange={(e) => setDraft({ ...draft, active: e.target.value as Filters["active"] })}
          options={[
            { value: "true", label: t("filter.activeOnly") },
            { value: "false", label: t("filter.inactiveOnly") },
            { value: "", label: t("filter.any") },
          ]}
        />
        <div className="field">
          <button type="submit" className="primary">
            {t("common:action.search")}
          </button>
        </div>
      </form>
      <ProblemAlert error={list.error} claimedFields={["product_number", "product_group", "active"]} onRetry={list.reload} />
      <DataTable<Product>
        caption={t("product.list")}
        rows={list.items}
        rowKey={(p) => p.id}
        empty={list.loading ? t("common:state.loading") : undefined}
        columns={[
          { key: "number", header: t("product.number"), render: (p) => p.product_number },
          { key: "name", header: t("product.name"), render: (p) => p.name },
          { key: "group", header: t("product.group"), render: (p) => p.product_group ?? "" },
          {
            key: "active",
            header: t("customer.status"),
            render: (p) => <span className={p.active ? "badge badge-ok" : "badge"}>{p.active ? t("customer.active") : t("customer.inactive")}</span>,
          },
          ...(isAdmin
            ? [
                {
                  key: "actions",
                  header: t("contact.actions"),
                  render: (p: Product) => (
                    <button type="button" aria-label={t("product.edit", { number: p.product_number })} onClick={() => setEditing(p)}>
                      {t("common:action.edit")}
                    </button>
                  ),
                },
              ]
            : []),
        ]}
      />
      <Pager count={list.items.length} hasMore={list.hasMore} loading={list.loading} onMore={list.loadMore} />
      {editing ? (
        <ProductDialog
          product={editing === "new" ? undefined : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            setNotice(t("product.saved"));
            list.reload();
          }}
        />
      ) : null}
    </div>
  );
}
