import { describe, expect, it } from "vitest";

import { changeOf, draftOf, EMPTY_ORDER } from "./orderForm";

describe("the order form's bodies", () => {
  it("sends a free address only when chosen, blanks as null", () => {
    const draft = draftOf({
      ...EMPTY_ORDER,
      customer: { id: "c1", name: "Grace" },
      where: "address",
      serial_item_id: "ignored",
      street: " Storgatan 1 ",
      city: "Uppsala",
      latitude: "59,86",
      longitude: "17.64",
    });
    expect(draft.customer_id).toBe("c1");
    expect(draft.serial_item_id).toBeNull();
    expect(draft.location).toEqual({ street: "Storgatan 1", postal_code: "", city: "Uppsala", country: "", latitude: 59.86, longitude: 17.64 });
    expect(draft.technician_id).toBeNull();
  });

  it("patches only what changed", () => {
    const before = { ...EMPTY_ORDER, customer: { id: "c1", name: "Grace" }, serial_item_id: "i1" };
    expect(changeOf(before, { ...before, priority: "urgent", description: "Leaks" })).toEqual({ priority: "urgent", description: "Leaks" });
    expect(changeOf(before, { ...before, technician_id: "" })).toEqual({});
  });
});
