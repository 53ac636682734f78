import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import { Dialog } from "../../../components/Dialog";
import { NS } from "../messages";
import { ChangeError } from "../shared";
import type { SerialItem } from "../types";
import { CustomerPicker } from "./CustomerPicker";

/** POST /api/serial-items/{id}/owner: a new owner, based on the item's version. */
export function OwnerDialog({
  item,
  etag,
  onSaved,
  onClose,
  onReload,
}: {
  item: SerialItem;
  etag: string;
  onSaved: () => void;
  onClose: () => void;
  onReload: () => void;
}) {
  const { t } = useTranslation(NS);
  const [owner, setOwner] = useState("");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.POST("/api/serial-items/{serial_item_id}/owner", {
        params: { path: { serial_item_id: item.id } },
        headers: { "If-Match": etag },
        body: { owner_customer_id: owner },
      });
      onSaved();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <Dialog title={t("item.changeOwnerTitle", { serial: item.serial_number })} onClose={onClose}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <ChangeError
          error={error}
          claimedFields={["owner_customer_id"]}
          onReload={() => {
            onClose();
            onReload();
          }}
        />
        <CustomerPicker name="owner_customer_id" label={t("item.owner")} value={owner} onChange={setOwner} error={error} />
        <div className="ib-actions">
          <button type="button" onClick={onClose}>
            {t("common:action.cancel")}
          </button>
          <button type="submit" className="primary" disabled={busy || !owner}>
            {t("item.changeOwner")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
