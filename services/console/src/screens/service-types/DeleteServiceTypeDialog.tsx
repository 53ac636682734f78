import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../api/client";
import { Dialog } from "../../components/Dialog";
import { ProblemAlert } from "../../components/ProblemAlert";

import type { ServiceTypeOut } from "./draft";
import { NS } from "./messages";

/** Deletion asks first and says what it does; the API needs `confirm=true`, and the
 * version shown (If-Match) so a type changed meanwhile is not deleted unseen. */
export function DeleteServiceTypeDialog({
  serviceType,
  onClose,
  onDeleted,
}: {
  serviceType: Pick<ServiceTypeOut, "id" | "display_name" | "version">;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const { t } = useTranslation(NS);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.DELETE("/api/service-types/{service_type_id}", {
        params: { path: { service_type_id: serviceType.id }, query: { confirm: true } },
        headers: { "If-Match": `"${serviceType.version}"` },
      });
      onDeleted();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={t("delete.title", { name: serviceType.display_name })}
      onClose={onClose}
      footer={
        <>
          <button type="button" onClick={onClose}>
            {t("common:action.cancel")}
          </button>
          <button type="button" className="danger" disabled={busy} onClick={() => void remove()}>
            {t("delete.confirm")}
          </button>
        </>
      }
    >
      <p>{t("delete.effect")}</p>
      <ProblemAlert error={error} />
    </Dialog>
  );
}
