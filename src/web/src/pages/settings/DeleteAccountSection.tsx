/** Delete the account: a dialog says what goes (uploads, jobs, transcripts, result files,
 * API keys, webhook endpoints) and asks for the password; then signed out, sent to `/`. */
import { useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";

import { signOut, useMe } from "../../api/auth";
import { api, unwrap } from "../../api/client";
import { setFlash } from "../auth/flash";
import { problemText } from "../auth/problem";
import { ConfirmDialog } from "../../components/ConfirmDialog";

export function DeleteAccountSection() {
  const { t } = useTranslation("settings");
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const passwordId = useId();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function confirm(form: FormData) {
    const password = String(form.get("password") ?? "");
    if (!password) {
      setError(t("delete.needPassword"));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      unwrap(await api.DELETE("/auth/me", { body: { password } }));
    } catch (caught) {
      setError(problemText(caught, t("delete.failed")));
      setBusy(false);
      return;
    }
    setFlash(t("delete.done", { email: me.data?.email ?? "" }), ["/", "/login"]);
    await signOut();
    queryClient.clear();
    navigate("/", { replace: true });
  }

  return (
    <section className="card stack settings-section danger-zone" aria-labelledby="delete-title">
      <h2 id="delete-title">{t("delete.title")}</h2>
      <p className="muted">{t("delete.lead")}</p>
      <div className="row">
        <button
          type="button"
          className="button danger"
          onClick={() => {
            setError(null);
            setOpen(true);
          }}
        >
          {t("delete.open")}
        </button>
      </div>
      <ConfirmDialog
        open={open}
        title={t("delete.confirmTitle")}
        confirmLabel={t("delete.confirm")}
        cancelLabel={t("cancel")}
        busy={busy}
        error={error}
        onConfirm={(form) => void confirm(form)}
        onCancel={() => setOpen(false)}
      >
        <p>{t("delete.confirmBody", { email: me.data?.email ?? "" })}</p>
        <ul className="delete-list">
          <li>{t("delete.items.uploads")}</li>
          <li>{t("delete.items.jobs")}</li>
          <li>{t("delete.items.results")}</li>
          <li>{t("delete.items.keys")}</li>
          <li>{t("delete.items.webhooks")}</li>
          <li>{t("delete.items.sessions")}</li>
        </ul>
        <p>
          <strong>{t("delete.noUndo")}</strong>
        </p>
        <div className="field">
          <label htmlFor={passwordId}>{t("delete.password")}</label>
          <input id={passwordId} name="password" type="password" autoComplete="current-password" required autoFocus />
        </div>
      </ConfirmDialog>
    </section>
  );
}
