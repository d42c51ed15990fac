/** The job's name, status (live while it runs), language, duration, mode and engine. */
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import type { Job } from "../../../api/events";
import { detectionConfidence, formatDate, formatDuration, formatPercent, isUncertain, languageName } from "./format";

export function JobHeader({ job, live, words }: { job: Job; live: boolean; words: number | null }) {
  const { t, i18n } = useTranslation("job");
  const ui = i18n.resolvedLanguage ?? "en";
  const unfinished = job.status === "pending" || job.status === "processing";
  const uncertainId = useId();
  const detected = job.detected_language ? languageName(job.detected_language, ui) : "";
  const confidence = detectionConfidence(job);
  const percent = confidence === null ? "" : formatPercent(confidence, ui);
  const language =
    job.detected_language && job.language === "auto"
      ? confidence === null
        ? t("header.detected", { language: detected })
        : t("header.detectedSure", { language: detected, percent })
      : job.language === "auto"
        ? t("header.auto")
        : languageName(job.language, ui);
  return (
    <header className="job-header card">
      <Link to="/app" className="back-link">
        <span aria-hidden="true">←</span> {t("header.back")}
      </Link>
      <div className="job-title-row">
        <h1 className="job-title">{job.filename}</h1>
        <span className="badge" data-status={job.status}>
          {t(`status.${job.status}`)}
        </span>
      </div>
      <dl className="job-meta">
        <div>
          <dt>{t("header.language")}</dt>
          <dd>{language}</dd>
        </div>
        {job.audio_duration_s != null && (
          <div>
            <dt>{t("header.duration")}</dt>
            <dd>{formatDuration(job.audio_duration_s)}</dd>
          </div>
        )}
        <div>
          <dt>{t("header.mode")}</dt>
          <dd>{t(`mode.${job.mode}`)}</dd>
        </div>
        {job.engine && (
          <div>
            <dt>{t("header.engine")}</dt>
            <dd>{job.engine}</dd>
          </div>
        )}
        {words !== null && (
          <div>
            <dt>{t("header.length")}</dt>
            <dd>{t("header.words", { count: words })}</dd>
          </div>
        )}
        <div>
          <dt>{t("header.created")}</dt>
          <dd>{formatDate(job.created_at, ui)}</dd>
        </div>
      </dl>
      {isUncertain(job) && (
        // A note, not an alert: the transcript is there, it may just be in the wrong language.
        <p role="note" className="notice" aria-labelledby={uncertainId}>
          <strong id={uncertainId}>{t("header.uncertain", { language: detected, percent })}</strong>{" "}
          {t("header.uncertainHint")}
        </p>
      )}
      {unfinished && (
        <div className="job-progress" aria-live="polite">
          <p className="muted">
            {job.status === "pending" ? t("progress.pending") : t("progress.processing")}{" "}
            {live ? t("progress.live") : t("progress.polling")}
          </p>
          {job.progress != null ? (
            <progress max={100} value={job.progress} aria-label={t("progress.label")} />
          ) : (
            <progress aria-label={t("progress.label")} />
          )}
        </div>
      )}
      {job.status === "failed" && (
        <p role="alert" className="error">
          {t("progress.failed")} {job.error_message ?? ""}
        </p>
      )}
      {job.status === "cancelled" && <p className="notice">{t("progress.cancelled")}</p>}
    </header>
  );
}
