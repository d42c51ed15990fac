/** `/` and `/login`: sign in with email and password. */
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";

import { signIn } from "../../api/auth";
import { errorMessage } from "../../api/client";
import "./auth.css";

export function LoginPage() {
  const { t } = useTranslation("auth");
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await signIn(String(form.get("email")), String(form.get("password")));
      const next = params.get("next");
      navigate(next?.startsWith("/") && !next.startsWith("//") ? next : "/app", { replace: true });
    } catch (caught) {
      setError(errorMessage(caught, t("signInFailed")));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="auth-card card" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">{t("signInTitle")}</h1>
      <p className="muted">{t("signInLead")}</p>
      <form onSubmit={submit} className="stack">
        <label className="field">
          <span>{t("email")}</span>
          <input name="email" type="email" autoComplete="email" required autoFocus />
        </label>
        <label className="field">
          <span>{t("password")}</span>
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? t("signingIn") : t("signIn")}
        </button>
      </form>
      <p className="auth-links">
        <Link to="/register">{t("createAnAccount")}</Link>
        <Link to="/reset-password">{t("forgotPassword")}</Link>
      </p>
    </section>
  );
}
