import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";

import { api, etagOf } from "../../../api/client";
import { Dialog } from "../../../components/Dialog";
import { TextField } from "../../../components/Field";
import { NS } from "../messages";
import { orNull } from "../rules";
import { ChangeError } from "../shared";
import type { Product } from "../types";

/** An admin registers a product or renames one (number fixed; based on its version). */
export function ProductDialog({
  product,
  onSaved,
  onClose,
}: {
  product?: Product;
  onSaved: () => void;
  onClose: () => void;
}) {
  const { t } = useTranslation(NS);
  const [number, setNumber] = useState(product?.product_number ?? "");
  const [name, setName] = useState(product?.name ?? "");
  const [group, setGroup] = useState(product?.product_group ?? "");
  const [version, setVersion] = useState(product ? `"${product.version}"` : "");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const reload = async () => {
    if (!product) return;
    setError(undefined);
    try {
      const { data, response } = await api.GET("/api/products/{product_id}", { params: { path: { product_id: product.id } } });
      if (data) {
        setName(data.name);
        setGroup(data.product_group ?? "");
        setVersion(etagOf(response));
      }
    } catch (failure) {
      setError(failure);
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      if (product) {
        await api.PATCH("/api/products/{product_id}", {
          params: { path: { product_id: product.id } },
          headers: { "If-Match": version },
          body: { name: name.trim(), product_group: orNull(group) },
        });
      } else {
        await api.POST("/api/products", {
          body: { product_number: number.trim(), name: name.trim(), product_group: orNull(group) },
        });
      }
      onSaved();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <Dialog title={product ? t("product.editTitle", { number: product.product_number }) : t("product.createTitle")} onClose={onClose}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <ChangeError error={error} claimedFields={["product_number", "name", "product_group"]} onReload={() => void reload()} />
        <TextField label={t("product.number")} name="product_number" error={error} required disabled={!!product} value={number} onChange={(e) => setNumber(e.target.value)} />
        <TextField label={t("product.name")} name="name" error={error} required value={name} onChange={(e) => setName(e.target.value)} />
        <TextField label={t("product.group")} name="product_group" error={error} value={group} onChange={(e) => setGroup(e.target.value)} />
        <div className="ib-actions">
          <button type="button" onClick={onClose}>
            {t("common:action.cancel")}
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {product ? t("common:action.save") : t("common:action.create")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
