import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { TextField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { FormProblem } from "../shared/FormProblem";
import { useLoad } from "../../../hooks/useLoad";
import { NS } from "../messages";
import { explainPatterns } from "../shared/fieldErrors";
import { blankToNull } from "../rules";

type Me = components["schemas"]["UserOut"];

/** One's own account: who one is (read only) and one's e-mail and mobile (PATCH /auth/me). */
export function AccountForm() {
  const { t } = useTranslation(NS);
  const me = useLoad(async () => (await api.GET("/auth/me")).data as Me, []);
  const [email, setEmail] = useState("");
  const [mobile, setMobile] = useState("");
  const [error, setError] = useState<unknown>();
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (!me.data) return;
    setEmail(me.data.email ?? "");
    setMobile(me.data.mobile ?? "");
  }, [me.data]);

  if (me.loading && !me.data) return <p className="muted">{t("common:state.loading")}</p>;
  if (me.error) return <ProblemAlert error={me.error} onRetry={me.reload} />;
  if (!me.data) return null;
  const user = me.data;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setError(undefined);
    setSaved(false);
    try {
      const { data } = await api.PATCH("/auth/me", { body: { email: blankToNull(email), mobile: blankToNull(mobile) } });
      if (data) me.set(data);
      setSaved(true);
    } catch (failure) {
      setError(explainPatterns(failure, { mobile: t("error.mobile") }));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label={t("my.account")}>
      <dl className="admin-facts">
        <dt>{t("user.username")}</dt>
        <dd>{user.username}</dd>
        <dt>{t("user.displayName")}</dt>
        <dd>{user.display_name}</dd>
        <dt>{t("user.roles")}</dt>
        <dd>{user.roles.map((r) => t(`role.${r}`, { defaultValue: r })).join(", ")}</dd>
        <dt>{t("user.orgUnits")}</dt>
        <dd>{user.org_units?.length ? user.org_units.join(", ") : t("user.allOrgUnits")}</dd>
      </dl>
      <FormProblem error={error} claimedFields={["email", "mobile"]} />
      <TextField
        label={t("user.email")}
        name="email"
        type="email"
        autoComplete="email"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        error={error}
      />
      <TextField
        label={t("user.mobile")}
        name="mobile"
        type="tel"
        autoComplete="tel"
        value={mobile}
        onChange={(e) => setMobile(e.target.value)}
        error={error}
        hint={t("hint.e164")}
      />
      <div className="admin-form-actions">
        <button type="submit" className="primary" disabled={saving}>
          {t("my.saveAccount")}
        </button>
        <span role="status" aria-live="polite">
          {saving ? t("common:state.loading") : saved ? t("common:state.saved") : ""}
        </span>
      </div>
    </form>
  );
}
