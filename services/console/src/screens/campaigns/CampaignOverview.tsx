// The campaign's definition as read, with "Edit" for admins while the state allows it.
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { useLoad } from "../../hooks/useLoad";
import { api } from "../../api/client";
import type { CampaignTabProps } from "./CampaignPage";
import { CampaignForm } from "./CampaignForm";
import { NS } from "./messages";
import { useCampaignRoles } from "./roles";
import { formatDateTime } from "./rules";

export function CampaignOverview({ campaign, etag, onSaved }: CampaignTabProps & { onSaved: () => void }) {
  const { t, i18n } = useTranslation(NS);
  const { manager } = useCampaignRoles();
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  const template = useLoad(async () => {
    const { data } = await api.GET("/api/case-templates/{template_id}", {
      params: { path: { template_id: campaign.template_id } },
    });
    return data;
  }, [campaign.template_id]);
  const parent = useLoad(async () => {
    const { data } = await api.GET("/api/cases/{case_id}", { params: { path: { case_id: campaign.parent_case_id } } });
    return data;
  }, [campaign.parent_case_id]);

  if (editing) {
    return (
      <CampaignForm
        campaign={campaign}
        etag={etag}
        onCancel={() => setEditing(false)}
        onSaved={() => {
          setEditing(false);
          setSaved(true);
          onSaved();
        }}
      />
    );
  }
  const translations = Object.entries(campaign.translations);
  const canEdit = manager && campaign.state !== "closed";
  return (
    <div className="panel">
      <h2>{t("tab.overview")}</h2>
      {saved ? (
        <p className="alert alert-ok" role="status">
          {t("common:state.saved")}
        </p>
      ) : null}
      <dl className="campaigns-definition">
        <dt>{t("field.code")}</dt>
        <dd>{campaign.code}</dd>
        <dt>{t("field.name")}</dt>
        <dd>{campaign.name}</dd>
        <dt>{t("form.translations")}</dt>
        <dd>{translations.length ? translations.map(([l, n]) => `${l}: ${n}`).join(" · ") : "—"}</dd>
        <dt>{t("field.template")}</dt>
        <dd>{template.data?.name ?? campaign.template_id}</dd>
        <dt>{t("field.parentCase")}</dt>
        <dd>{parent.data ? `${parent.data.number} — ${parent.data.title}` : campaign.parent_case_id}</dd>
        <dt>{t("field.useCustomerFromOrder")}</dt>
        <dd>{campaign.use_customer_from_order ? t("common:yes") : t("common:no")}</dd>
        <dt>{t("field.ourReference")}</dt>
        <dd>{campaign.our_reference || "—"}</dd>
        <dt>{t("field.causeCode")}</dt>
        <dd>{campaign.cause_code || "—"}</dd>
        <dt>{t("field.causeDescription")}</dt>
        <dd>{campaign.cause_description || "—"}</dd>
        <dt>{t("field.createdAt")}</dt>
        <dd>
          {formatDateTime(campaign.created_at, i18n.language)} {campaign.created_by ?? ""}
        </dd>
        {campaign.released_at ? (
          <>
            <dt>{t("field.releasedAt")}</dt>
            <dd>
              {formatDateTime(campaign.released_at, i18n.language)} {campaign.released_by ?? ""}
            </dd>
          </>
        ) : null}
        {campaign.closed_at ? (
          <>
            <dt>{t("field.closedAt")}</dt>
            <dd>
              {formatDateTime(campaign.closed_at, i18n.language)} {campaign.closed_by ?? ""}
            </dd>
          </>
        ) : null}
      </dl>
      {canEdit ? (
        <button
          type="button"
          onClick={() => {
            setSaved(false);
            setEditing(true);
          }}
        >
          {t("detail.edit")}
        </button>
      ) : null}
    </div>
  );
}
