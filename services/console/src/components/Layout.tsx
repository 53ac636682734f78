import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { NavLink } from "react-router-dom";

import { type Role, useSession } from "../auth/session";
import { type Language, LANGUAGES, setLanguage } from "../i18n";

interface NavItem {
  to: string;
  label: string;
  roles: Role[];
}

// Who sees which screen in the menu; the gateway enforces the same rules on every request.
const DESK: Role[] = ["admin", "operator", "viewer"];
export const NAVIGATION: NavItem[] = [
  { to: "/callouts", label: "nav.callouts", roles: DESK },
  { to: "/installed-base", label: "nav.installedBase", roles: DESK },
  { to: "/service-types", label: "nav.serviceTypes", roles: DESK },
  { to: "/fieldwork/board", label: "nav.board", roles: DESK },
  { to: "/fieldwork/planning", label: "nav.planning", roles: DESK },
  { to: "/fieldwork/map", label: "nav.map", roles: [...DESK, "technician"] },
  { to: "/fieldwork/my-day", label: "nav.myDay", roles: ["technician"] },
  { to: "/campaigns", label: "nav.campaigns", roles: DESK },
  { to: "/admin", label: "nav.admin", roles: ["admin", "operator", "viewer", "technician"] },
];

export function Layout({ children }: { children: ReactNode }) {
  const { t, i18n } = useTranslation();
  const { user, signOut, hasRole } = useSession();
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t("nav.skip")}
      </a>
      <header className="topbar">
        <span className="brand">{t("app.name")}</span>
        <nav aria-label={t("nav.main")}>
          <ul>
            {NAVIGATION.filter((item) => hasRole(...item.roles)).map((item) => (
              <li key={item.to}>
                <NavLink to={item.to}>{t(item.label)}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="topbar-end">
          <label className="language">
            <span className="visually-hidden">{t("language.label")}</span>
            <select
              value={i18n.language}
              onChange={(e) => setLanguage(e.target.value as Language)}
              aria-label={t("language.label")}
            >
              {LANGUAGES.map((l) => (
                <option key={l} value={l}>
                  {l === "en" ? "English" : "Svenska"}
                </option>
              ))}
            </select>
          </label>
          {user ? (
            <span className="muted" data-testid="signed-in-as">
              {t("session.signedInAs", { name: user.display_name || user.username })}
            </span>
          ) : null}
          <button type="button" onClick={() => void signOut()}>
            {t("session.signOut")}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
