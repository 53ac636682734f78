import { useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";

import { SelectField } from "../../../components/Field";
import { customersNamed } from "../api";
import { NS } from "../messages";
import type { Customer } from "../types";

/** Choose a customer: type part of the name, pick one of the matches. */
export function CustomerPicker({
  name,
  label,
  value,
  onChange,
  error,
}: {
  /** The API's field name (its error shows under the choice). */
  name: string;
  label: string;
  value: string;
  onChange: (customerId: string) => void;
  error?: unknown;
}) {
  const { t } = useTranslation(NS);
  const searchId = useId();
  const [search, setSearch] = useState("");
  const [found, setFound] = useState<Customer[]>([]);
  const [failure, setFailure] = useState<unknown>();

  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      customersNamed(search).then(
        (customers) => {
          if (!live) return;
          setFound(customers);
          setFailure(undefined);
        },
        (problem: unknown) => live && setFailure(problem),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [search]);

  const options = [
    { value: "", label: found.length ? t("picker.choosePrompt") : t("picker.none") },
    ...found.map((c) => ({ value: c.id, label: `${c.name} (${c.customer_number})` })),
  ];
  if (value && !found.some((c) => c.id === value)) options.splice(1, 0, { value, label: value });
  return (
    <div className="ib-picker">
      <div className="field">
        <label htmlFor={searchId}>{t("picker.search")}</label>
        <input id={searchId} type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        {failure ? (
          <small className="field-error" role="alert">
            {t("common:error.title")}
          </small>
        ) : null}
      </div>
      <SelectField label={label} name={name} error={error} value={value} onChange={(e) => onChange(e.target.value)} options={options} />
    </div>
  );
}
