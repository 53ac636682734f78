import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { api, etagOf } from "../../../api/client";
import type { components } from "../../../api/schema";
import { Dialog } from "../../../components/Dialog";
import { CheckboxField, TextField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { FormProblem } from "../shared/FormProblem";
import { useLoad } from "../../../hooks/useLoad";
import { NS } from "../messages";
import { blankUserForm, ROLES, userCreateBody, userFormOf, userPatchBody, type UserForm } from "../rules";
import { CheckboxGroup } from "../shared/CheckboxGroup";
import { claimedBy, explainPatterns } from "../shared/fieldErrors";
import type { OrgUnit } from "../shared/useOrgUnits";
import { UserChannels } from "./UserChannels";

type User = components["schemas"]["UserAdminOut"];

const FIELDS = ["username", "display_name", "password", "roles", "org_units", "email", "mobile", "active"];

/** Create a user (no `user`) or edit one (its current version fetched for If-Match). */
export function UserDialog({
  user,
  orgUnits,
  onClose,
  onSaved,
}: {
  user?: User;
  orgUnits: readonly OrgUnit[];
  onClose: () => void;
  onSaved: (user: User) => void;
}) {
  const { t } = useTranslation(NS);
  const title = user ? t("users.editTitle", { name: user.username }) : t("users.new");
  const current = useLoad(async () => {
    if (!user) return undefined;
    const { data, response } = await api.GET("/auth/users/{user_id}", { params: { path: { user_id: user.id } } });
    return { user: data as User, etag: etagOf(response) };
  }, [user?.id]);

  if (user && !current.data) {
    return (
      <Dialog title={title} onClose={onClose}>
        {current.error ? <ProblemAlert error={current.error} onRetry={current.reload} /> : <p className="muted">{t("common:state.loading")}</p>}
      </Dialog>
    );
  }
  return (
    <UserFormDialog
      key={current.data?.etag ?? "new"}
      title={title}
      before={current.data}
      orgUnits={orgUnits}
      onClose={onClose}
      onSaved={onSaved}
    />
  );
}

function UserFormDialog({
  title,
  before,
  orgUnits,
  onClose,
  onSaved,
}: {
  title: string;
  before: { user: User; etag: string } | undefined;
  orgUnits: readonly OrgUnit[];
  onClose: () => void;
  onSaved: (user: User) => void;
}) {
  const { t } = useTranslation(NS);
  const [form, setForm] = useState<UserForm>(() => (before ? userFormOf(before.user) : blankUserForm()));
  const [error, setError] = useState<unknown>();
  const [saving, setSaving] = useState(false);
  const set = <K extends keyof UserForm>(key: K, value: UserForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const formId = before ? `admin-user-form-${before.user.id}` : "admin-user-form-new";

  // Codes the user has that the org unit list does not show stay visible (and removable).
  const known = new Set(orgUnits.map((o) => o.code));
  const unitOptions = [
    ...orgUnits.map((o) => ({ value: o.code, label: `${o.code} — ${o.name}` })),
    ...form.org_units.filter((c) => !known.has(c)).map((c) => ({ value: c, label: c })),
  ];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setError(undefined);
    try {
      if (before) {
        const { data } = await api.PATCH("/auth/users/{user_id}", {
          params: { path: { user_id: before.user.id } },
          body: userPatchBody(before.user, form),
          headers: { "If-Match": before.etag },
        });
        if (data) onSaved(data);
      } else {
        const { data } = await api.POST("/auth/users", { body: userCreateBody(form) });
        if (data) onSaved(data);
      }
    } catch (failure) {
      setError(explainPatterns(failure, { mobile: t("error.mobile") }));
      setSaving(false);
    }
  };

  return (
    <Dialog
      title={title}
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" onClick={onClose}>
            {t("common:action.cancel")}
          </button>
          <button type="submit" form={formId} className="primary" disabled={saving}>
            {before ? t("common:action.save") : t("users.create")}
          </button>
        </>
      }
    >
      <form id={formId} onSubmit={(e) => void submit(e)} noValidate>
        <FormProblem error={error} claimedFields={claimedBy(error, FIELDS)} />
        <div className="form-grid">
          <TextField
            label={t("user.username")}
            name="username"
            value={form.username}
            onChange={(e) => set("username", e.target.value)}
            error={error}
            readOnly={before !== undefined}
            required
            autoComplete="off"
          />
          <TextField label={t("user.displayName")} name="display_name" value={form.display_name} onChange={(e) => set("display_name", e.target.value)} error={error} />
          {before ? null : (
            <TextField
              label={t("user.password")}
              name="password"
              type="password"
              autoComplete="new-password"
              value={form.password}
              onChange={(e) => set("password", e.target.value)}
              error={error}
              hint={t("hint.password")}
              required
            />
          )}
          <TextField label={t("user.email")} name="email" type="email" value={form.email} onChange={(e) => set("email", e.target.value)} error={error} />
          <TextField label={t("user.mobile")} name="mobile" type="tel" value={form.mobile} onChange={(e) => set("mobile", e.target.value)} error={error} hint={t("hint.e164")} />
        </div>
        <CheckboxGroup
          legend={t("user.roles")}
          name="roles"
          options={ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))}
          value={form.roles}
          onChange={(roles) => set("roles", roles)}
          error={error}
        />
        <CheckboxGroup
          legend={t("user.orgUnits")}
          name="org_units"
          options={unitOptions}
          value={form.org_units}
          onChange={(units) => set("org_units", units)}
          error={error}
          hint={t("hint.orgUnits")}
        />
        {before ? (
          <CheckboxField label={t("user.active")} name="active" checked={form.active} onChange={(e) => set("active", e.target.checked)} error={error} />
        ) : null}
      </form>
      {before ? <UserChannels username={before.user.username} /> : null}
    </Dialog>
  );
}
