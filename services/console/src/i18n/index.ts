// English and Swedish (seed 004's users). Each screen keeps its own texts beside it and
// registers them under its own namespace (`registerMessages`), so screens never edit a
// shared file; `common` holds what every screen uses.
import i18n from "i18next";
import { initReactI18next } from "react-i18next";

import { common } from "./common";

export const LANGUAGES = ["en", "sv"] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = "aftersales.language";

export type Messages = Record<string, string>;
export interface Bundle {
  en: Messages;
  sv: Messages;
}

function initialLanguage(): Language {
  const stored = typeof localStorage === "undefined" ? null : localStorage.getItem(STORAGE_KEY);
  if (stored === "en" || stored === "sv") return stored;
  const browser = typeof navigator === "undefined" ? "en" : navigator.language.slice(0, 2);
  return browser === "sv" ? "sv" : "en";
}

void i18n.use(initReactI18next).init({
  lng: initialLanguage(),
  fallbackLng: "en",
  ns: ["common"],
  defaultNS: "common",
  resources: { en: { common: common.en }, sv: { common: common.sv } },
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
});
document.documentElement.lang = i18n.language;

/** A screen's texts, under its own namespace: `useTranslation(namespace)`. */
export function registerMessages(namespace: string, bundle: Bundle): string {
  for (const language of LANGUAGES) {
    i18n.addResourceBundle(language, namespace, bundle[language], true, true);
  }
  return namespace;
}

export function setLanguage(language: Language): void {
  localStorage.setItem(STORAGE_KEY, language);
  document.documentElement.lang = language;
  void i18n.changeLanguage(language);
}

export default i18n;
