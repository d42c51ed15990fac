/** Jobs of everyone, newest first: filter by status (and by a user picked in the users
 * table), page through; failed ones show their error and can be retried. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { api, unwrap, type Schemas } from "../../api/client";
import { problemText } from "../auth/problem";
import { formatDateTime, formatNumber } from "../settings/format";
import { Pager } from "./Pager";

type Job = Schemas["AdminJob"];
type Status = Schemas["JobStatus"];
const STATUSES: Status[] = ["pending", "processing", "completed", "failed", "cancelled"];
const LIMIT = 20;

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return "";
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h ? String(m).padStart(2, "0") : String(m);
  return `${h ? `${h}:` : ""}${mm}:${String(s).padStart(2, "0")}`;
}

export function JobsSection({
  owner,
  onClearOwner,
}: {
  owner: { id: string; email: string } | null;
  onClearOwner: () => void;
}) {
  const { t, i18n } = useTranslation("admin");
  const language = i18n.language;
  const queryClient = useQueryClient();
  const statusId = useId();
  const [status, setStatus] = useState<Status | "">("");
  const [offset, setOffset] = useState(0);
  const [retried, setRetried] = useState<string | null>(null);

  useEffect(() => setOffset(0), [owner?.id]);

  const jobs = useQuery({
    queryKey: ["admin", "jobs", status, owner?.id ?? null, offset],
    placeholderData: keepPreviousData,
    refetchInterval: 15_000,
    queryFn: async () =>
      unwrap(
        await api.GET("/admin/jobs", {
          params: { query: { status: status || undefined, user_id: owner?.id, limit: LIMIT, offset } },
        }),
      ),
  });
  const retry = useMutation({
    mutationFn: async (job: Job) => {
      unwrap(await api.POST("/admin/jobs/{job_id}/retry", { params: { path: { job_id: job.id } } }));
      return job;
    },
    onSuccess: (job) => {
      setRetried(job.filename);
      void queryClient.invalidateQueries({ queryKey: ["admin", "jobs"] });
    },
  });

  const items = jobs.data?.items ?? [];
  return (
    <section className="card stack admin-section" aria-labelledby="admin-jobs-title" id="admin-jobs">
      <h2 id="admin-jobs-title">{t("jobs.title")}</h2>
      <div className="row admin-filters">
        <div className="field">
          <label htmlFor={statusId}>{t("jobs.status")}</label>
          <select
            id={statusId}
            value={status}
            onChange={(event) => {
              setStatus(event.target.value as Status | "");
              setOffset(0);
            }}
          >
            <option value="">{t("jobs.all")}</option>
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {t(`status.${value}`)}
              </option>
            ))}
          </select>
        </div>
        {owner && (
          <p className="notice owner-filter">
            {t("jobs.ofUser", { email: owner.email })}{" "}
            <button type="button" className="button subtle small" onClick={onClearOwner}>
              {t("jobs.everyone")}
            </button>
          </p>
        )}
      </div>
      {retried && (
        <p role="status" className="success">
          {t("jobs.retried", { name: retried })}
        </p>
      )}
      {retry.isError && (
        <p role="alert" className="error">
          {problemText(retry.error, t("jobs.retryFailed"))}
        </p>
      )}
      {jobs.isPending && <p className="muted">{t("loading")}</p>}
      {jobs.isError && (
        <p role="alert" className="error">
          {problemText(jobs.error, t("loadFailed"))}
        </p>
      )}
      {jobs.isSuccess && items.length === 0 && <p className="empty">{t("jobs.empty")}</p>}
      {items.length > 0 && (
        <div className="table-scroll" aria-busy={jobs.isFetching}>
          <table className="admin-table">
            <caption className="visually-hidden">{t("jobs.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("jobs.colFile")}</th>
                <th scope="col">{t("jobs.colStatus")}</th>
                <th scope="col">{t("jobs.colCreated")}</th>
                <th scope="col">{t("jobs.colDuration")}</th>
                <th scope="col">{t("jobs.colOwner")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((job) => (
                <tr key={job.id}>
                  <th scope="row" className="job-file">
                    <span className="job-name">{job.filename}</span>
                    <span className="muted job-meta">
                      {job.mode === "dialogue" ? t("jobs.dialogue") : t("jobs.mono")} · {job.detected_language ?? job.language}
                      {job.engine ? ` · ${job.engine}` : ""}
                    </span>
                    {job.status === "failed" && (
                      <span className="job-failure">
                        {job.error_message && <span className="error job-error">{job.error_message}</span>}
                        <button
                          type="button"
                          className="button small"
                          aria-label={t("jobs.retryNamed", { name: job.filename })}
                          disabled={retry.isPending}
                          onClick={() => {
                            setRetried(null);
                            retry.mutate(job);
                          }}
                        >
                          {t("jobs.retry")}
                        </button>
                      </span>
                    )}
                  </th>
                  <td data-label={t("jobs.colStatus")}>
                    <span className="badge" data-status={job.status}>
                      {t(`status.${job.status}`)}
                      {job.status === "processing" && typeof job.progress === "number"
                        ? ` ${formatNumber(job.progress, language)} %`
                        : ""}
                    </span>
                  </td>
                  <td data-label={t("jobs.colCreated")}>{formatDateTime(job.created_at, language)}</td>
                  <td data-label={t("jobs.colDuration")}>{formatDuration(job.audio_duration_s)}</td>
                  <td data-label={t("jobs.colOwner")}>
                    <code className="owner-id" title={job.user_id}>
                      {job.user_id.slice(0, 8)}
                    </code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {jobs.data && (
        <Pager
          label={t("jobs.pages")}
          offset={offset}
          limit={LIMIT}
          total={jobs.data.total ?? 0}
          shown={items.length}
          onOffset={setOffset}
        />
      )}
      <p className="muted small-print">
        {t("jobs.ownJobs")} <Link to="/app">{t("jobs.ownJobsLink")}</Link>
      </p>
    </section>
  );
}
