// Products named by a link: found by number (the catalog's prefix search) and shown by
// name, each looked up once.
import { useEffect, useState } from "react";

import { api } from "../../api/client";
import type { components } from "../../api/schema";

export type Product = components["schemas"]["ProductOut"];

export async function searchProducts(numberPrefix: string): Promise<Product[]> {
  const { data } = await api.GET("/api/products", {
    params: { query: { product_number: numberPrefix, limit: 10 } },
  });
  return data?.items ?? [];
}

/** "1234 Pump" for a product; its id while it is not loaded (or not found). */
export function productLabel(products: ReadonlyMap<string, Product>, id: string): string {
  const product = products.get(id);
  return product ? `${product.product_number} ${product.name}` : id;
}

/** The products of these ids, loaded as they appear; `remember` adds one found by search. */
export function useProducts(ids: readonly string[]): {
  products: ReadonlyMap<string, Product>;
  remember: (product: Product) => void;
} {
  const [products, setProducts] = useState<Map<string, Product>>(new Map());
  const [asked] = useState<Set<string>>(() => new Set());
  const wanted = ids.filter((id) => id && !asked.has(id));

  useEffect(() => {
    for (const id of wanted) {
      asked.add(id);
      api
        .GET("/api/products/{product_id}", { params: { path: { product_id: id } } })
        .then(({ data }) => {
          if (data) setProducts((previous) => new Map(previous).set(data.id, data));
        })
        .catch(() => undefined); // shown by its id: a deleted or unseen product
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [wanted.join(",")]);

  const remember = (product: Product) => {
    asked.add(product.id);
    setProducts((previous) => new Map(previous).set(product.id, product));
  };
  return { products, remember };
}
