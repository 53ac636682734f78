// The service links: which products start the type's process (main product, pre-code,
// related products, "apply to main product").
import { useId } from "react";
import { useTranslation } from "react-i18next";

import type { ProblemError } from "../../api/problem";
import { CheckboxField, fieldError, TextField } from "../../components/Field";

import { type LinkDraft, newLink } from "./draft";
import { NS } from "./messages";
import { ProductPicker } from "./ProductPicker";
import { type Product, productLabel, useProducts } from "./products";

export function LinksEditor({
  links,
  error,
  readOnly,
  onChange,
}: {
  links: readonly LinkDraft[];
  error: ProblemError | undefined;
  readOnly: boolean;
  onChange: (links: LinkDraft[]) => void;
}) {
  const { t } = useTranslation(NS);
  const ids = links.flatMap((link) => [link.mainProductId, ...link.relatedProductIds]);
  const { products, remember } = useProducts(ids);
  const update = (index: number, link: LinkDraft) => onChange(links.map((l, i) => (i === index ? link : l)));

  return (
    <div className="st-links">
      {links.length === 0 ? <p className="muted">{t("links.empty")}</p> : null}
      {links.map((link, index) => (
        <LinkEditor
          key={link.key}
          link={link}
          index={index}
          error={error}
          readOnly={readOnly}
          label={(id) => productLabel(products, id)}
          onPick={remember}
          onChange={(changed) => update(index, changed)}
          onRemove={() => onChange(links.filter((_, i) => i !== index))}
        />
      ))}
      {readOnly ? null : (
        <button type="button" onClick={() => onChange([...links, newLink()])}>
          {t("links.add")}
        </button>
      )}
    </div>
  );
}

function LinkEditor({
  link,
  index,
  error,
  readOnly,
  label,
  onPick,
  onChange,
  onRemove,
}: {
  link: LinkDraft;
  index: number;
  error: ProblemError | undefined;
  readOnly: boolean;
  label: (id: string) => string;
  onPick: (product: Product) => void;
  onChange: (link: LinkDraft) => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation(NS);
  const headingId = useId();
  const number = index + 1;
  const name = (field: string) => `links.${index}.${field}`;
  const mainError = fieldError(error, name("main_product_id"));
  const relatedError = fieldError(error, name("related_product_ids"));
  return (
    <section className="st-link panel" aria-labelledby={headingId}>
      <header className="st-step-header">
        <h3 id={headingId}>{t("link.heading", { number })}</h3>
        {readOnly ? null : (
          <button type="button" className="danger" onClick={onRemove}>
            {t("link.remove", { number })}
          </button>
        )}
      </header>
      <div className="form-grid">
        <div className={mainError ? "field field-invalid" : "field"}>
          <span id={`${headingId}-main`}>{t("link.mainProduct")}</span>
          <output aria-labelledby={`${headingId}-main`} data-testid={`link-${index}-main`}>
            {link.mainProductId ? label(link.mainProductId) : <span className="muted">{t("link.noProduct")}</span>}
          </output>
          {mainError ? (
            <small className="field-error" role="alert">
              {mainError}
            </small>
          ) : null}
          {readOnly ? null : (
            <ProductPicker
              label={t("product.searchMain")}
              onPick={(product) => {
                onPick(product);
                onChange({ ...link, mainProductId: product.id });
              }}
            />
          )}
        </div>
        <div>
          <CheckboxField
            label={t("link.apply")}
            name={name("apply_to_main_product")}
            error={error}
            checked={link.applyToMainProduct}
            onChange={(e) => onChange({ ...link, applyToMainProduct: e.target.checked })}
          />
          <TextField
            label={t("link.preCode")}
            name={name("pre_code")}
            error={error}
            maxLength={50}
            value={link.preCode}
            onChange={(e) => onChange({ ...link, preCode: e.target.value })}
          />
        </div>
        <div className={relatedError ? "field field-invalid" : "field"}>
          <span id={`${headingId}-related`}>{t("link.related")}</span>
          {link.relatedProductIds.length === 0 ? (
            <p className="muted">{t("link.relatedNone")}</p>
          ) : (
            <ul aria-labelledby={`${headingId}-related`} className="st-related">
              {link.relatedProductIds.map((id) => (
                <li key={id}>
                  {label(id)}{" "}
                  {readOnly ? null : (
                    <button
                      type="button"
                      aria-label={t("link.removeRelated", { name: label(id) })}
                      onClick={() => onChange({ ...link, relatedProductIds: link.relatedProductIds.filter((r) => r !== id) })}
                    >
                      ×
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
          {relatedError ? (
            <small className="field-error" role="alert">
              {relatedError}
            </small>
          ) : null}
          {readOnly ? null : (
            <ProductPicker
              label={t("product.searchRelated")}
              exclude={[link.mainProductId, ...link.relatedProductIds]}
              onPick={(product) => {
                onPick(product);
                onChange({ ...link, relatedProductIds: [...link.relatedProductIds, product.id] });
              }}
            />
          )}
        </div>
      </div>
    </section>
  );
}
