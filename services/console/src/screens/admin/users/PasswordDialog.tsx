import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { Dialog } from "../../../components/Dialog";
import { TextField } from "../../../components/Field";
import { FormProblem } from "../shared/FormProblem";
import { NS } from "../messages";
import { versionTag } from "../rules";

type User = components["schemas"]["UserAdminOut"];

/** A new password for a user (the strength rule is the gateway's: its message shows here). */
export function PasswordDialog({ user, onClose, onSaved }: { user: User; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation(NS);
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>();
  const [saving, setSaving] = useState(false);
  const formId = `admin-password-${user.id}`;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setError(undefined);
    try {
      await api.POST("/auth/users/{user_id}/password", {
        params: { path: { user_id: user.id } },
        body: { password },
        headers: { "If-Match": versionTag(user.version) },
      });
      onSaved();
    } catch (failure) {
      setError(failure);
      setSaving(false);
    }
  };
  return (
    <Dialog
      title={t("users.passwordTitle", { name: user.username })}
      onClose={onClose}
      footer={
        <>
          <button type="button" onClick={onClose}>
            {t("common:action.cancel")}
          </button>
          <button type="submit" form={formId} className="primary" disabled={saving}>
            {t("users.setPassword")}
          </button>
        </>
      }
    >
      <form id={formId} onSubmit={(e) => void submit(e)} noValidate>
        <FormProblem error={error} claimedFields={["password"]} />
        <TextField
          label={t("user.newPassword")}
          name="password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={error}
          hint={t("hint.password")}
          required
        />
      </form>
    </Dialog>
  );
}
