// The board as the screen holds it between answers: a card moved at once (the server's
// answer then decides), put back when the move is refused, a column's next cards appended.
import type { BoardColumn, OrderCard, Stage } from "../shared/types";

export interface Located {
  card: OrderCard;
  stage: Stage;
}

export function findCard(columns: readonly BoardColumn[], id: string): Located | undefined {
  for (const column of columns) {
    const card = column.cards.find((c) => c.id === id);
    if (card) return { card, stage: column.stage };
  }
  return undefined;
}

/** The card taken out of its column and put first into `to`, counts following. */
export function moveCardLocally(columns: readonly BoardColumn[], id: string, to: Stage): BoardColumn[] {
  const found = findCard(columns, id);
  if (!found || found.stage === to) return [...columns];
  const moved: OrderCard = { ...found.card, stage: to };
  return columns.map((column) => {
    if (column.stage === found.stage) {
      return { ...column, count: Math.max(0, column.count - 1), cards: column.cards.filter((c) => c.id !== id) };
    }
    if (column.stage === to) return { ...column, count: column.count + 1, cards: [moved, ...column.cards] };
    return column;
  });
}

/** A column's next page appended (cards already shown are not repeated), its count and
 * cursor from the answer. */
export function appendPage(columns: readonly BoardColumn[], page: BoardColumn): BoardColumn[] {
  return columns.map((column) => {
    if (column.stage !== page.stage) return column;
    const seen = new Set(column.cards.map((c) => c.id));
    return {
      ...column,
      count: page.count,
      next_cursor: page.next_cursor,
      cards: [...column.cards, ...page.cards.filter((c) => !seen.has(c.id))],
    };
  });
}

/** The stages a card may be dropped on from `from` (the server decides the rest: a move
 * it refuses comes back as a 409 with its reason). Completed and cancelled are final. */
export function targetsFrom(from: Stage): Stage[] {
  if (from === "completed" || from === "cancelled") return [];
  return (["new", "planned", "completed", "cancelled"] as const).filter((s) => s !== from);
}
