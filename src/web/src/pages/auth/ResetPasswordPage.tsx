/** `/reset-password`: without a token, ask for the email with a link; with `?token=` (the
 * emailed link), choose a new password, then sign in with it. */
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";

import { useSignedIn, useSignOut } from "../../api/auth";
import { api, unwrap } from "../../api/client";
import { passwordProblem, PASSWORD_MAX, PASSWORD_MIN } from "../settings/format";
import { setFlash } from "./flash";
import { PasswordField } from "./PasswordField";
import { problemText } from "./problem";
import "./auth.css";

function RequestForm() {
  const { t } = useTranslation("auth");
  const [sent, setSent] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget).get("email")).trim();
    setBusy(true);
    setError(null);
    try {
      unwrap(await api.POST("/auth/password-reset", { body: { email } }));
      setSent(email);
    } catch (caught) {
      setError(problemText(caught, t("resetRequestFailed")));
    } finally {
      setBusy(false);
    }
  }

  if (sent) {
    return (
      <div className="stack">
        <p role="status" className="success">
          {t("resetSent", { email: sent })}
        </p>
        <p className="muted">{t("resetSentHint")}</p>
        <div className="row">
          <button type="button" className="button subtle" onClick={() => setSent(null)}>
            {t("resetTryAnother")}
          </button>
        </div>
      </div>
    );
  }
  return (
    <form onSubmit={submit} className="stack">
      <p className="muted">{t("resetRequestLead")}</p>
      <label className="field">
        <span>{t("email")}</span>
        <input name="email" type="email" autoComplete="email" required autoFocus />
      </label>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <button type="submit" className="button primary" disabled={busy}>
        {t("resetSend")}
      </button>
    </form>
  );
}

function NewPasswordForm({ token }: { token: string }) {
  const { t } = useTranslation("auth");
  const navigate = useNavigate();
  const signedIn = useSignedIn();
  const signOut = useSignOut();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const password = String(form.get("password"));
    const again = String(form.get("again"));
    const problem = passwordProblem(password);
    if (problem) {
      setError(t(problem === "short" ? "passwordTooShort" : "passwordTooLong", { min: PASSWORD_MIN, max: PASSWORD_MAX }));
      return;
    }
    if (password !== again) {
      setError(t("passwordsDiffer"));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      unwrap(await api.POST("/auth/password-reset/confirm", { body: { token, new_password: password } }));
    } catch (caught) {
      setError(problemText(caught, t("resetFailed")));
      setBusy(false);
      return;
    }
    // The reset ended every session of the account, this browser's included.
    setFlash(t("resetDone"), ["/login", "/"]);
    if (!signedIn) navigate("/login", { replace: true });
    else {
      await signOut();
      navigate("/login", { replace: true });
    }
  }

  return (
    <form onSubmit={submit} className="stack">
      <p className="muted">{t("resetNewLead")}</p>
      <PasswordField label={t("newPassword")} name="password" autoComplete="new-password" />
      <PasswordField label={t("newPasswordAgain")} name="again" autoComplete="new-password" showRules={false} />
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <button type="submit" className="button primary" disabled={busy}>
        {t("resetSave")}
      </button>
    </form>
  );
}

export default function ResetPasswordPage() {
  const { t } = useTranslation("auth");
  const [params] = useSearchParams();
  const token = params.get("token");
  return (
    <section className="auth-card card" aria-labelledby="reset-title">
      <h1 id="reset-title">{token ? t("resetNewTitle") : t("resetTitle")}</h1>
      {token ? <NewPasswordForm token={token} /> : <RequestForm />}
      <p className="auth-links">
        <Link to="/login">{t("backToSignIn")}</Link>
        {token && <Link to="/reset-password">{t("resetAskAgain")}</Link>}
      </p>
    </section>
  );
}
