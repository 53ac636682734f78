// Admin and personal settings (issue 18): a tab per area, each role sees the tabs it may
// use ("My settings" is everyone's); the gateway enforces the same rules.
import { useTranslation } from "react-i18next";
import { Navigate, NavLink, Route, Routes } from "react-router-dom";

import { useSession } from "../../auth/session";
import "./admin.css";
import { FieldSetupTab } from "./field-setup/FieldSetupTab";
import { NS } from "./messages";
import { MySettings } from "./my/MySettings";
import { OrgUnitsTab } from "./org-units/OrgUnitsTab";
import { tabsFor, type TabId } from "./rules";
import { SendingTab } from "./sending/SendingTab";
import { TemplatesTab } from "./templates/TemplatesTab";
import { UsersTab } from "./users/UsersTab";

const SCREENS: Record<TabId, () => JSX.Element> = {
  me: MySettings,
  users: UsersTab,
  "org-units": OrgUnitsTab,
  templates: TemplatesTab,
  sending: SendingTab,
  "field-setup": FieldSetupTab,
};

export default function AdminScreen() {
  const { t } = useTranslation(NS);
  const { user } = useSession();
  const tabs = tabsFor(user?.roles ?? []);
  return (
    <section className="admin">
      <h1>{t("title")}</h1>
      <nav aria-label={t("tabs.label")}>
        <ul className="tabs admin-tabs">
          {tabs.map((id) => (
            <li key={id}>
              <NavLink to={`/admin/${id}`}>{t(`tab.${id}`)}</NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <Routes>
        <Route index element={<Navigate to="/admin/me" replace />} />
        {(Object.keys(SCREENS) as TabId[]).map((id) => {
          const Screen = SCREENS[id];
          return (
            <Route
              key={id}
              path={id}
              element={tabs.includes(id) ? <Screen /> : <p role="alert">{t("common:error.forbidden")}</p>}
            />
          );
        })}
        <Route path="*" element={<p role="alert">{t("common:error.notFound")}</p>} />
      </Routes>
    </section>
  );
}
