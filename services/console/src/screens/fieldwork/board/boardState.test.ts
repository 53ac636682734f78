import { describe, expect, it } from "vitest";

import type { BoardColumn, OrderCard, Stage } from "../shared/types";
import { appendPage, findCard, moveCardLocally, targetsFrom } from "./boardState";

function card(id: string, stage: Stage): OrderCard {
  return {
    id, number: `SO-${id}`, stage, status: null, priority: "normal", kind: null, customer: null, location: null,
    technician: null, org_unit_id: null, booked_from: null, created_at: "2026-11-30T08:00:00Z", description: "",
  };
}
const board = (): BoardColumn[] => [
  { stage: "new", count: 3, next_cursor: "c1", cards: [card("1", "new"), card("2", "new")] },
  { stage: "planned", count: 1, next_cursor: null, cards: [card("3", "planned")] },
  { stage: "completed", count: 0, next_cursor: null, cards: [] },
  { stage: "cancelled", count: 0, next_cursor: null, cards: [] },
];

describe("the board between answers", () => {
  it("moves a card with its counts and leaves the original untouched", () => {
    const before = board();
    const after = moveCardLocally(before, "2", "planned");
    expect(after[0]!.cards.map((c) => c.id)).toEqual(["1"]);
    expect(after[0]!.count).toBe(2);
    expect(after[1]!.cards.map((c) => c.id)).toEqual(["2", "3"]);
    expect(after[1]!.count).toBe(2);
    expect(findCard(after, "2")?.stage).toBe("planned");
    expect(findCard(before, "2")?.stage).toBe("new");
  });

  it("appends a column's next page once", () => {
    const page: BoardColumn = { stage: "new", count: 3, next_cursor: null, cards: [card("2", "new"), card("4", "new")] };
    const after = appendPage(board(), page);
    expect(after[0]!.cards.map((c) => c.id)).toEqual(["1", "2", "4"]);
    expect(after[0]!.next_cursor).toBeNull();
  });

  it("offers no move out of a final stage", () => {
    expect(targetsFrom("completed")).toEqual([]);
    expect(targetsFrom("new")).toEqual(["planned", "completed", "cancelled"]);
  });
});
