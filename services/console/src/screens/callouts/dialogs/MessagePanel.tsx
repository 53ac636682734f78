import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useLoad } from "../../../hooks/useLoad";
import { formatInstant } from "../format";
import { NS } from "../messages";
import type { SentMessage } from "../types";

/** "Show message": the messages generated for the callout (initial, on completion) as
 * notifications holds them; a warning when none has been generated yet. */
export function MessagePanel({ calloutId }: { calloutId: string }) {
  const { t } = useTranslation(NS);
  const loaded = useLoad(async () => {
    const { data } = await api.GET("/api/callouts/{callout_id}/message", {
      params: { path: { callout_id: calloutId } },
    });
    const links = data?.messages ?? [];
    const messages = await Promise.all(
      links.map(async (link) => {
        const { data: message } = await api.GET("/api/messages/{message_id}", {
          params: { path: { message_id: link.message_id } },
        });
        return { purpose: link.purpose, message };
      }),
    );
    return { warning: data?.warning ?? null, messages };
  }, [calloutId]);

  if (loaded.error) return <ProblemAlert error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p className="muted">{t("common:state.loading")}</p>;
  const { warning, messages } = loaded.data;
  return (
    <div>
      {warning || messages.length === 0 ? (
        <div role="status" className="alert alert-info">
          {t("message.none")}
        </div>
      ) : null}
      {messages.map(({ purpose, message }) =>
        message ? <MessageView key={message.id} purpose={purpose} message={message} /> : null,
      )}
    </div>
  );
}

function MessageView({ purpose, message }: { purpose: string; message: SentMessage }) {
  const { t, i18n } = useTranslation(NS);
  const sentTo = message.sent_to ?? [];
  return (
    <section className="callouts-message" aria-label={t(`message.purpose.${purpose}`, { defaultValue: purpose })}>
      <h3>{t(`message.purpose.${purpose}`, { defaultValue: purpose })}</h3>
      <dl className="callouts-facts">
        <div>
          <dt>{t("message.status")}</dt>
          <dd>{t(`message.status.${message.status}`, { defaultValue: message.status })}</dd>
        </div>
        {message.subject ? (
          <div>
            <dt>{t("message.subject")}</dt>
            <dd>{message.subject}</dd>
          </div>
        ) : null}
        <div>
          <dt>{t("message.recipients")}</dt>
          <dd>{message.recipients.join(", ")}</dd>
        </div>
        {sentTo.length ? (
          <div>
            <dt>{t("message.sentTo")}</dt>
            <dd>{sentTo.join(", ")}</dd>
          </div>
        ) : null}
        {message.sent_at ? (
          <div>
            <dt>{t("message.sentAt")}</dt>
            <dd>{formatInstant(message.sent_at, i18n.language)}</dd>
          </div>
        ) : null}
        {message.reason ? (
          <div>
            <dt>{t("message.reason")}</dt>
            <dd>
              {message.reason}
              {message.detail ? `: ${message.detail}` : ""}
            </dd>
          </div>
        ) : null}
      </dl>
      {message.body_text ? (
        <>
          <h4>{t("message.body")}</h4>
          <pre className="callouts-pre">{message.body_text}</pre>
        </>
      ) : null}
      {message.sms_text ? (
        <>
          <h4>{t("message.sms")}</h4>
          <pre className="callouts-pre">{message.sms_text}</pre>
        </>
      ) : null}
    </section>
  );
}
