/** `/register`: create an account, then straight into the app (signed in), where a notice
 * says a verification email is on its way. */
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { signIn } from "../../api/auth";
import { api, unwrap } from "../../api/client";
import { passwordProblem, PASSWORD_MAX, PASSWORD_MIN } from "../settings/format";
import { clearFlash, setFlash } from "./flash";
import { PasswordField } from "./PasswordField";
import { problemText } from "./problem";
import "./auth.css";

export default function RegisterPage() {
  const { t } = useTranslation("auth");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email")).trim();
    const password = String(form.get("password"));
    const problem = passwordProblem(password);
    if (problem) {
      setError(t(problem === "short" ? "passwordTooShort" : "passwordTooLong", { min: PASSWORD_MIN, max: PASSWORD_MAX }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      unwrap(await api.POST("/auth/register", { body: { email, password } }));
    } catch (caught) {
      setError(problemText(caught, t("registerFailed")));
      setBusy(false);
      return;
    }
    // Signing in flips the guard, which takes the user to /app: the notice waits there.
    setFlash(t("registered", { email }), ["/app"]);
    try {
      await signIn(email, password);
    } catch (caught) {
      clearFlash();
      setError(problemText(caught, t("signInFailed")));
      setBusy(false);
    }
  }

  return (
    <section className="auth-card card" aria-labelledby="register-title">
      <h1 id="register-title">{t("registerTitle")}</h1>
      <p className="muted">{t("registerLead")}</p>
      <form onSubmit={submit} className="stack">
        <label className="field">
          <span>{t("email")}</span>
          <input name="email" type="email" autoComplete="email" required autoFocus />
        </label>
        <PasswordField label={t("password")} name="password" autoComplete="new-password" />
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? t("creating") : t("createAccount")}
        </button>
      </form>
      <p className="auth-links">
        <span>
          {t("haveAccount")} <Link to="/login">{t("signIn")}</Link>
        </span>
      </p>
    </section>
  );
}
