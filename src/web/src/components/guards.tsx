/** Route guards: signed-in pages send visitors to sign in (and back afterwards). */
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useLocation } from "react-router";

import { useMe, useSignedIn } from "../api/auth";

export function RequireAuth({ children }: { children: ReactNode }) {
  const signedIn = useSignedIn();
  const location = useLocation();
  if (!signedIn) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?next=${next}`} replace />;
  }
  return children;
}

export function RequireAdmin({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const me = useMe();
  if (me.isPending) return <p className="muted">{t("loading")}</p>;
  if (!me.data?.is_admin) return <p role="alert">{t("adminOnly")}</p>;
  return children;
}

/** `/`: the sign-in page, or straight to the app when signed in. */
export function SignedOutOnly({ children }: { children: ReactNode }) {
  const signedIn = useSignedIn();
  const location = useLocation();
  if (signedIn) {
    const next = new URLSearchParams(location.search).get("next");
    return <Navigate to={next?.startsWith("/") && !next.startsWith("//") ? next : "/app"} replace />;
  }
  return children;
}
