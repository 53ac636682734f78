// Service campaigns (seed 001): the list, a new campaign, one campaign's tabs, case
// templates. Mounted at /campaigns/*; every path below it is routed here.
import { useTranslation } from "react-i18next";
import { Route, Routes } from "react-router-dom";

import { useSession } from "../../auth/session";
import "./campaigns.css";
import { CampaignCreate } from "./CampaignCreate";
import { CampaignList } from "./CampaignList";
import { CampaignPage } from "./CampaignPage";
import { NS } from "./messages";
import { TemplatesPage } from "./TemplatesPage";

export default function CampaignsScreen() {
  const { t } = useTranslation(NS);
  const { hasRole } = useSession();
  // Technicians have no campaigns (the gateway answers them 403): say so plainly.
  if (!hasRole("admin", "operator", "viewer")) return <p role="alert">{t("common:error.forbidden")}</p>;
  return (
    <Routes>
      <Route index element={<CampaignList />} />
      <Route path="new" element={<CampaignCreate />} />
      <Route path="templates" element={<TemplatesPage />} />
      <Route path=":campaignId/*" element={<CampaignPage />} />
      <Route path="*" element={<p role="alert">{t("common:error.notFound")}</p>} />
    </Routes>
  );
}
