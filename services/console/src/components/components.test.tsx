import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { ProblemError } from "../api/problem";
import { DataTable } from "./DataTable";
import { TextField } from "./Field";
import { ProblemAlert } from "./ProblemAlert";

const problem = new ProblemError(422, {
  title: "Invalid request",
  detail: "name: too long; steps.0.days: must be positive",
  errors: [
    { field: "name", message: "too long" },
    { field: "steps.0.days", message: "must be positive" },
  ],
  request_id: "req-123",
});

describe("errors from the API", () => {
  it("shows the message next to the field it names", () => {
    render(<TextField label="Name" name="name" error={problem} defaultValue="x" />);
    const input = screen.getByLabelText("Name");
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(input).toHaveAccessibleDescription("too long");
  });

  it("lists what no field claims, with the request id", () => {
    render(<ProblemAlert error={problem} claimedFields={["name"]} />);
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("steps.0.days: must be positive");
    expect(alert).not.toHaveTextContent("too long");
    expect(alert).toHaveTextContent("req-123");
  });

  it("names a query parameter by its plain name", () => {
    const query = new ProblemError(422, { errors: [{ field: "query.state", message: "bad" }] });
    expect(query.messageFor("state")).toBe("bad");
  });
});

describe("DataTable", () => {
  it("selects rows one by one and the whole page", async () => {
    const onSelect = vi.fn();
    const rows = [{ id: "a" }, { id: "b" }];
    render(
      <DataTable
        caption="Things"
        columns={[{ key: "id", header: "Id", render: (r: { id: string }) => r.id }]}
        rows={rows}
        rowKey={(r) => r.id}
        selected={new Set(["a"])}
        onSelect={onSelect}
        rowLabel={(r) => `Row ${r.id}`}
      />,
    );
    await userEvent.click(screen.getByRole("checkbox", { name: "Row b" }));
    expect(onSelect).toHaveBeenLastCalledWith(new Set(["a", "b"]));
    await userEvent.click(screen.getByRole("checkbox", { name: "All" }));
    expect(onSelect).toHaveBeenLastCalledWith(new Set(["a", "b"]));
  });
});

describe("a list input", () => {
  it("shows its items' messages", () => {
    const problem = new ProblemError(422, { errors: [{ field: "emails.1", message: "not an e-mail address" }] });
    expect(problem.messageFor("emails")).toBe("not an e-mail address");
    expect(problem.messageFor("email")).toBeUndefined();
  });
});

describe("ProblemAlert when the fields show every message", () => {
  it("does not repeat them", () => {
    render(<ProblemAlert error={problem} claimedFields={["name", "steps.0.days"]} />);
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("Invalid request");
    expect(alert).not.toHaveTextContent("too long");
  });
});
