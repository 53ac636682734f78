import i18n from "i18next";
import { describe, expect, it } from "vitest";

import { NS } from "./messages";

describe("the screen's texts", () => {
  it("exist in Swedish for every English one, with the same placeholders", () => {
    const en = i18n.getResourceBundle("en", NS) as Record<string, string>;
    const sv = i18n.getResourceBundle("sv", NS) as Record<string, string>;
    expect(Object.keys(sv).sort()).toEqual(Object.keys(en).sort());
    const names = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en)) expect([key, names(sv[key] ?? "")]).toEqual([key, names(en[key] ?? "")]);
  });
});
