// Users and roles (admins): the list (active filter, keyset pages), create, edit, reset
// a password, deactivate.
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { DataTable, Pager, type Column } from "../../../components/DataTable";
import { SelectField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useKeysetList } from "../../../hooks/useKeysetList";
import { NS } from "../messages";
import { versionTag } from "../rules";
import { ConfirmDialog } from "../../../components/ConfirmDialog";
import { useOrgUnits } from "../shared/useOrgUnits";
import { PasswordDialog } from "./PasswordDialog";
import { UserDialog } from "./UserDialog";

type User = components["schemas"]["UserAdminOut"];
type ActiveFilter = "" | "true" | "false";
type Open = { kind: "create" } | { kind: "edit" | "password" | "deactivate"; user: User } | null;

export function UsersTab() {
  const { t } = useTranslation(NS);
  const [active, setActive] = useState<ActiveFilter>("true");
  const [open, setOpen] = useState<Open>(null);
  const [notice, setNotice] = useState("");
  const orgUnits = useOrgUnits();
  const list = useKeysetList<User>(
    async (cursor) => {
      const { data } = await api.GET("/auth/users", {
        params: { query: { active: active === "" ? undefined : active === "true", cursor, limit: 50 } },
      });
      return data ?? { items: [], next_cursor: null };
    },
    [active],
  );

  const done = (message: string) => {
    setOpen(null);
    setNotice(message);
    list.reload();
  };

  const columns: Column<User>[] = [
    { key: "username", header: t("user.username"), render: (u) => u.username },
    { key: "display_name", header: t("user.displayName"), render: (u) => u.display_name },
    { key: "roles", header: t("user.roles"), render: (u) => u.roles.map((r) => t(`role.${r}`, { defaultValue: r })).join(", ") },
    { key: "org_units", header: t("user.orgUnits"), render: (u) => (u.org_units.length ? u.org_units.join(", ") : t("user.allOrgUnits")) },
    { key: "email", header: t("user.email"), render: (u) => u.email ?? "" },
    { key: "mobile", header: t("user.mobile"), render: (u) => u.mobile ?? "" },
    {
      key: "active",
      header: t("user.status"),
      render: (u) => <span className={u.active ? "badge badge-ok" : "badge"}>{u.active ? t("user.active") : t("user.inactive")}</span>,
    },
    {
      key: "actions",
      header: <span className="visually-hidden">{t("actions")}</span>,
      render: (u) => (
        <span className="admin-actions">
          <button type="button" onClick={() => setOpen({ kind: "edit", user: u })} aria-label={t("users.editNamed", { name: u.username })}>
            {t("common:action.edit")}
          </button>
          <button type="button" onClick={() => setOpen({ kind: "password", user: u })} aria-label={t("users.passwordNamed", { name: u.username })}>
            {t("users.resetPassword")}
          </button>
          {u.active ? (
            <button type="button" className="danger" onClick={() => setOpen({ kind: "deactivate", user: u })} aria-label={t("users.deactivateNamed", { name: u.username })}>
              {t("users.deactivate")}
            </button>
          ) : null}
        </span>
      ),
    },
  ];

  return (
    <section className="panel" aria-labelledby="admin-users-title">
      <h2 id="admin-users-title">{t("tab.users")}</h2>
      <div className="toolbar">
        <div className="filters">
          <SelectField
            label={t("users.show")}
            name="active"
            value={active}
            onChange={(e) => setActive(e.target.value as ActiveFilter)}
            options={[
              { value: "true", label: t("users.showActive") },
              { value: "false", label: t("users.showInactive") },
              { value: "", label: t("common:all") },
            ]}
          />
        </div>
        <button type="button" className="primary" onClick={() => setOpen({ kind: "create" })}>
          {t("users.new")}
        </button>
      </div>
      <p role="status" aria-live="polite" className="muted">
        {notice}
      </p>
      <ProblemAlert error={list.error} onRetry={list.reload} />
      <DataTable caption={t("users.caption")} columns={columns} rows={list.items} rowKey={(u) => u.id} empty={list.loading ? t("common:state.loading") : t("users.none")} />
      <Pager count={list.items.length} hasMore={list.hasMore} loading={list.loading} onMore={list.loadMore} />
      {open?.kind === "create" ? (
        <UserDialog orgUnits={orgUnits.data ?? []} onClose={() => setOpen(null)} onSaved={(u) => done(t("users.created", { name: u.username }))} />
      ) : null}
      {open?.kind === "edit" ? (
        <UserDialog user={open.user} orgUnits={orgUnits.data ?? []} onClose={() => setOpen(null)} onSaved={(u) => done(t("users.saved", { name: u.username }))} />
      ) : null}
      {open?.kind === "password" ? (
        <PasswordDialog user={open.user} onClose={() => setOpen(null)} onSaved={() => done(t("users.passwordSet", { name: open.user.username }))} />
      ) : null}
      {open?.kind === "deactivate" ? (
        <ConfirmDialog
          title={t("users.deactivateTitle", { name: open.user.username })}
          confirmLabel={t("users.deactivate")}
          onClose={() => setOpen(null)}
          onConfirm={async () => {
            await api.POST("/auth/users/{user_id}/deactivate", {
              params: { path: { user_id: open.user.id } },
              headers: { "If-Match": versionTag(open.user.version) },
            });
            done(t("users.deactivated", { name: open.user.username }));
          }}
        >
          <p>{t("users.deactivateText")}</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
