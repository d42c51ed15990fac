/**
 * Interface language: `?lang=` in the address (remembered), else the choice made with the
 * picker, else the browser's languages; English when none of them is supported.
 * Each area of the app has its own namespace file (en/<area>.json, ru/<area>.json).
 * Russian plurals use i18next's `_one/_few/_many/_other` keys (Intl.PluralRules).
 */
import i18next from "i18next";
import { initReactI18next } from "react-i18next";

import enAdmin from "./en/admin.json";
import enAuth from "./en/auth.json";
import enCommon from "./en/common.json";
import enJob from "./en/job.json";
import enJobs from "./en/jobs.json";
import enSettings from "./en/settings.json";
import ruAdmin from "./ru/admin.json";
import ruAuth from "./ru/auth.json";
import ruCommon from "./ru/common.json";
import ruJob from "./ru/job.json";
import ruJobs from "./ru/jobs.json";
import ruSettings from "./ru/settings.json";

export const LANGUAGES = ["en", "ru"] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = "transcribe.language";

export const resources = {
  en: { common: enCommon, auth: enAuth, jobs: enJobs, job: enJob, settings: enSettings, admin: enAdmin },
  ru: { common: ruCommon, auth: ruAuth, jobs: ruJobs, job: ruJob, settings: ruSettings, admin: ruAdmin },
} as const;

function supported(code: string | null | undefined): Language | null {
  const base = code?.toLowerCase().split("-")[0];
  return (LANGUAGES as readonly string[]).includes(base ?? "") ? (base as Language) : null;
}

export function initialLanguage(
  search: string = window.location.search,
  stored: string | null = localStorage.getItem(STORAGE_KEY),
  browser: readonly string[] = navigator.languages ?? [navigator.language],
): Language {
  const fromQuery = supported(new URLSearchParams(search).get("lang"));
  if (fromQuery) {
    localStorage.setItem(STORAGE_KEY, fromQuery);
    return fromQuery;
  }
  return supported(stored) ?? browser.map(supported).find((l) => l !== null) ?? "en";
}

export function chooseLanguage(language: Language): void {
  localStorage.setItem(STORAGE_KEY, language);
  void i18next.changeLanguage(language);
}

export function setupI18n(language: Language = initialLanguage()) {
  document.documentElement.lang = language;
  i18next.on("languageChanged", (lng) => {
    document.documentElement.lang = lng;
  });
  return i18next.use(initReactI18next).init({
    resources,
    lng: language,
    fallbackLng: "en",
    defaultNS: "common",
    ns: Object.keys(resources.en),
    interpolation: { escapeValue: false }, // React escapes
    returnNull: false,
    showSupportNotice: false, // no console ad in the users' browsers
  });
}

export default i18next;
