import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { Dialog } from "./Dialog";
import { ProblemAlert } from "./ProblemAlert";

/** "Are you sure?" before a change that cannot simply be undone; the API's refusal (a 409,
 * a stale version) is shown in the dialog (by `errorView`, a ProblemAlert unless given). */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  onConfirm,
  onClose,
  danger = true,
  errorView,
}: {
  title: ReactNode;
  children?: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
  danger?: boolean;
  errorView?: (error: unknown) => ReactNode;
}) {
  const { t } = useTranslation();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      onClose();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={title}
      onClose={onClose}
      footer={
        <>
          <button type="button" onClick={onClose}>
            {t("action.cancel")}
          </button>
          <button type="button" className={danger ? "danger" : "primary"} disabled={busy} onClick={() => void confirm()}>
            {confirmLabel}
          </button>
        </>
      }
    >
      {children}
      {errorView ? (error ? errorView(error) : null) : <ProblemAlert error={error} />}
    </Dialog>
  );
}
