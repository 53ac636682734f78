import { describe, expect, it } from "vitest";

import i18n from "../../i18n";
import { NS } from "./messages";

describe("the installed base's texts", () => {
  it("has every English text in Swedish too, none left empty", () => {
    const en = i18n.getResourceBundle("en", NS) as Record<string, string>;
    const sv = i18n.getResourceBundle("sv", NS) as Record<string, string>;
    expect(Object.keys(sv).sort()).toEqual(Object.keys(en).sort());
    expect(Object.values(sv).filter((text) => !text.trim())).toEqual([]);
  });
});
