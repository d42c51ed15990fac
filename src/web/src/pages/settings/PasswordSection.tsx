/** Change password. The API then ends every session of the account and refuses access
 * tokens issued before, so this browser signs in again at once with the new password. */
import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { signIn, useMe } from "../../api/auth";
import { api, unwrap } from "../../api/client";
import { PasswordField } from "../auth/PasswordField";
import { problemText } from "../auth/problem";
import { passwordProblem, PASSWORD_MAX, PASSWORD_MIN } from "./format";

export function PasswordSection() {
  const { t } = useTranslation("settings");
  const me = useMe();
  const queryClient = useQueryClient();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setDone(false);
    const problem = passwordProblem(next);
    if (problem) {
      setError(t(problem === "short" ? "password.tooShort" : "password.tooLong", { min: PASSWORD_MIN, max: PASSWORD_MAX }));
      return;
    }
    const email = me.data?.email;
    setBusy(true);
    setError(null);
    try {
      unwrap(await api.POST("/auth/password", { body: { current_password: current, new_password: next } }));
    } catch (caught) {
      setError(problemText(caught, t("password.failed")));
      setBusy(false);
      return;
    }
    try {
      // The old tokens stopped working: take new ones, quietly.
      if (email) await signIn(email, next);
      await queryClient.invalidateQueries();
      setDone(true);
      setCurrent("");
      setNext("");
    } catch (caught) {
      setError(problemText(caught, t("password.signInAgain")));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card stack settings-section" aria-labelledby="password-title">
      <h2 id="password-title">{t("password.title")}</h2>
      <form className="stack" onSubmit={submit}>
        <PasswordField
          label={t("password.current")}
          name="current_password"
          autoComplete="current-password"
          showRules={false}
          value={current}
          onChange={setCurrent}
        />
        <PasswordField
          label={t("password.new")}
          name="new_password"
          autoComplete="new-password"
          value={next}
          onChange={(value) => {
            setNext(value);
            setDone(false);
          }}
        />
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        {done && (
          <p role="status" className="success">
            {t("password.changed")}
          </p>
        )}
        <div className="row">
          <button type="submit" className="button primary" disabled={busy || !me.data}>
            {t("password.submit")}
          </button>
        </div>
      </form>
    </section>
  );
}
