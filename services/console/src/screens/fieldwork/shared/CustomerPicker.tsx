import { useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import { fieldError } from "../../../components/Field";
import { NS } from "./messages";
import type { Customer } from "./types";

export interface PickedCustomer {
  id: string;
  name: string;
}

/** A customer chosen by name: type part of the name, pick one of the matches
 * (`GET /api/customers?name=`). The chosen one stays shown with a way to clear it. */
export function CustomerPicker({
  label,
  value,
  onChange,
  name = "customer_id",
  error,
  required = false,
}: {
  label: string;
  value: PickedCustomer | null;
  onChange: (customer: PickedCustomer | null) => void;
  name?: string;
  error?: unknown;
  required?: boolean;
}) {
  const { t } = useTranslation(NS);
  const id = useId();
  const [text, setText] = useState("");
  const [matches, setMatches] = useState<Customer[]>([]);
  const [searching, setSearching] = useState(false);
  const message = fieldError(error, name);

  useEffect(() => {
    if (value || text.trim().length < 2) {
      setMatches([]);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      setSearching(true);
      api
        .GET("/api/customers", { params: { query: { name: text.trim(), limit: 20 } } })
        .then(({ data }) => live && setMatches(data?.items ?? []))
        .catch(() => live && setMatches([]))
        .finally(() => live && setSearching(false));
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [text, value]);

  return (
    <div className={message ? "field field-invalid" : "field"}>
      <label htmlFor={id}>{label}</label>
      {value ? (
        <div className="fw-picked">
          <span id={id} tabIndex={-1}>
            {value.name}
          </span>
          <button type="button" onClick={() => onChange(null)} aria-label={t("customer.clear", { name: value.name })}>
            ×
          </button>
        </div>
      ) : (
        <>
          <input
            id={id}
            type="search"
            value={text}
            required={required}
            placeholder={t("customer.typeToSearch")}
            aria-invalid={message ? true : undefined}
            aria-describedby={message ? `${id}-error` : undefined}
            onChange={(e) => setText(e.target.value)}
          />
          <span aria-live="polite" className="muted fw-small">
            {searching ? t("common:state.loading") : text.trim().length >= 2 ? t("customer.matches", { count: matches.length }) : ""}
          </span>
          {matches.length > 0 ? (
            <ul className="fw-matches" aria-label={t("customer.matchesLabel")}>
              {matches.map((c) => (
                <li key={c.id}>
                  <button type="button" onClick={() => onChange({ id: c.id, name: c.name })}>
                    {c.name} <span className="muted">{c.customer_number}</span>
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
        </>
      )}
      {message ? (
        <small id={`${id}-error`} className="field-error" role="alert">
          {message}
        </small>
      ) : null}
    </div>
  );
}
