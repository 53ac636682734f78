import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api, etagOf } from "../../../api/client";
import { asProblem } from "../../../api/problem";
import type { components } from "../../../api/schema";
import { CheckboxField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { FormProblem } from "../shared/FormProblem";
import { useLoad } from "../../../hooks/useLoad";
import { NS } from "../messages";
import { formatDateTime } from "../rules";

type Switches = components["schemas"]["ChannelSwitchesOut"];
type Channel = "email_enabled" | "sms_enabled";

/** An admin's e-mail/SMS switches for a user (never the user's choice of events). */
export function UserChannels({ username }: { username: string }) {
  const { t, i18n } = useTranslation(NS);
  const loaded = useLoad(async () => {
    try {
      const { data, response } = await api.GET("/api/notification-preferences/{username}/channels", { params: { path: { username } } });
      return { switches: data as Switches, etag: etagOf(response) };
    } catch (failure) {
      if (asProblem(failure).status === 404) return null; // never saved preferences
      throw failure;
    }
  }, [username]);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const flip = async (channel: Channel, on: boolean) => {
    if (!loaded.data) return;
    setBusy(true);
    setError(undefined);
    try {
      const { data, response } = await api.PATCH("/api/notification-preferences/{username}/channels", {
        params: { path: { username } },
        body: { [channel]: on },
        headers: { "If-Match": loaded.data.etag },
      });
      if (data) loaded.set({ switches: data, etag: etagOf(response) });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="admin-user-channels" className="admin-group">
      <h3 id="admin-user-channels">{t("channels.title")}</h3>
      {loaded.loading && loaded.data === undefined ? <p className="muted">{t("common:state.loading")}</p> : null}
      <ProblemAlert error={loaded.error} onRetry={loaded.reload} />
      {loaded.data === null ? <p className="muted">{t("channels.none")}</p> : null}
      {loaded.data ? (
        <>
          <FormProblem error={error} claimedFields={["email_enabled", "sms_enabled"]} />
          <CheckboxField
            label={t("channels.email", { has: loaded.data.switches.has_email ? t("channels.hasAddress") : t("channels.noAddress") })}
            name="email_enabled"
            checked={loaded.data.switches.email_enabled}
            disabled={busy}
            onChange={(e) => void flip("email_enabled", e.target.checked)}
            error={error}
          />
          <CheckboxField
            label={t("channels.sms", { has: loaded.data.switches.has_mobile ? t("channels.hasAddress") : t("channels.noAddress") })}
            name="sms_enabled"
            checked={loaded.data.switches.sms_enabled}
            disabled={busy}
            onChange={(e) => void flip("sms_enabled", e.target.checked)}
            error={error}
          />
          {loaded.data.switches.channels_changed_by ? (
            <p className="muted">
              {t("my.channelsChangedBy", {
                who: loaded.data.switches.channels_changed_by,
                when: formatDateTime(loaded.data.switches.channels_changed_at, i18n.language),
              })}
            </p>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
