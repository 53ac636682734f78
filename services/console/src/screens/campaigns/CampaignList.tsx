// The campaign list: filters (state, text), sort, keyset paging, state badges.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

import { api } from "../../api/client";
import { type Column, DataTable, Pager } from "../../components/DataTable";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useKeysetList } from "../../hooks/useKeysetList";
import { NS } from "./messages";
import { useCampaignRoles } from "./roles";
import { CAMPAIGN_STATES, formatDateTime, stateBadge } from "./rules";
import type { Campaign, CampaignState } from "./types";

const SORTS = ["code", "name", "-created_at"] as const;

export function CampaignList() {
  const { t, i18n } = useTranslation(NS);
  const { manager } = useCampaignRoles();
  const [state, setState] = useState<CampaignState | "">("");
  const [text, setText] = useState("");
  const [q, setQ] = useState("");
  const [sort, setSort] = useState<(typeof SORTS)[number]>("code");

  const list = useKeysetList<Campaign>(
    async (cursor) => {
      const { data } = await api.GET("/api/campaigns", {
        params: { query: { state: state || undefined, q: q || undefined, sort, cursor, limit: 50 } },
      });
      return data ?? { items: [], next_cursor: null };
    },
    [state, q, sort],
  );

  const columns: Column<Campaign>[] = [
    {
      key: "code",
      header: t("field.code"),
      render: (c) => <Link to={`/campaigns/${c.id}`}>{c.code}</Link>,
    },
    { key: "name", header: t("field.name"), render: (c) => c.name },
    {
      key: "state",
      header: t("field.state"),
      render: (c) => <span className={stateBadge(c.state)}>{t(`state.${c.state}`)}</span>,
    },
    { key: "created", header: t("field.createdAt"), render: (c) => formatDateTime(c.created_at, i18n.language) },
    { key: "released", header: t("field.releasedAt"), render: (c) => formatDateTime(c.released_at, i18n.language) },
    { key: "closed", header: t("field.closedAt"), render: (c) => formatDateTime(c.closed_at, i18n.language) },
  ];

  return (
    <section>
      <div className="campaigns-heading">
        <h1>{t("list.title")}</h1>
        <div className="toolbar">
          <Link to="/campaigns/templates">{t("templates.title")}</Link>
          {manager ? (
            <Link className="button primary" to="/campaigns/new">
              {t("list.new")}
            </Link>
          ) : null}
        </div>
      </div>
      <form
        className="filters panel"
        role="search"
        aria-label={t("list.filters")}
        onSubmit={(e) => {
          e.preventDefault();
          setQ(text.trim());
        }}
      >
        <div className="field">
          <label htmlFor="campaigns-filter-q">{t("list.search")}</label>
          <input id="campaigns-filter-q" type="search" value={text} onChange={(e) => setText(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="campaigns-filter-state">{t("field.state")}</label>
          <select
            id="campaigns-filter-state"
            value={state}
            onChange={(e) => setState(e.target.value as CampaignState | "")}
          >
            <option value="">{t("common:all")}</option>
            {CAMPAIGN_STATES.map((s) => (
              <option key={s} value={s}>
                {t(`state.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="campaigns-sort">{t("list.sort")}</label>
          <select id="campaigns-sort" value={sort} onChange={(e) => setSort(e.target.value as (typeof SORTS)[number])}>
            {SORTS.map((s) => (
              <option key={s} value={s}>
                {t(`sort.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <button type="submit">{t("common:action.search")}</button>
        </div>
      </form>
      <ProblemAlert error={list.error} onRetry={list.reload} />
      <DataTable
        caption={t("list.caption")}
        columns={columns}
        rows={list.items}
        rowKey={(c) => c.id}
        empty={list.loading ? t("common:state.loading") : t("list.empty")}
      />
      <Pager count={list.items.length} hasMore={list.hasMore} loading={list.loading} onMore={list.loadMore} />
    </section>
  );
}
