import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { Dialog } from "../../../components/Dialog";
import { ProblemAlert } from "../../../components/ProblemAlert";

/** "Are you sure?" before a change that cannot simply be undone; the API's refusal (a 409,
 * a stale version) is shown in the dialog. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  onConfirm,
  onClose,
  danger = true,
}: {
  title: ReactNode;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
  danger?: boolean;
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
      <ProblemAlert error={error} />
    </Dialog>
  );
}
