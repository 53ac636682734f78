import { useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import { ProblemAlert } from "../../../components/ProblemAlert";
import { SelectField } from "../../../components/Field";
import { sizeText } from "./format";
import { NS } from "./messages";
import {
  attachmentUrl,
  deleteAttachment,
  uploadAttachment,
  type AttachmentKind,
  type AttachmentOut,
  type ProtocolView,
} from "./technicianApi";

const KINDS: readonly AttachmentKind[] = ["photo_before", "photo_after", "signed_protocol"];

/** Photos (and a signed protocol) of the visit: taken with the phone's camera or picked,
 * uploaded as they are, shown as thumbnails; a draft's attachment can be removed. */
export function PhotoSection({
  protocol,
  readOnly,
  onChanged,
}: {
  protocol: ProtocolView;
  readOnly: boolean;
  onChanged: () => void;
}) {
  const { t, i18n } = useTranslation(NS);
  const [kind, setKind] = useState<AttachmentKind>("photo_after");
  const [progress, setProgress] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const fileInput = useRef<HTMLInputElement>(null);
  const inputId = useId();

  async function upload(files: File[]) {
    if (files.length === 0) return;
    setBusy(true);
    setError(undefined);
    let sent = 0;
    try {
      for (const file of files) {
        setProgress(t("photos.uploading", { name: file.name, n: sent + 1, count: files.length }));
        await uploadAttachment(protocol.id, file, kind);
        sent += 1;
      }
      setProgress(t("photos.uploaded", { count: sent }));
    } catch (failure) {
      setError(failure);
      setProgress("");
    } finally {
      setBusy(false);
      if (fileInput.current) fileInput.current.value = "";
      if (sent > 0) onChanged();
    }
  }

  async function remove(attachment: AttachmentOut) {
    setBusy(true);
    setError(undefined);
    try {
      await deleteAttachment(protocol.id, attachment.id);
      setProgress(t("photos.removed", { name: attachment.file_name }));
      onChanged();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="tech-subsection" aria-labelledby="tech-photos-title">
      <h3 id="tech-photos-title">{t("photos.title")}</h3>
      <ProblemAlert error={error} />
      {readOnly ? null : (
        <div className="tech-upload">
          <SelectField
            label={t("photos.kind")}
            name="kind"
            value={kind}
            onChange={(e) => setKind(e.target.value as AttachmentKind)}
            options={KINDS.map((k) => ({ value: k, label: t(`photos.kinds.${k}`) }))}
          />
          <label htmlFor={inputId} className={`button primary tech-big tech-file-label${busy ? " is-busy" : ""}`}>
            {t("photos.add")}
          </label>
          <input
            ref={fileInput}
            id={inputId}
            className="tech-file-input"
            type="file"
            accept={kind === "signed_protocol" ? "image/*,application/pdf" : "image/*"}
            capture="environment"
            multiple
            disabled={busy}
            onChange={(e) => void upload(Array.from(e.target.files ?? []))}
          />
        </div>
      )}
      <p aria-live="polite" className="muted">
        {progress}
      </p>
      {protocol.attachments.length === 0 ? (
        <p className="muted">{t("photos.empty")}</p>
      ) : (
        <ul className="tech-thumbs">
          {protocol.attachments.map((a) => (
            <li key={a.id} className="tech-thumb">
              <a href={attachmentUrl(protocol.id, a.id)} target="_blank" rel="noopener">
                {a.media_type.startsWith("image/") && a.media_type !== "image/heic" ? (
                  <img src={attachmentUrl(protocol.id, a.id)} alt={a.file_name} loading="lazy" />
                ) : (
                  <span className="tech-thumb-file">{a.file_name}</span>
                )}
              </a>
              <p className="tech-thumb-caption">
                {t(`photos.kinds.${a.kind}`)} · {sizeText(a.size_bytes, i18n.language)}
              </p>
              {readOnly ? null : (
                <button type="button" className="danger" disabled={busy} onClick={() => void remove(a)}>
                  {t("photos.remove")}
                  <span className="visually-hidden"> {a.file_name}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
