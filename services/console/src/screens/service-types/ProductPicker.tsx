// Finds a product by the start of its number and hands the chosen one back.
import { useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";

import { ProblemAlert } from "../../components/ProblemAlert";

import { NS } from "./messages";
import { type Product, searchProducts } from "./products";

const SEARCH_DELAY_MS = 250;

export function ProductPicker({
  label,
  exclude = [],
  onPick,
}: {
  label: string;
  exclude?: readonly string[];
  onPick: (product: Product) => void;
}) {
  const { t } = useTranslation(NS);
  const id = useId();
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<Product[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [searching, setSearching] = useState(false);

  useEffect(() => {
    const prefix = query.trim();
    if (!prefix) {
      setFound(undefined);
      return undefined;
    }
    let live = true;
    setSearching(true);
    const timer = setTimeout(() => {
      searchProducts(prefix).then(
        (products) => {
          if (!live) return;
          setFound(products);
          setError(undefined);
          setSearching(false);
        },
        (failure: unknown) => {
          if (!live) return;
          setError(failure);
          setSearching(false);
        },
      );
    }, SEARCH_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [query]);

  const shown = (found ?? []).filter((p) => !exclude.includes(p.id));
  return (
    <div className="st-picker">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="search" value={query} onChange={(e) => setQuery(e.target.value)} autoComplete="off" />
      <div aria-live="polite">
        {searching ? <span className="muted">{t("product.searching")}</span> : null}
        {!searching && found && shown.length === 0 ? (
          <span className="muted">{t("product.none", { query: query.trim() })}</span>
        ) : null}
      </div>
      {shown.length > 0 ? (
        <ul className="st-picker-results" aria-label={t("product.results")}>
          {shown.map((product) => (
            <li key={product.id}>
              <button
                type="button"
                onClick={() => {
                  onPick(product);
                  setQuery("");
                }}
              >
                {t("product.pick", { name: `${product.product_number} ${product.name}` })}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <ProblemAlert error={error} />
    </div>
  );
}
