// Helpers for the admin screen's component tests.
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes } from "react-router-dom";

import type { components } from "../../api/schema";
import { TestSession } from "../../auth/session";

type User = components["schemas"]["UserOut"];

export function userWith(roles: string[], extra: Partial<User> = {}): User {
  return { id: "me-1", username: "ann", display_name: "Ann Admin", roles, org_units: [], email: null, mobile: null, ...extra };
}

/** `element` at `path` under /admin/*, signed in as `user`. */
export function renderAt(element: ReactElement, user: User, path = "/admin") {
  return render(
    <TestSession user={user}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/admin/*" element={element} />
        </Routes>
      </MemoryRouter>
    </TestSession>,
  );
}

export const NO_PREFERENCES = {
  username: "ann",
  events: [],
  email_enabled: false,
  sms_enabled: false,
  email: null,
  mobile: null,
  version: 0,
  updated_at: null,
  channels_changed_by: null,
  channels_changed_at: null,
};
