/** `/verify-email?token=`: the link from the verification email. Spends the token at once
 * and says how it went; signed-in users can ask for a new email from here. */
import { useEffect, useRef, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";

import { useMe, useSignedIn } from "../../api/auth";
import { api, unwrap } from "../../api/client";
import { ResendVerification } from "./ResendVerification";
import { problemText } from "./problem";
import "./auth.css";

type State = { kind: "working" } | { kind: "done" } | { kind: "failed"; message: string } | { kind: "missing" };

/** One request per token even when React runs effects twice (StrictMode) or re-renders. */
const attempts = new Map<string, Promise<void>>();

function verify(token: string): Promise<void> {
  let attempt = attempts.get(token);
  if (!attempt) {
    attempt = api.POST("/auth/verify-email", { body: { token } }).then((answer) => {
      unwrap(answer);
    });
    attempts.set(token, attempt);
  }
  return attempt;
}

export default function VerifyEmailPage() {
  const { t } = useTranslation("auth");
  const [params] = useSearchParams();
  const token = params.get("token");
  const signedIn = useSignedIn();
  const me = useMe();
  const queryClient = useQueryClient();
  const [state, setState] = useState<State>(token ? { kind: "working" } : { kind: "missing" });
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (!token) return;
    let live = true;
    verify(token).then(
      () => {
        if (!live) return;
        setState({ kind: "done" });
        void queryClient.invalidateQueries({ queryKey: ["me"] });
      },
      (error: unknown) => {
        if (live) setState({ kind: "failed", message: problemText(error, t("verifyFailed")) });
      },
    );
    return () => {
      live = false;
    };
  }, [token, queryClient, t]);

  useEffect(() => {
    if (state.kind !== "working") heading.current?.focus();
  }, [state.kind]);

  const onwards = signedIn ? (
    <Link to="/app" className="button primary">
      {t("toApp")}
    </Link>
  ) : (
    <Link to="/login" className="button primary">
      {t("signIn")}
    </Link>
  );

  return (
    <section className="auth-card card stack" aria-labelledby="verify-title" aria-busy={state.kind === "working"}>
      <h1 id="verify-title" ref={heading} tabIndex={-1}>
        {t("verifyTitle")}
      </h1>
      {state.kind === "working" && (
        <p className="muted" role="status">
          {t("verifying")}
        </p>
      )}
      {state.kind === "done" && (
        <>
          <p className="success" role="status">
            {t("verified")}
          </p>
          <div className="row">{onwards}</div>
        </>
      )}
      {(state.kind === "failed" || state.kind === "missing") && (
        <>
          <p role="alert" className="error">
            {state.kind === "failed" ? state.message : t("verifyNoToken")}
          </p>
          <p className="muted">{signedIn ? t("verifyAgainSignedIn") : t("verifyAgainSignedOut")}</p>
          {signedIn && !me.data?.email_verified && <ResendVerification />}
          <div className="row">{onwards}</div>
        </>
      )}
    </section>
  );
}
