import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, Route, Routes } from "react-router-dom";

import { useSession } from "./auth/session";
import { Layout } from "./components/Layout";
import { SignIn } from "./components/SignIn";

// Each screen is its own chunk, loaded when first opened: the first screen stays small.
// A screen owns every path under its prefix (its own nested <Routes>).
const Callouts = lazy(() => import("./screens/callouts/CalloutsScreen"));
const InstalledBase = lazy(() => import("./screens/installed-base/InstalledBaseScreen"));
const ServiceTypes = lazy(() => import("./screens/service-types/ServiceTypesScreen"));
const Fieldwork = lazy(() => import("./screens/fieldwork/FieldworkScreen"));
const Campaigns = lazy(() => import("./screens/campaigns/CampaignsScreen"));
const Admin = lazy(() => import("./screens/admin/AdminScreen"));

export function App() {
  const { t } = useTranslation();
  const { user, hasRole } = useSession();
  if (user === undefined) return <p className="loading">{t("state.loading")}</p>;
  if (user === null) return <SignIn />;
  const home = hasRole("admin", "operator", "viewer") ? "/callouts" : "/fieldwork/my-day";
  return (
    <Layout>
      <Suspense fallback={<p className="loading">{t("state.loading")}</p>}>
        <Routes>
          <Route path="/" element={<Navigate to={home} replace />} />
          <Route path="/callouts/*" element={<Callouts />} />
          <Route path="/installed-base/*" element={<InstalledBase />} />
          <Route path="/service-types/*" element={<ServiceTypes />} />
          <Route path="/fieldwork/*" element={<Fieldwork />} />
          <Route path="/campaigns/*" element={<Campaigns />} />
          <Route path="/admin/*" element={<Admin />} />
          <Route path="*" element={<p role="alert">{t("error.notFound")}</p>} />
        </Routes>
      </Suspense>
    </Layout>
  );
}
