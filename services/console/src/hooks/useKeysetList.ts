import { useCallback, useEffect, useRef, useState } from "react";

export interface KeysetPage<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface KeysetList<T> {
  items: T[];
  error: unknown;
  loading: boolean;
  hasMore: boolean;
  /** The next page (keyset: the cursor the last page gave), appended. */
  loadMore: () => void;
  /** From the first page again (after a change, or with new filters). */
  reload: () => void;
  replace: (item: T, same: (a: T, b: T) => boolean) => void;
}

/** A list read page by page with the API's keyset cursors: the filters are in `deps`,
 * a change of them starts from the first page. */
export function useKeysetList<T>(
  fetchPage: (cursor: string | undefined) => Promise<KeysetPage<T>>,
  deps: readonly unknown[],
): KeysetList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(false);
  const generation = useRef(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  const load = useCallback((from: string | undefined, append: boolean) => {
    const call = ++generation.current;
    setLoading(true);
    setError(undefined);
    fetchRef.current(from).then(
      (page) => {
        if (call !== generation.current) return;
        setItems((before) => (append ? [...before, ...page.items] : page.items));
        setCursor(page.next_cursor ?? null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (call !== generation.current) return;
        setError(failure);
        setLoading(false);
      },
    );
  }, []);

  const reload = useCallback(() => load(undefined, false), [load]);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(reload, deps);

  return {
    items,
    error,
    loading,
    hasMore: typeof cursor === "string",
    loadMore: () => {
      if (typeof cursor === "string") load(cursor, true);
    },
    reload,
    replace: (item, same) => setItems((all) => all.map((x) => (same(x, item) ? item : x))),
  };
}
