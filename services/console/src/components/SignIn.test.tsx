import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { SessionProvider } from "../auth/session";
import { stubApi } from "../test/stubApi";
import { SignIn } from "./SignIn";

describe("signing in", () => {
  it("posts the form to /auth/session with the console header", async () => {
    const seen = stubApi({
      "GET /auth/me": () => ({ status: 401, body: { title: "Unauthorized", status: 401, detail: "no session" } }),
      "POST /auth/session": () => ({ user: { id: "1", username: "eva", display_name: "Eva", roles: ["viewer"] }, expires_in: 60 }),
    });
    render(
      <SessionProvider>
        <SignIn />
      </SessionProvider>,
    );
    await userEvent.type(screen.getByLabelText("Username"), "eva");
    await userEvent.type(screen.getByLabelText("Password"), "secret");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    const post = seen.find((r) => r.path === "/auth/session");
    expect(post?.headers.get("X-Requested-With")).toBe("aftersales-console");
    expect(String(post?.body)).toBe("username=eva&password=secret");
  });

  it("shows the refusal from the gateway", async () => {
    stubApi({
      "GET /auth/me": () => ({ status: 401, body: { title: "Unauthorized", status: 401, detail: "no session" } }),
      "POST /auth/session": () => ({ status: 429, body: { title: "Too many requests", status: 429, detail: "locked out for 30 s", request_id: "r-9" } }),
    });
    render(
      <SessionProvider>
        <SignIn />
      </SessionProvider>,
    );
    await userEvent.type(screen.getByLabelText("Username"), "eva");
    await userEvent.type(screen.getByLabelText("Password"), "x");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("locked out for 30 s");
    expect(alert).toHaveTextContent("r-9");
  });
});
