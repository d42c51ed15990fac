/** Account: the email address, whether it is verified (with "resend"), since when. */
import { useTranslation } from "react-i18next";

import { useMe } from "../../api/auth";
import { ResendVerification } from "../auth/ResendVerification";
import { problemText } from "../auth/problem";
import { formatDate } from "./format";

export function AccountSection() {
  const { t, i18n } = useTranslation("settings");
  const me = useMe();
  return (
    <section className="card stack settings-section" aria-labelledby="account-title">
      <h2 id="account-title">{t("account.title")}</h2>
      {me.isPending && <p className="muted">{t("loading")}</p>}
      {me.isError && (
        <p role="alert" className="error">
          {problemText(me.error, t("loadFailed"))}
        </p>
      )}
      {me.data && (
        <>
          <dl className="facts">
            <div>
              <dt>{t("account.email")}</dt>
              <dd>
                <span className="account-email">{me.data.email}</span>{" "}
                {me.data.email_verified ? (
                  <span className="badge" data-state="verified">
                    {t("account.verified")}
                  </span>
                ) : (
                  <span className="badge" data-state="unverified">
                    {t("account.unverified")}
                  </span>
                )}
              </dd>
            </div>
            <div>
              <dt>{t("account.since")}</dt>
              <dd>{formatDate(me.data.created_at, i18n.language)}</dd>
            </div>
            {me.data.is_admin && (
              <div>
                <dt>{t("account.role")}</dt>
                <dd>{t("account.admin")}</dd>
              </div>
            )}
          </dl>
          {!me.data.email_verified && (
            <div className="stack">
              <p className="muted">{t("account.unverifiedHint")}</p>
              <ResendVerification />
            </div>
          )}
        </>
      )}
    </section>
  );
}
