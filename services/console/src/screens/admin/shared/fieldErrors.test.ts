import { describe, expect, it } from "vitest";

import { ProblemError } from "../../../api/problem";
import { claimedBy, explainPatterns, groupMessages } from "./fieldErrors";

const problem = new ProblemError(
  422,
  {
    title: "Invalid request",
    errors: [
      { field: "body.mobile", message: "String should match pattern '^\\+[1-9][0-9]{6,14}$'" },
      { field: "events.1", message: "unknown event" },
      { field: "email", message: "not an e-mail address" },
    ],
  },
  "req-7",
);

describe("field errors", () => {
  it("gathers a list field's item messages", () => {
    expect(groupMessages(problem, "events")).toEqual(["unknown event"]);
    expect(groupMessages(undefined, "events")).toEqual([]);
  });

  it("claims the fields a form shows, items included", () => {
    expect(claimedBy(problem, ["events", "mobile"])).toEqual(["body.mobile", "events.1"]);
  });

  it("puts a pattern message in words, keeping the rest", () => {
    const explained = explainPatterns(problem, { mobile: "Not in international form." }) as ProblemError;
    expect(explained.messageFor("mobile")).toBe("Not in international form.");
    expect(explained.messageFor("email")).toBe("not an e-mail address");
    expect(explained.requestId).toBe("req-7");
    expect(explainPatterns(problem, { name: "x" })).toBe(problem);
  });
});
