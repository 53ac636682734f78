// "My settings", everyone's: one's own account (e-mail and mobile) and which events tell
// one, by which channel.
import { useTranslation } from "react-i18next";

import { AccountForm } from "./AccountForm";
import { NotificationPreferencesForm } from "./NotificationPreferencesForm";
import { NS } from "../messages";

export function MySettings() {
  const { t } = useTranslation(NS);
  return (
    <div className="admin-columns">
      <section className="panel" aria-labelledby="admin-my-account">
        <h2 id="admin-my-account">{t("my.account")}</h2>
        <AccountForm />
      </section>
      <section className="panel" aria-labelledby="admin-my-notifications">
        <h2 id="admin-my-notifications">{t("my.notifications")}</h2>
        <NotificationPreferencesForm />
      </section>
    </div>
  );
}
