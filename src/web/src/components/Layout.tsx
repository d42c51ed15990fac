/** The frame of every page: the header (brand, navigation, language, theme, sign out) and
 * the page itself. Signed-out pages get the same header without the account controls. */
import { Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Link, NavLink, Outlet } from "react-router";

import { useMe, useSignedIn, useSignOut } from "../api/auth";
import { FlashNotice } from "../pages/auth/flash";
import { chooseLanguage, LANGUAGES, type Language } from "../i18n";
import { useTheme } from "../theme";

function LanguagePicker() {
  const { t, i18n } = useTranslation();
  return (
    <label className="header-control">
      <span className="visually-hidden">{t("layout.language")}</span>
      <select
        aria-label={t("layout.language")}
        value={i18n.resolvedLanguage}
        onChange={(event) => chooseLanguage(event.target.value as Language)}
      >
        {LANGUAGES.map((code) => (
          <option key={code} value={code}>
            {t(`layout.languageName.${code}`)}
          </option>
        ))}
      </select>
    </label>
  );
}

function ThemeToggle() {
  const { t } = useTranslation();
  const [theme, toggle] = useTheme();
  return (
    <button
      type="button"
      className="icon-button"
      aria-label={t("layout.theme")}
      title={theme === "dark" ? t("layout.toLight") : t("layout.toDark")}
      aria-pressed={theme === "dark"}
      onClick={toggle}
    >
      <span aria-hidden="true">{theme === "dark" ? "☾" : "☀"}</span>
    </button>
  );
}

function AccountNav() {
  const { t } = useTranslation();
  const me = useMe();
  const signOut = useSignOut();
  return (
    <>
      <nav aria-label={t("layout.navigation")} className="main-nav">
        <NavLink to="/app" end>
          {t("layout.jobs")}
        </NavLink>
        <NavLink to="/app/settings">{t("layout.settings")}</NavLink>
        {me.data?.is_admin && <NavLink to="/app/admin">{t("layout.admin")}</NavLink>}
      </nav>
      <button type="button" className="button subtle" onClick={() => void signOut()}>
        {t("layout.signOut")}
      </button>
    </>
  );
}

export function Layout() {
  const { t } = useTranslation();
  const signedIn = useSignedIn();
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t("layout.skip")}
      </a>
      <header className="site-header">
        <Link to={signedIn ? "/app" : "/"} className="brand">
          <img src="/favicon.svg" alt="" width="24" height="24" />
          <span>Transcribe</span>
        </Link>
        <div className="header-tools">
          {signedIn && <AccountNav />}
          <LanguagePicker />
          <ThemeToggle />
        </div>
      </header>
      <main id="main" className="page" tabIndex={-1}>
        <Suspense fallback={<p className="muted">{t("loading")}</p>}>
          <FlashNotice />
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
