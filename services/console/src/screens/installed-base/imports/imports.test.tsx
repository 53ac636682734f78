import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { File as NodeFile } from "node:buffer";
import { describe, expect, it } from "vitest";

import { stubApi } from "../../../test/stubApi";
import { emptyPage, job, JOB_ID, renderAt } from "../testing";

describe("uploading a file", () => {
  it("sends the CSV as the body of the kind chosen, then shows the job", async () => {
    const seen = stubApi({
      "GET /api/imports": () => emptyPage,
      "POST /api/imports/{what}": () => ({ status: 202, body: job({ kind: "serial_items", file_name: "items.csv", state: "completed", bytes_done: 200 }) }),
      "GET /api/imports/{id}": () => job({ kind: "serial_items", file_name: "items.csv", state: "completed", bytes_done: 200 }),
      "GET /api/imports/{id}/errors": () => emptyPage,
    });
    renderAt("/installed-base/imports", "operator");
    await userEvent.selectOptions(screen.getByLabelText("What the file holds"), "serial-items");
    expect(screen.getByText("product_number (required)")).toBeInTheDocument();
    const csv = "product_number,serial_number\nP-1,SN-1\n";
    // Node's File: the fetch under test (Node's) reads its bytes, as the browser's reads a DOM File.
    const file = new NodeFile([csv], "items.csv", { type: "text/csv" }) as unknown as File;
    await userEvent.upload(screen.getByLabelText("File (CSV or JSON Lines)"), file);
    await userEvent.click(screen.getByRole("button", { name: "Upload and import" }));
    await screen.findByRole("heading", { name: /Import of items.csv/ });
    const post = seen.find((r) => r.method === "POST");
    expect(post?.path).toBe("/api/imports/serial-items");
    expect(post?.query.get("file_name")).toBe("items.csv");
    expect(post?.headers.get("Content-Type")).toBe("text/csv");
    expect(post?.body).toBe(csv);
  });

  it("says so when no file was chosen, and shows the API's refusal", async () => {
    stubApi({
      "GET /api/imports": () => emptyPage,
      "POST /api/imports/{what}": () => ({ status: 400, body: { title: "Bad request", detail: "the file is empty", field: "body" } }),
    });
    renderAt("/installed-base/imports", "admin");
    await userEvent.click(screen.getByRole("button", { name: "Upload and import" }));
    expect(screen.getByLabelText("File (CSV or JSON Lines)")).toHaveAccessibleDescription("Choose a file first.");
    await userEvent.upload(screen.getByLabelText("File (CSV or JSON Lines)"), new File([""], "empty.csv", { type: "text/csv" }));
    await userEvent.click(screen.getByRole("button", { name: "Upload and import" }));
    await waitFor(() => expect(screen.getByLabelText("File (CSV or JSON Lines)")).toHaveAccessibleDescription("the file is empty"));
  });

  it("offers a viewer the job list but no upload", async () => {
    stubApi({ "GET /api/imports": () => ({ items: [job()], next_cursor: null }) });
    renderAt("/installed-base/imports", "viewer");
    expect(await screen.findByRole("link", { name: "customers.csv" })).toHaveAttribute("href", `/installed-base/imports/${JOB_ID}`);
    expect(screen.queryByRole("button", { name: "Upload and import" })).not.toBeInTheDocument();
    expect(screen.queryByLabelText("File (CSV or JSON Lines)")).not.toBeInTheDocument();
  });
});

describe("a job's progress", () => {
  it("polls until the job is done, the bar following it, then lists the bad rows by line", async () => {
    const answers = [
      job({ state: "running", bytes_done: 50 }),
      job({ state: "completed", bytes_done: 200, lines_done: 4, created: 2, failed: 1 }),
    ];
    let polls = 0;
    const seen = stubApi({
      "GET /api/imports/{id}": () => answers[Math.min(polls++, answers.length - 1)],
      "GET /api/imports/{id}/errors": () =>
        polls > 1 ? { items: [{ line: 3, field: "emails", message: "not an e-mail address" }], next_cursor: null } : emptyPage,
    });
    renderAt(`/installed-base/imports/${JOB_ID}`, "viewer");
    const bar = await screen.findByRole("progressbar", { name: "Import progress" });
    expect(bar).toHaveAttribute("aria-valuenow", "25");
    expect(screen.getByRole("status")).toHaveTextContent("Running: 2 lines read");

    await waitFor(() => expect(screen.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "100"), { timeout: 3000 });
    expect(screen.getByRole("status")).toHaveTextContent("Completed: 4 lines read, 2 created, 0 updated, 0 unchanged, 1 bad.");
    expect(await screen.findByRole("row", { name: "3 emails not an e-mail address" })).toBeInTheDocument();
    const jobReads = seen.filter((r) => r.path === `/api/imports/${JOB_ID}`).length;
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(seen.filter((r) => r.path === `/api/imports/${JOB_ID}`)).toHaveLength(jobReads);
  });
});
