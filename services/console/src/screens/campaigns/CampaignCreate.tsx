// A new campaign (admins): the form, then the campaign's page to add serial numbers.
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";

import { CampaignForm } from "./CampaignForm";
import { NS } from "./messages";
import { useCampaignRoles } from "./roles";

export function CampaignCreate() {
  const { t } = useTranslation(NS);
  const { manager } = useCampaignRoles();
  const navigate = useNavigate();
  return (
    <section>
      <p>
        <Link to="/campaigns">{t("detail.back")}</Link>
      </p>
      <h1>{t("list.new")}</h1>
      {manager ? (
        <CampaignForm onCancel={() => navigate("/campaigns")} onSaved={(c) => navigate(`/campaigns/${c.id}/serials`)} />
      ) : (
        <p role="alert">{t("common:error.forbidden")}</p>
      )}
    </section>
  );
}
