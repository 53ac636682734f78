import { useState } from "react";
import { useTranslation } from "react-i18next";

import { asProblem } from "../../../api/problem";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useLoad } from "../../../hooks/useLoad";
import { NS } from "./messages";
import { ProtocolEditor } from "./ProtocolEditor";
import { createProtocol, findProtocolId } from "./technicianApi";

/** The order's service protocol: opened here the first time, then edited on site. */
export function ProtocolPanel({
  orderId,
  canWrite,
  defaultWorkDate,
}: {
  orderId: string;
  canWrite: boolean;
  defaultWorkDate: string;
}) {
  const { t } = useTranslation(NS);
  const found = useLoad(() => findProtocolId(orderId), [orderId]);
  const [created, setCreated] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<unknown>();
  const protocolId = created ?? found.data ?? null;

  async function open() {
    setCreating(true);
    setError(undefined);
    try {
      setCreated((await createProtocol(orderId)).value.id);
    } catch (failure) {
      // Opened meanwhile (another device): the answer names it, so open that one.
      const existing = asProblem(failure).body["existing_protocol_id"];
      if (typeof existing === "string") setCreated(existing);
      else setError(failure);
    } finally {
      setCreating(false);
    }
  }

  return (
    <section className="panel tech-protocol" aria-labelledby="tech-protocol-title">
      <h2 id="tech-protocol-title">{t("protocol.title")}</h2>
      {found.loading ? <p aria-live="polite">{t("common:state.loading")}</p> : null}
      <ProblemAlert error={found.error} onRetry={found.reload} />
      {!found.loading && !found.error && !protocolId ? (
        canWrite ? (
          <>
            <p className="muted">{t("protocol.none")}</p>
            <ProblemAlert error={error} />
            <button type="button" className="primary tech-big" disabled={creating} onClick={() => void open()}>
              {t("protocol.start")}
            </button>
          </>
        ) : (
          <p className="muted">{t("protocol.noneReadOnly")}</p>
        )
      ) : null}
      {protocolId ? (
        <ProtocolEditor protocolId={protocolId} canWrite={canWrite} defaultWorkDate={defaultWorkDate} />
      ) : null}
    </section>
  );
}
