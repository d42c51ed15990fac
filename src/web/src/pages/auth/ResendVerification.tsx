/** "Resend verification email": POST /auth/verify-email/resend, with the API's answer (or
 * its 429 message) announced. */
import { useMutation } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";

import { api, unwrap } from "../../api/client";
import { problemText } from "./problem";

export function ResendVerification() {
  const { t } = useTranslation("auth");
  const resend = useMutation({
    mutationFn: async () => unwrap(await api.POST("/auth/verify-email/resend")),
  });
  return (
    <div className="stack resend">
      <div className="row">
        <button
          type="button"
          className="button small"
          disabled={resend.isPending}
          onClick={() => resend.mutate()}
        >
          {resend.isPending ? t("sending") : t("resend")}
        </button>
      </div>
      {resend.isSuccess && (
        <p role="status" className="success">
          {t("resent")}
        </p>
      )}
      {resend.isError && (
        <p role="alert" className="error">
          {problemText(resend.error, t("resendFailed"))}
        </p>
      )}
    </div>
  );
}
