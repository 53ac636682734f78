// A new parent case (admins): the case every case of a campaign is linked to.
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../api/client";
import { Dialog } from "../../components/Dialog";
import { TextField } from "../../components/Field";
import { ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./messages";
import type { Case } from "./types";

export function ParentCaseDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (c: Case) => void }) {
  const { t } = useTranslation(NS);
  const [title, setTitle] = useState("");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const { data } = await api.POST("/api/cases", { body: { title: title.trim() } });
      if (data) onCreated(data);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={t("parent.title")} onClose={onClose}>
      <form onSubmit={(e) => void submit(e)}>
        <ProblemAlert error={error} claimedFields={["title"]} />
        <TextField
          label={t("parent.caseTitle")}
          name="title"
          error={error}
          required
          value={title}
          onChange={(e) => setTitle(e.target.value)}
        />
        <div className="toolbar">
          <button type="submit" className="primary" disabled={busy || !title.trim()}>
            {t("parent.create")}
          </button>
          <button type="button" onClick={onClose}>
            {t("common:action.cancel")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
