import { describe, expect, it } from "vitest";

import { api } from "../api/client";
import { ProblemError } from "../api/problem";
import { stubApi } from "../test/stubApi";

describe("the typed client over a stubbed fetch", () => {
  it("sends the console header and answers the data", async () => {
    const seen = stubApi({ "GET /auth/me": () => ({ id: "1", username: "eva", display_name: "Eva", roles: ["viewer"] }) });
    const { data } = await api.GET("/auth/me");
    expect(data?.username).toBe("eva");
    expect(seen[0]?.headers.get("X-Requested-With")).toBe("aftersales-console");
  });

  it("turns a problem into a ProblemError naming the field", async () => {
    stubApi({
      "PATCH /auth/me": () => ({ status: 422, body: { title: "Invalid request", status: 422, detail: "email: bad", errors: [{ field: "email", message: "bad" }] } }),
    });
    const failure = await api.PATCH("/auth/me", { body: { email: "x" } }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ProblemError);
    expect((failure as ProblemError).messageFor("email")).toBe("bad");
  });
});
