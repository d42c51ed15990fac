/** A public read-only link to the transcript: make it (with an optional expiry), copy, revoke. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { errorMessage } from "../../../api/client";
import { currentShare, share, shareKey, stopSharing } from "../jobApi";
import { formatDate } from "./format";

const EXPIRY_DAYS = ["never", "7", "30"] as const;

export function SharePanel({ jobId }: { jobId: string }) {
  const { t, i18n } = useTranslation("job");
  const [expiry, setExpiry] = useState<(typeof EXPIRY_DAYS)[number]>("never");
  const queryClient = useQueryClient();
  // A link made earlier (in another visit or tab) is shown again.
  const existing = useQuery({
    queryKey: shareKey(jobId),
    queryFn: ({ signal }) => currentShare(jobId, signal),
  });
  const link = existing.data ?? null;
  const [copied, setCopied] = useState(false);
  const [stopped, setStopped] = useState(false);
  const create = useMutation({
    mutationFn: () => share(jobId, expiry === "never" ? null : Number(expiry)),
    onSuccess: (answer) => {
      queryClient.setQueryData(shareKey(jobId), answer);
      setStopped(false);
      setCopied(false);
    },
  });
  const revoke = useMutation({
    mutationFn: () => stopSharing(jobId),
    onSuccess: () => {
      queryClient.setQueryData(shareKey(jobId), null);
      setStopped(true);
    },
  });

  const copy = async () => {
    if (!link) return;
    try {
      await navigator.clipboard.writeText(link.url);
    } catch {
      const box = document.getElementById("share-link") as HTMLInputElement | null;
      box?.select();
      document.execCommand("copy");
    }
    setCopied(true);
  };

  const error = create.error ?? revoke.error;
  return (
    <section className="card side-card" aria-labelledby="share-title">
      <h2 id="share-title">{t("share.title")}</h2>
      {link ? (
        <div className="stack">
          <label className="field" htmlFor="share-link">
            <span>{t("share.link")}</span>
          </label>
          <div className="share-row">
            <input
              id="share-link"
              readOnly
              value={link.url}
              onFocus={(event) => event.currentTarget.select()}
            />
            <button type="button" className="button small" onClick={() => void copy()}>
              {t("share.copy")}
            </button>
          </div>
          <p className="muted small-print" aria-live="polite">
            {copied
              ? t("share.copied")
              : link.expires_at
                ? t("share.expires", { date: formatDate(link.expires_at, i18n.resolvedLanguage ?? "en") })
                : t("share.noExpiry")}
          </p>
          <button
            type="button"
            className="button danger small"
            disabled={revoke.isPending}
            onClick={() => revoke.mutate()}
          >
            {t("share.stop")}
          </button>
        </div>
      ) : (
        <div className="stack">
          <p className="muted small-print">{t("share.lead")}</p>
          <label className="field">
            <span>{t("share.expiry")}</span>
            <select value={expiry} onChange={(event) => setExpiry(event.target.value as typeof expiry)}>
              {EXPIRY_DAYS.map((value) => (
                <option key={value} value={value}>
                  {value === "never" ? t("share.never") : t("share.days", { count: Number(value) })}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="button primary" disabled={create.isPending} onClick={() => create.mutate()}>
            {t("share.share")}
          </button>
          {stopped && (
            <p className="notice" aria-live="polite">
              {t("share.stopped")}
            </p>
          )}
        </div>
      )}
      {error && (
        <p role="alert" className="error">
          {errorMessage(error)}
        </p>
      )}
    </section>
  );
}
