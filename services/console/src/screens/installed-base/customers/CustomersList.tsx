import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { api } from "../../../api/client";
import { DataTable } from "../../../components/DataTable";
import { SelectField, TextField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { Pager } from "../../../components/DataTable";
import { useKeysetList } from "../../../hooks/useKeysetList";
import { NS } from "../messages";
import { paths } from "../paths";
import { useCanChange } from "../shared";
import { type Customer, type CustomerKind, KINDS } from "../types";

interface Filters {
  name: string;
  kind: CustomerKind | "";
  active: "" | "true" | "false";
  sort: string;
}

const NO_FILTERS: Filters = { name: "", kind: "", active: "true", sort: "customer_number" };

/** The customers, filtered and sorted by the API, page by page. */
export function CustomersList() {
  const { t } = useTranslation(NS);
  const canChange = useCanChange();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);

  const list = useKeysetList<Customer>(
    async (cursor) => {
      const { data } = await api.GET("/api/customers", {
        params: {
          query: {
            name: filters.name.trim() || undefined,
            kind: filters.kind || undefined,
            active: filters.active === "" ? undefined : filters.active === "true",
            sort: filters.sort,
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
        <h2>{t("customer.list")}</h2>
        {canChange ? (
          <Link className="button primary" to={paths.newCustomer}>
            {t("customer.new")}
          </Link>
        ) : null}
      </div>
      <form className="filters panel" role="search" aria-label={t("filter.title")} onSubmit={submit}>
        <TextField
          label={t("filter.name")}
          name="name"
          error={list.error}
          value={draft.name}
          onChange={(e) => setDraft({ ...draft, name: e.target.value })}
        />
        <SelectField
          label={t("filter.kind")}
          name="kind"
          error={list.error}
          value={draft.kind}
          onChange={(e) => setDraft({ ...draft, kind: e.target.value as Filters["kind"] })}
          options={[{ value: "", label: t("filter.any") }, ...KINDS.map((k) => ({ value: k, label: t(`customer.kind.${k}`) }))]}
        />
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
        <SelectField
          label={t("filter.sort")}
          name="sort"
          error={list.error}
          value={draft.sort}
          onChange={(e) => setDraft({ ...draft, sort: e.target.value })}
          options={[
            { value: "customer_number", label: t("customer.number") },
            { value: "name", label: t("customer.name") },
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
      <ProblemAlert error={list.error} claimedFields={["name", "kind", "active", "sort"]} onRetry={list.reload} />
      <DataTable<Customer>
        caption={t("customer.list")}
        rows={list.items}
        rowKey={(c) => c.id}
        empty={list.loading ? t("common:state.loading") : undefined}
        columns={[
          {
            key: "number",
            header: t("customer.number"),
            render: (c) => <Link to={paths.customer(c.id)}>{c.customer_number}</Link>,
          },
          { key: "name", header: t("customer.name"), render: (c) => c.name },
          { key: "kind", header: t("customer.kind"), render: (c) => t(`customer.kind.${c.kind}`) },
          { key: "emails", header: t("comm.emails"), render: (c) => c.emails.join(", ") },
          { key: "contacts", header: t("customer.contactsCount"), render: (c) => c.contacts?.length ?? 0 },
          {
            key: "status",
            header: t("customer.status"),
            render: (c) => (
              <span className={c.active ? "badge badge-ok" : "badge"}>
                {c.active ? t("customer.active") : t("customer.inactive")}
              </span>
            ),
          },
        ]}
      />
      <Pager count={list.items.length} hasMore={list.hasMore} loading={list.loading} onMore={list.loadMore} />
    </div>
  );
}
