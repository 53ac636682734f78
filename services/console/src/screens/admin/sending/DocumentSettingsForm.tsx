import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { api, etagOf } from "../../../api/client";
import { ProblemError } from "../../../api/problem";
import type { components } from "../../../api/schema";
import { CheckboxField, TextAreaField } from "../../../components/Field";
import { ProblemAlert } from "../../../components/ProblemAlert";
import { FormProblem } from "../shared/FormProblem";
import { useLoad } from "../../../hooks/useLoad";
import { NS } from "../messages";
import { splitList } from "../rules";
import { claimedBy, groupMessages } from "../shared/fieldErrors";

type Settings = components["schemas"]["DocumentSettingsOut"];
const LISTS = ["planner_emails", "articles_to_order_emails", "ordered_articles_emails", "delivered_parts_emails"] as const;
type ListName = (typeof LISTS)[number];

/** The org unit's internal e-mail addresses (planners, articles to order...) and whether a
 * protocol's file name carries the machine number. */
export function DocumentSettingsForm({ orgUnitId }: { orgUnitId: string }) {
  const { t } = useTranslation(NS);
  // Kept here: the editor starts afresh from each saved version.
  const [saved, setSaved] = useState(false);
  const loaded = useLoad(async () => {
    const { data, response } = await api.GET("/api/document-settings/{org_unit_id}", { params: { path: { org_unit_id: orgUnitId } } });
    return { settings: data as Settings, etag: etagOf(response) };
  }, [orgUnitId]);
  if (loaded.error) return <ProblemAlert error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p className="muted">{t("common:state.loading")}</p>;
  return <Editor key={loaded.data.etag} orgUnitId={orgUnitId} settings={loaded.data.settings} etag={loaded.data.etag} onSaved={loaded.set} saved={saved} setSaved={setSaved} />;
}

function Editor({
  orgUnitId,
  settings,
  etag,
  onSaved,
  saved,
  setSaved,
}: {
  orgUnitId: string;
  settings: Settings;
  etag: string;
  onSaved: (next: { settings: Settings; etag: string }) => void;
  saved: boolean;
  setSaved: (saved: boolean) => void;
}) {
  const { t } = useTranslation(NS);
  const [lists, setLists] = useState<Record<ListName, string>>(
    () => Object.fromEntries(LISTS.map((n) => [n, (settings[n] ?? []).join(", ")])) as Record<ListName, string>,
  );
  const [withMachine, setWithMachine] = useState(settings.protocol_file_name_with_machine_number ?? false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      const body = Object.fromEntries(LISTS.map((n) => [n, splitList(lists[n])])) as Record<ListName, string[]>;
      const { data, response } = await api.PUT("/api/document-settings/{org_unit_id}", {
        params: { path: { org_unit_id: orgUnitId } },
        body: { ...body, protocol_file_name_with_machine_number: withMachine },
        headers: { "If-Match": etag },
      });
      setSaved(true);
      if (data) onSaved({ settings: data, etag: etagOf(response) });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="admin-document-settings">
      <h3 id="admin-document-settings">{t("documents.title")}</h3>
      <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="admin-document-settings">
        <FormProblem error={error} claimedFields={claimedBy(error, [...LISTS, "protocol_file_name_with_machine_number"])} />
        {LISTS.map((name) => {
          const messages = groupMessages(error, name);
          return (
            <TextAreaField
              key={name}
              label={t(`documents.${name}`)}
              name={name}
              rows={2}
              value={lists[name]}
              onChange={(e) => setLists((l) => ({ ...l, [name]: e.target.value }))}
              // An item's message ("planner_emails.1") shown under the whole list.
              error={messages.length ? new ProblemError(422, { errors: [{ field: name, message: messages.join(" ") }] }) : undefined}
              hint={t("hint.addresses")}
            />
          );
        })}
        <CheckboxField
          label={t("documents.protocol_file_name_with_machine_number")}
          name="protocol_file_name_with_machine_number"
          checked={withMachine}
          onChange={(e) => setWithMachine(e.target.checked)}
          error={error}
        />
        <div className="admin-form-actions">
          <button type="submit" className="primary" disabled={busy}>
            {t("common:action.save")}
          </button>
          <span role="status" aria-live="polite">
            {busy ? t("common:state.loading") : saved ? t("common:state.saved") : ""}
          </span>
        </div>
      </form>
    </section>
  );
}
