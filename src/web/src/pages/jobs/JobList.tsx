/** The user's jobs: live statuses, filter, search, pages, cancel and delete. */
import { useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";

import type { Job } from "../../api/events";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { describeDuration, formatCreated, formatDuration, formatFull, languageName, matchesFilename } from "./format";
import { isUnfinished, pageCount, paramsFromSearch, STATUSES, type ListParams } from "./jobsCache";
import { useCancelJob, useDeleteJob, useJobList } from "./queries";

const SEARCH_DELAY_MS = 300;

/** The current time, moving on every `everyMs` (relative dates stay right). */
function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

function useListParams(): [ListParams, (change: Partial<ListParams>) => void] {
  const [search, setSearch] = useSearchParams();
  const params = paramsFromSearch(search);
  function change(next: Partial<ListParams>) {
    setSearch(
      (current) => {
        const merged = { ...paramsFromSearch(current), page: 1, ...next };
        const out = new URLSearchParams(current);
        for (const [key, value] of [
          ["status", merged.status ?? ""],
          ["q", merged.q],
          ["page", merged.page > 1 ? String(merged.page) : ""],
        ] as const) {
          if (value) out.set(key, value);
          else out.delete(key);
        }
        return out;
      },
      { replace: next.page === undefined },
    );
  }
  return [params, change];
}

type Confirm = { kind: "cancel" | "delete"; job: Job } | null;

export function JobList({ headingId }: { headingId: string }) {
  const { t } = useTranslation("jobs");
  const [params, change] = useListParams();
  const list = useJobList(params);
  const [confirm, setConfirm] = useState<Confirm>(null);
  const cancelJob = useCancelJob();
  const deleteJob = useDeleteJob();
  const statusId = useId();
  const searchId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);

  // The search box answers as one types, the address (and the request) a moment later.
  const [text, setText] = useState(params.q);
  // The address changed by itself (back, a link): the box follows, keeping the user's spaces.
  useEffect(() => setText((current) => (current.trim() === params.q ? current : params.q)), [params.q]);
  useEffect(() => {
    if (text.trim() === params.q) return;
    const timer = setTimeout(() => change({ q: text.trim() }), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);

  const data = list.data;
  const pages = data ? pageCount(data.total) : 1;
  // A page past the end (jobs were deleted, or an old link): go to the last one.
  useEffect(() => {
    if (data && !list.isPlaceholderData && params.page > pages) change({ page: pages });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data, params.page, pages, list.isPlaceholderData]);

  const filtered = params.status !== null || params.q !== "";
  // A new user's list: no tools to filter nothing with, only the first step.
  const nothingYet = data !== undefined && data.total === 0 && !filtered;
  const action = confirm?.kind === "cancel" ? cancelJob : deleteJob;

  function closeConfirm() {
    setConfirm(null);
    cancelJob.reset();
    deleteJob.reset();
  }

  function runConfirm() {
    if (!confirm) return;
    action.mutate(confirm.job, {
      onSuccess: () => {
        const wasDelete = confirm.kind === "delete";
        closeConfirm();
        if (wasDelete) headingRef.current?.focus();
      },
    });
  }

  return (
    <section className="job-list-section" aria-labelledby={headingId}>
      <div className="list-head">
        <h2 id={headingId} ref={headingRef} tabIndex={-1}>
          {t("list.heading")}
        </h2>
        {data && !nothingYet && (
          <p className="muted job-count" aria-live="polite" data-testid="job-count">
            {t("list.count", { count: data.total })}
          </p>
        )}
      </div>

      {!nothingYet && (
        <div className="list-tools" role="search">
          <div className="field">
            <label htmlFor={searchId}>{t("list.search")}</label>
            <input
              id={searchId}
              type="search"
              value={text}
              placeholder={t("list.searchPlaceholder")}
              maxLength={200}
              onChange={(event) => setText(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === "Enter") change({ q: text.trim() });
              }}
            />
          </div>
          <div className="field">
            <label htmlFor={statusId}>{t("list.status")}</label>
            <select
              id={statusId}
              value={params.status ?? "all"}
              onChange={(event) =>
                change({ status: event.target.value === "all" ? null : (event.target.value as ListParams["status"]) })
              }
            >
              <option value="all">{t("list.statusAll")}</option>
              {STATUSES.map((status) => (
                <option key={status} value={status}>
                  {t(`status.${status}`)}
                </option>
              ))}
            </select>
          </div>
        </div>
      )}

      {!list.live && data?.items.some(isUnfinished) && (
        <p className="muted small-text">{t("list.offline")}</p>
      )}

      {list.isPending && <p className="muted">{t("list.loading")}</p>}
      {list.isError && (
        <div className="stack">
          <p role="alert" className="error">
            {t("list.loadError", { message: list.error.message })}
          </p>
          <div>
            <button type="button" className="button small" onClick={() => void list.refetch()}>
              {t("retry")}
            </button>
          </div>
        </div>
      )}

      {nothingYet && (
        <div className="empty-state card">
          <h3>{t("list.empty.title")}</h3>
          <p>{t("list.empty.body")}</p>
        </div>
      )}
      {data && data.items.length === 0 && filtered && (
        <div className="empty-state card">
          <p>{params.q ? t("list.noMatchesFor", { q: params.q }) : t("list.noMatches")}</p>
          <button
            type="button"
            className="button small"
            onClick={() => {
              setText("");
              change({ q: "", status: null });
            }}
          >
            {t("list.clearFilters")}
          </button>
        </div>
      )}

      {data && data.items.length > 0 && (
        <ul className={`job-list${list.isPlaceholderData ? " is-loading" : ""}`} aria-busy={list.isFetching}>
          {data.items.map((job) => (
            <JobRow key={job.id} job={job} q={params.q} onAsk={(kind) => setConfirm({ kind, job })} />
          ))}
        </ul>
      )}

      {data && pages > 1 && (
        <nav className="pagination" aria-label={t("list.pagination")}>
          <button
            type="button"
            className="button small"
            disabled={params.page <= 1}
            onClick={() => change({ page: params.page - 1 })}
          >
            <span aria-hidden="true">←</span> {t("list.previous")}
          </button>
          <span className="muted" aria-current="page">
            {t("list.pageOf", { page: Math.min(params.page, pages), pages })}
          </span>
          <button
            type="button"
            className="button small"
            disabled={params.page >= pages}
            onClick={() => change({ page: params.page + 1 })}
          >
            {t("list.next")} <span aria-hidden="true">→</span>
          </button>
        </nav>
      )}

      <ConfirmDialog
        open={confirm !== null}
        title={confirm?.kind === "cancel" ? t("confirmCancel.title") : t("confirmDelete.title")}
        confirmLabel={confirm?.kind === "cancel" ? t("confirmCancel.confirm") : t("confirmDelete.confirm")}
        cancelLabel={confirm?.kind === "cancel" ? t("confirmCancel.keep") : t("confirmDelete.keep")}
        busy={action.isPending}
        error={action.isError ? t("actionError", { message: action.error.message }) : null}
        onConfirm={() => runConfirm()}
        onCancel={closeConfirm}
      >
        <p>
          {confirm?.kind === "cancel"
            ? t("confirmCancel.body", { name: confirm.job.filename })
            : t(confirm && isUnfinished(confirm.job) ? "confirmDelete.bodyRunning" : "confirmDelete.body", {
                name: confirm?.job.filename ?? "",
              })}
        </p>
      </ConfirmDialog>
    </section>
  );
}

function JobRow({ job, q, onAsk }: { job: Job; q: string; onAsk: (kind: "cancel" | "delete") => void }) {
  const { t, i18n } = useTranslation("jobs");
  const now = useNow(30_000);
  const language = i18n.language;
  const unfinished = isUnfinished(job);
  const jobLanguage = job.detected_language ?? (job.language === "auto" ? null : job.language);
  return (
    <li className="job-item" data-job-id={job.id}>
      <div className="job-main">
        <Link to={`/app/jobs/${job.id}`} className="job-name">
          {job.filename}
        </Link>
        <p className="job-meta muted small-text">
          <span>{jobLanguage ? languageName(jobLanguage, language) : t("list.autoLanguage")}</span>
          <span aria-hidden="true"> · </span>
          <span>{job.mode === "dialogue" ? t("list.modeDialogue") : t("list.modeMono")}</span>
          {q && (
            <>
              <span aria-hidden="true"> · </span>
              <span className="match">
                {matchesFilename(job.filename, q) ? t("list.matchedName") : t("list.matchedTranscript")}
              </span>
            </>
          )}
        </p>
        {job.status === "failed" && job.error_message && <p className="error job-error">{job.error_message}</p>}
      </div>
      <div className="job-status">
        <span className="badge" data-status={job.status}>
          {t(`status.${job.status}`)}
        </span>
        {job.status === "processing" && (
          <div
            className={`bar small-bar${job.progress === null || job.progress === undefined ? " indeterminate" : ""}`}
            role="progressbar"
            aria-label={t("list.progress")}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={job.progress ?? undefined}
          >
            <div className="bar-fill" style={job.progress != null ? { width: `${job.progress}%` } : undefined} />
          </div>
        )}
      </div>
      <div className="job-when small-text">
        <span className="label-mobile muted">{t("list.created")}: </span>
        <time dateTime={job.created_at} title={formatFull(job.created_at, language)}>
          {formatCreated(job.created_at, language, now)}
        </time>
      </div>
      <div className="job-duration small-text">
        {job.audio_duration_s != null && (
          <>
            <span className="label-mobile muted">{t("list.duration")}: </span>
            <time dateTime={`PT${Math.round(job.audio_duration_s)}S`} title={describeDuration(job.audio_duration_s, language)}>
              {formatDuration(job.audio_duration_s)}
            </time>
          </>
        )}
      </div>
      <div className="job-actions">
        {unfinished && (
          <button type="button" className="button subtle small" onClick={() => onAsk("cancel")}>
            {t("list.cancel")}
            <span className="visually-hidden"> {job.filename}</span>
          </button>
        )}
        <button type="button" className="button subtle small danger-text" onClick={() => onAsk("delete")}>
          {t("list.delete")}
          <span className="visually-hidden"> {job.filename}</span>
        </button>
      </div>
    </li>
  );
}
