import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../../api/client";
import { CheckboxField, TextAreaField, TextField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { useLoad } from "../../../hooks/useLoad";
import { formatDateTime } from "../shared/format";
import { NS } from "../shared/messages";

/** The booking confirmation (`GET|POST .../booking-confirmation`): whether one can be
 * offered and to whom, send (or resend) it by e-mail and/or SMS; and the sent log
 * (`GET .../sent-log`), an entry flagged when the booking changed since it went out. */
export function ConfirmationPanel({
  orderId,
  canSend,
  booked,
  version,
}: {
  orderId: string;
  canSend: boolean;
  /** Whether a booking stands: there is nothing to confirm without one. */
  booked: boolean;
  version: number;
}) {
  const { t, i18n } = useTranslation(NS);
  const offer = useLoad(async () => {
    const { data } = await api.GET("/api/service-orders/{order_id}/booking-confirmation", { params: { path: { order_id: orderId } } });
    return data;
  }, [orderId, version]);
  const log = useLoad(async () => {
    const { data } = await api.GET("/api/service-orders/{order_id}/sent-log", { params: { path: { order_id: orderId } } });
    return data?.items ?? [];
  }, [orderId, version]);
  const [email, setEmail] = useState(true);
  const [sms, setSms] = useState(false);
  const [emails, setEmails] = useState("");
  const [mobiles, setMobiles] = useState("");
  const [note, setNote] = useState("");
  const [error, setError] = useState<unknown>();
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  const alreadySent = (log.data ?? []).some((entry) => entry.purpose === "booking_confirmation");

  const list = (text: string) => text.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSent(false);
    try {
      const channels = [...(email ? (["email"] as const) : []), ...(sms ? (["sms"] as const) : [])];
      await api.POST("/api/service-orders/{order_id}/booking-confirmation", {
        params: { path: { order_id: orderId } },
        body: {
          channels,
          emails: email && list(emails).length > 0 ? list(emails) : null,
          mobiles: sms && list(mobiles).length > 0 ? list(mobiles) : null,
          note: note.trim() || null,
        },
      });
      setSent(true);
      log.reload();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const recipient = offer.data?.default_recipient;
  return (
    <section className="panel" aria-labelledby="fw-confirmation">
      <h2 id="fw-confirmation">{t("confirmation.title")}</h2>
      <ProblemAlert error={offer.error} onRetry={offer.reload} />
      {offer.data ? (
        offer.data.can_offer ? (
          <p>{recipient ? t("confirmation.defaultTo", { name: recipient.name, address: recipient.email ?? recipient.mobile ?? "" }) : t("confirmation.canOffer")}</p>
        ) : (
          <p className="muted">{t("confirmation.cannot", { reason: offer.data.reason ?? "" })}</p>
        )
      ) : null}
      {canSend && booked ? (
        <form onSubmit={(e) => void submit(e)} aria-label={t("confirmation.title")}>
          <fieldset className="fw-fieldset">
            <legend>{t("confirmation.channels")}</legend>
            <CheckboxField label={t("confirmation.email")} name="channels" checked={email} onChange={(e) => setEmail(e.target.checked)} />
            <CheckboxField label={t("confirmation.sms")} name="channels.1" checked={sms} onChange={(e) => setSms(e.target.checked)} />
          </fieldset>
          <div className="form-grid">
            {email ? (
              <TextField label={t("confirmation.emails")} name="emails" error={error} hint={t("confirmation.emailsHint")} value={emails} onChange={(e) => setEmails(e.target.value)} />
            ) : null}
            {sms ? (
              <TextField label={t("confirmation.mobiles")} name="mobiles" error={error} hint={t("confirmation.mobilesHint")} value={mobiles} onChange={(e) => setMobiles(e.target.value)} />
            ) : null}
          </div>
          <TextAreaField label={t("confirmation.note")} name="note" error={error} maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} />
          <ProblemAlert error={error} claimedFields={["emails", "mobiles", "note"]} />
          {sent ? (
            <p role="status" className="alert alert-ok">
              {t("confirmation.sent")}
            </p>
          ) : null}
          <button type="submit" className="primary" disabled={busy || (!email && !sms)}>
            {alreadySent ? t("confirmation.resend") : t("confirmation.send")}
          </button>
        </form>
      ) : null}
      <h3>{t("sentLog.title")}</h3>
      <ProblemAlert error={log.error} onRetry={log.reload} />
      {log.data && log.data.length === 0 ? <p className="muted">{t("sentLog.empty")}</p> : null}
      {log.data && log.data.length > 0 ? (
        <div className="table-wrap">
          <table className="data-table">
            <caption>{t("sentLog.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("sentLog.requested")}</th>
                <th scope="col">{t("sentLog.purpose")}</th>
                <th scope="col">{t("sentLog.channel")}</th>
                <th scope="col">{t("sentLog.recipients")}</th>
                <th scope="col">{t("sentLog.state")}</th>
              </tr>
            </thead>
            <tbody>
              {log.data.map((entry) => (
                <tr key={entry.id}>
                  <td>{formatDateTime(entry.requested_at, i18n.language)}</td>
                  <td>{t(`purpose.${entry.purpose ?? "booking_confirmation"}`, { defaultValue: entry.purpose })}</td>
                  <td>{entry.channel}</td>
                  <td>{entry.recipients.join(", ")}</td>
                  <td>
                    {entry.state}
                    {entry.detail ? <span className="muted"> — {entry.detail}</span> : null}
                    {entry.flagged ? <span className="badge badge-warn">{t("sentLog.flagged")}</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
