import { useTranslation } from "react-i18next";
import { Route, Routes } from "react-router-dom";

import { CalloutList } from "./CalloutList";
import "./callouts.css";
import { NS } from "./messages";
import { SerialItemCallouts } from "./SerialItemCallouts";

/** Service callouts (mounted at /callouts/*): the whole list, and one serial item's tab
 * at /callouts/serial-items/:serialItemId (the installed base links there). */
export default function CalloutsScreen() {
  return (
    <Routes>
      <Route index element={<AllCallouts />} />
      <Route path="serial-items/:serialItemId" element={<SerialItemCallouts />} />
    </Routes>
  );
}

function AllCallouts() {
  const { t } = useTranslation(NS);
  return (
    <section aria-labelledby="callouts-title">
      <h1 id="callouts-title">{t("title")}</h1>
      <CalloutList />
    </section>
  );
}
