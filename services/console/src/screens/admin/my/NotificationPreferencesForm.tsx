import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { api, etagOf } from "../../../api/client";
import { asProblem } from "../../../api/problem";
import type { components } from "../../../api/schema";
import { CheckboxField, TextField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { FormProblem } from "../shared/FormProblem";
import { useLoad } from "../../../hooks/useLoad";
import { CheckboxGroup } from "../shared/CheckboxGroup";
import { claimedBy, explainPatterns } from "../shared/fieldErrors";
import { NS } from "../messages";
import { blankToNull, formatDateTime } from "../rules";

type Preferences = components["schemas"]["MyPreferencesOut"];
type NotificationEvent = components["schemas"]["NotificationEvent"];

export const NOTIFICATION_EVENTS: readonly NotificationEvent[] = [
  "order_assigned",
  "booked",
  "order_created_or_changed",
  "service_reminder",
];

const FIELDS = ["events", "email_enabled", "sms_enabled", "email", "mobile"];

/** Which events tell me, by e-mail and/or SMS, at which address (PUT, If-Match). */
export function NotificationPreferencesForm() {
  const { t, i18n } = useTranslation(NS);
  const loaded = useLoad(async () => {
    const { data, response } = await api.GET("/api/my-notification-preferences");
    return { preferences: data as Preferences, etag: etagOf(response) };
  }, []);
  const [events, setEvents] = useState<string[]>([]);
  const [emailEnabled, setEmailEnabled] = useState(false);
  const [smsEnabled, setSmsEnabled] = useState(false);
  const [email, setEmail] = useState("");
  const [mobile, setMobile] = useState("");
  const [error, setError] = useState<unknown>();
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    const p = loaded.data?.preferences;
    if (!p) return;
    setEvents([...p.events]);
    setEmailEnabled(p.email_enabled);
    setSmsEnabled(p.sms_enabled);
    setEmail(p.email ?? "");
    setMobile(p.mobile ?? "");
  }, [loaded.data]);

  if (loaded.loading && !loaded.data) return <p className="muted">{t("common:state.loading")}</p>;
  if (loaded.error) return <ProblemAlert error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return null;
  const { preferences, etag } = loaded.data;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setError(undefined);
    setSaved(false);
    try {
      const { data, response } = await api.PUT("/api/my-notification-preferences", {
        body: {
          events: events as NotificationEvent[],
          email_enabled: emailEnabled,
          sms_enabled: smsEnabled,
          email: blankToNull(email),
          mobile: blankToNull(mobile),
        },
        headers: { "If-Match": etag },
      });
      if (data) loaded.set({ preferences: data, etag: etagOf(response) });
      setSaved(true);
    } catch (failure) {
      setError(explainPatterns(failure, { mobile: t("error.mobile") }));
    } finally {
      setSaving(false);
    }
  };

  const stale = error !== undefined && asProblem(error).status === 412;
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label={t("my.notifications")}>
      {stale ? (
        <div role="alert" className="alert alert-info">
          <p>{t("my.stale")}</p>
          <button type="button" onClick={loaded.reload}>
            {t("my.reload")}
          </button>
        </div>
      ) : (
        <FormProblem error={error} claimedFields={claimedBy(error, FIELDS)} />
      )}
      <CheckboxGroup
        legend={t("my.events")}
        name="events"
        options={NOTIFICATION_EVENTS.map((e) => ({ value: e, label: t(`event.${e}`) }))}
        value={events}
        onChange={setEvents}
        error={error}
      />
      <fieldset className="admin-group">
        <legend>{t("my.channels")}</legend>
        <CheckboxField
          label={t("my.byEmail")}
          name="email_enabled"
          checked={emailEnabled}
          onChange={(e) => setEmailEnabled(e.target.checked)}
          error={error}
        />
        <CheckboxField
          label={t("my.bySms")}
          name="sms_enabled"
          checked={smsEnabled}
          onChange={(e) => setSmsEnabled(e.target.checked)}
          error={error}
        />
      </fieldset>
      <TextField
        label={t("my.notifyEmail")}
        name="email"
        type="email"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        error={error}
        hint={t("my.addressHint")}
      />
      <TextField
        label={t("my.notifyMobile")}
        name="mobile"
        type="tel"
        value={mobile}
        onChange={(e) => setMobile(e.target.value)}
        error={error}
        hint={t("my.mobileHint")}
      />
      {preferences.channels_changed_by ? (
        <p className="muted">
          {t("my.channelsChangedBy", {
            who: preferences.channels_changed_by,
            when: formatDateTime(preferences.channels_changed_at, i18n.language),
          })}
        </p>
      ) : null}
      <div className="admin-form-actions">
        <button type="submit" className="primary" disabled={saving}>
          {t("my.savePreferences")}
        </button>
        <span role="status" aria-live="polite">
          {saving ? t("common:state.loading") : saved ? t("common:state.saved") : ""}
        </span>
      </div>
    </form>
  );
}
