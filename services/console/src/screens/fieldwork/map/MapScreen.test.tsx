import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";

import { TestSession } from "../../../auth/session";
import { stubApi } from "../../../test/stubApi";
import { EMPTY_LOOKUPS, user } from "../shared/testData";
import type { DayMap } from "../shared/types";
import MapScreen from "./MapScreen";

const tech = { id: "t1", name: "Ada Lovelace" };
const stop = (n: number, distance: number | null) => ({
  kind: "stop", booking_id: `b${n}`, order_id: `o${n}`, number: `SO-00000${n}`, customer: { name: `Customer ${n}` },
  technician: tech, local_start: `1${n}:00`, local_end: `1${n}:30`, stage: "planned", status: "planned", stop: n,
  distance_km_from_previous: distance,
});
const dayMap: DayMap = {
  type: "FeatureCollection",
  features: [
    { type: "Feature", geometry: { type: "Point", coordinates: [17.64, 59.86] }, properties: stop(1, 12.5) },
    { type: "Feature", geometry: { type: "Point", coordinates: [18.07, 59.33] }, properties: stop(3, null) },
    {
      type: "Feature",
      geometry: { type: "LineString", coordinates: [[17.1, 60.67], [17.64, 59.86], [18.07, 59.33]] },
      properties: { kind: "route", technician: tech, from_home_base: true, stops: 2, distance_km: 170.25 },
    },
  ],
  unlocated: [stop(2, null)],
};

afterEach(() => vi.restoreAllMocks());

describe("the day's map", () => {
  it("draws the stops in visiting order with the route, legend and unlocated visits", async () => {
    const seen = stubApi({ ...EMPTY_LOOKUPS, "GET /api/map": () => dayMap });
    render(
      <TestSession user={user("operator")}>
        <MemoryRouter>
          <MapScreen />
        </MemoryRouter>
      </TestSession>,
    );
    const drawing = await screen.findByRole("img", { name: /2 located visits of 1 technicians/ });
    expect(within(drawing).getByTestId("stop-SO-000001")).toHaveTextContent("1");
    expect(within(drawing).getByTestId("stop-SO-000003")).toHaveTextContent("3");
    expect(drawing.querySelector("path")?.getAttribute("d")?.split(" ")).toHaveLength(3);
    expect(screen.getByRole("region", { name: "Legend" })).toHaveTextContent("Ada Lovelace — 3 visits, 170.3 km");
    const table = screen.getByRole("table", { name: "Ada Lovelace's visits in order" });
    expect(within(table).getAllByRole("row").map((r) => r.textContent)).toEqual([
      expect.stringContaining("Stop"),
      expect.stringContaining("12.5 km"),
      expect.stringContaining("No coordinates"),
      expect.stringContaining("SO-000003"),
    ]);
    expect(screen.getByRole("region", { name: "Visits without coordinates" })).toHaveTextContent("Stop 2 of Ada Lovelace at 12:00: SO-000002");

    await userEvent.selectOptions(screen.getByLabelText("Technician"), "t1");
    await waitFor(() => expect(seen.filter((r) => r.path === "/api/map")).toHaveLength(2));
    expect(seen.filter((r) => r.path === "/api/map")[1]!.query.getAll("technician_id")).toEqual(["t1"]);
  });
});
