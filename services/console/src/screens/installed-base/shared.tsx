// Pieces the installed-base screens share: who may change, the "someone else changed it"
// alert, a confirmation dialog and dates in the user's language.
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { useSession } from "../../auth/session";
import { ConfirmDialog as SharedConfirmDialog } from "../../components/ConfirmDialog";
import { ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./messages";
import { isConcurrentChange } from "./rules";
import { dateTimeFormat } from "../../i18n/format";

/** Operators and admins change the installed base; viewers only read it. */
export function useCanChange(): boolean {
  return useSession().hasRole("admin", "operator");
}

/** A stale version (412/409): say so plainly and offer to reload; else the API's error. */
export function ChangeError({
  error,
  onReload,
  claimedFields = [],
}: {
  error: unknown;
  onReload: () => void;
  claimedFields?: readonly string[];
}) {
  const { t } = useTranslation(NS);
  if (!error) return null;
  if (isConcurrentChange(error)) {
    return (
      <div role="alert" className="alert alert-error ib-conflict">
        <strong>{t("conflict.title")}</strong>
        <p>{t("conflict.text")}</p>
        <button type="button" onClick={onReload}>
          {t("conflict.reload")}
        </button>
      </div>
    );
  }
  return <ProblemAlert error={error} claimedFields={claimedFields} />;
}

/** "Are you sure?" with the action's own button; a concurrent change offers a reload. */
export function ConfirmDialog({
  title,
  text,
  confirmLabel,
  onConfirm,
  onClose,
  onReload,
}: {
  title: string;
  text?: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
  onReload: () => void;
}) {
  return (
    <SharedConfirmDialog
      title={title}
      confirmLabel={confirmLabel}
      onConfirm={onConfirm}
      onClose={onClose}
      errorView={(error) => (
        <ChangeError
          error={error}
          onReload={() => {
            onClose();
            onReload();
          }}
        />
      )}
    >
      {text ? <p>{text}</p> : null}
    </SharedConfirmDialog>
  );
}

export function formatDate(value: string | null | undefined, language: string): string {
  if (!value) return "";
  const date = value.length === 10 ? new Date(`${value}T00:00:00`) : new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return dateTimeFormat(language, value.length === 10 ? { dateStyle: "medium" } : { dateStyle: "medium", timeStyle: "short" }).format(date);
}

/** A short success note, read out by screen readers. */
export function Notice({ text }: { text: string | undefined }) {
  return (
    <div aria-live="polite" className="ib-notice">
      {text ? <p className="alert alert-ok">{text}</p> : null}
    </div>
  );
}
