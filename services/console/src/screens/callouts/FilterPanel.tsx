import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../api/client";
import { TextField } from "../../components/Field";
import { useLoad } from "../../hooks/useLoad";
import { ChoiceFilter } from "./ChoiceFilter";
import { DEFAULT_AHEAD_DAYS, DEFAULT_PAST_DAYS, activeCount, type Filters } from "./filters";
import { NS } from "./messages";
import { STATES, type CalloutState } from "./types";

/** The list's filters: every one GET /api/callouts takes. Edited as a draft and applied
 * with "Show" (Enter in any field), so typing does not query the server on each key. */
export function FilterPanel({
  applied,
  onApply,
  defaults,
  error,
  forItem,
}: {
  applied: Filters;
  onApply: (filters: Filters) => void;
  /** The filters the list opened with (the default window). */
  defaults: Filters;
  /** The list's last error: a message naming a filter shows under it. */
  error: unknown;
  /** On one item's tab: no serial item filter (the tab is that filter). */
  forItem: boolean;
}) {
  const { t, i18n } = useTranslation(NS);
  const [draft, setDraft] = useState<Filters>(applied);
  const serviceTypes = useLoad(async () => (await api.GET("/api/service-types")).data?.items ?? [], []);
  const orgUnits = useLoad(
    async () => (await api.GET("/api/org-units", { params: { query: { limit: 500 } } })).data?.items ?? [],
    [],
  );

  const set = <K extends keyof Filters>(key: K, value: Filters[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply({ ...draft }); // a new object: "Show" reads the list again even if nothing changed
  };
  const reset = (to: Filters) => {
    setDraft(to);
    onApply(to);
  };
  const text = (key: keyof Filters, label: string, apiName: string, hint?: string, type = "text") => (
    <TextField
      label={label}
      name={apiName}
      type={type}
      error={error}
      hint={hint}
      value={draft[key] as string}
      onChange={(e) => set(key, e.target.value)}
    />
  );

  return (
    <form className="panel callouts-filters" aria-labelledby="callouts-filters-title" onSubmit={submit}>
      <h2 id="callouts-filters-title">
        {t("filters.title")} <span className="muted">({t("filters.active", { count: activeCount(applied) })})</span>
      </h2>
      <div className="filters">
        <ChoiceFilter
          legend={t("filters.state")}
          name="state"
          error={error}
          options={STATES.map((s) => ({ value: s, label: t(`state.${s}`) }))}
          chosen={draft.states}
          onChange={(values) => set("states", values as CalloutState[])}
        />
        <ChoiceFilter
          legend={t("filters.serviceType")}
          name="service_type_id"
          error={error}
          options={(serviceTypes.data ?? []).map((s) => ({
            value: s.id,
            label: s.display_name_translations?.[i18n.language] ?? s.display_name,
          }))}
          chosen={draft.serviceTypeIds}
          onChange={(values) => set("serviceTypeIds", values)}
        />
        <ChoiceFilter
          legend={t("filters.orgUnit")}
          name="org_unit"
          error={error}
          options={(orgUnits.data ?? []).map((o) => ({ value: o.code, label: `${o.code} · ${o.name}` }))}
          chosen={draft.orgUnits}
          onChange={(values) => set("orgUnits", values)}
        />
      </div>
      <div className="form-grid">
        {text("scheduledFrom", t("filters.scheduledFrom"), "scheduled_from", undefined, "date")}
        {text("scheduledTo", t("filters.scheduledTo"), "scheduled_to", undefined, "date")}
        {text("approvedFrom", t("filters.approvedFrom"), "approved_from", undefined, "date")}
        {text("approvedTo", t("filters.approvedTo"), "approved_to", undefined, "date")}
        {text("completedFrom", t("filters.completedFrom"), "completed_from", undefined, "date")}
        {text("completedTo", t("filters.completedTo"), "completed_to", undefined, "date")}
        {text("customer", t("filters.customer"), "customer", t("filters.customerHint"))}
        {text("customerId", t("filters.customerId"), "customer_id")}
        {text("step", t("filters.step"), "step", t("filters.stepHint"))}
        {forItem ? null : text("serialItemId", t("filters.serialItemId"), "serial_item_id")}
      </div>
      {forItem ? null : (
        <p className="muted">{t("filters.windowHint", { past: DEFAULT_PAST_DAYS, ahead: DEFAULT_AHEAD_DAYS })}</p>
      )}
      <div className="toolbar">
        <button type="submit" className="primary">
          {t("filters.apply")}
        </button>
        {forItem ? null : (
          <button type="button" onClick={() => reset(defaults)}>
            {t("filters.defaultWindow")}
          </button>
        )}
        <button type="button" onClick={() => reset({ ...defaults, scheduledFrom: "", scheduledTo: "" })}>
          {t("filters.clear")}
        </button>
      </div>
    </form>
  );
}
