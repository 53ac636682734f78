import { useTranslation } from "react-i18next";
import { Navigate, NavLink, Route, Routes } from "react-router-dom";

import "./installed-base.css";
import { CustomerDetail } from "./customers/CustomerDetail";
import { CustomerEdit } from "./customers/CustomerEdit";
import { CustomersList } from "./customers/CustomersList";
import { ImportJobView } from "./imports/ImportJobView";
import { ImportsPage } from "./imports/ImportsPage";
import { NS } from "./messages";
import { ProductsList } from "./products/ProductsList";
import { SerialItemDetail } from "./serial-items/SerialItemDetail";
import { SerialItemEdit } from "./serial-items/SerialItemEdit";
import { SerialItemsList } from "./serial-items/SerialItemsList";

/** The installed base: customers (with contacts and communication preferences), serial
 * items (with their marks), products and bulk imports, each a tab with its own routes. */
export default function InstalledBaseScreen() {
  const { t } = useTranslation(NS);
  return (
    <section className="ib">
      <h1>{t("title")}</h1>
      <nav className="tabs" aria-label={t("tab.label")}>
        <NavLink to="customers">{t("tab.customers")}</NavLink>
        <NavLink to="serial-items">{t("tab.serialItems")}</NavLink>
        <NavLink to="products">{t("tab.products")}</NavLink>
        <NavLink to="imports">{t("tab.imports")}</NavLink>
      </nav>
      <Routes>
        <Route path="customers" element={<CustomersList />} />
        <Route path="customers/new" element={<CustomerEdit />} />
        <Route path="customers/:customerId" element={<CustomerDetail />} />
        <Route path="customers/:customerId/edit" element={<CustomerEdit />} />
        <Route path="serial-items" element={<SerialItemsList />} />
        <Route path="serial-items/new" element={<SerialItemEdit />} />
        <Route path="serial-items/:itemId" element={<SerialItemDetail />} />
        <Route path="serial-items/:itemId/edit" element={<SerialItemEdit />} />
        <Route path="products" element={<ProductsList />} />
        <Route path="imports" element={<ImportsPage />} />
        <Route path="imports/:jobId" element={<ImportJobView />} />
        <Route path="*" element={<Navigate to="customers" replace />} />
      </Routes>
    </section>
  );
}
