import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";

import { api } from "../../api/client";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useSession } from "../../auth/session";
import { useLoad } from "../../hooks/useLoad";
import { CalloutList } from "./CalloutList";
import { NS } from "./messages";

/** The "Service callouts" tab of one serial item: every callout of the item (no default
 * window), the same actions, and "Recalculate messages" for operators. */
export function SerialItemCallouts() {
  const { serialItemId = "" } = useParams();
  const { t } = useTranslation(NS);
  const { hasRole } = useSession();
  const canAct = hasRole("admin", "operator");
  const item = useLoad(
    async () =>
      (await api.GET("/api/serial-items/{serial_item_id}", { params: { path: { serial_item_id: serialItemId } } }))
        .data,
    [serialItemId],
  );
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [reloads, setReloads] = useState(0);

  const recalculate = async () => {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      const { data } = await api.POST("/api/callouts/serial-items/{serial_item_id}/recalculate", {
        params: { path: { serial_item_id: serialItemId } },
      });
      if (data) setNotice(t("recalculate.done", data));
      setReloads((n) => n + 1);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const name = item.data ? [item.data.serial_number, item.data.name].filter(Boolean).join(" · ") : serialItemId;
  return (
    <section aria-labelledby="callouts-item-title">
      <p>
        <Link to="/callouts">{t("item.back")}</Link>
        {" · "}
        <Link to={`/installed-base/serial-items/${serialItemId}`}>{t("item.open")}</Link>
      </p>
      <h1 id="callouts-item-title">{t("item.title", { name })}</h1>
      <ProblemAlert error={item.error} />
      <div aria-live="polite">
        {notice ? (
          <div role="status" className="alert alert-ok">
            {notice}
          </div>
        ) : null}
      </div>
      <ProblemAlert error={error} />
      <CalloutList
        key={serialItemId}
        serialItemId={serialItemId}
        reloadSignal={reloads}
        extraActions={
          canAct ? (
            <button type="button" className="primary" disabled={busy} onClick={() => void recalculate()}>
              {t("action.recalculate")}
            </button>
          ) : null
        }
      />
    </section>
  );
}
