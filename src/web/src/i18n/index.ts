/**
 * Interface language: `?lang=` in the address (remembered), else the choice made with the
 * picker, else the browser's languages; English when none of them is supported.
 * Each area of the app has its own namespace file (en/<area>.json, ru/<area>.json), loaded
 * when a page first needs it, so the first page carries only its own strings.
 * Russian plurals use i18next's `_one/_few/_many/_other` keys (Intl.PluralRules).
 */
import i18next, { type BackendModule, type ResourceKey } from "i18next";
import { initReactI18next } from "react-i18next";

export const LANGUAGES = ["en", "ru"] as const;
export type Language = (typeof LANGUAGES)[number];
export const NAMESPACES = ["common", "auth", "jobs", "job", "settings", "admin"] as const;
const STORAGE_KEY = "transcribe.language";

// One chunk per language and namespace (Vite splits dynamic imports).
const loaders = import.meta.glob<{ default: ResourceKey }>("./*/*.json");

const lazyNamespaces: BackendModule = {
  type: "backend",
  init() {},
  read(language, namespace, callback) {
    const load = loaders[`./${language}/${namespace}.json`];
    if (!load) {
      callback(new Error(`no strings for ${language}/${namespace}`), false);
      return;
    }
    load().then(
      (module) => callback(null, module.default),
      (error: Error) => callback(error, false),
    );
  },
};

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

/** Resolves once the common strings of `language` are loaded (render after it). */
export function setupI18n(language: Language = initialLanguage()) {
  document.documentElement.lang = language;
  i18next.on("languageChanged", (lng) => {
    document.documentElement.lang = lng;
  });
  return i18next
    .use(lazyNamespaces)
    .use(initReactI18next)
    .init({
      lng: language,
      supportedLngs: LANGUAGES,
      // English strings are loaded only when a key is missing in the chosen language.
      fallbackLng: "en",
      defaultNS: "common",
      ns: ["common"],
      interpolation: { escapeValue: false }, // React escapes
      returnNull: false,
      showSupportNotice: false, // no console ad in the users' browsers
      react: { useSuspense: true },
    });
}

export default i18next;
