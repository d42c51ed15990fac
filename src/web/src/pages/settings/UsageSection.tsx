/** Usage this month: audio minutes against the quota (or unlimited), completed jobs, and
 * the months before as bars. */
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";

import { api, unwrap } from "../../api/client";
import { problemText } from "../auth/problem";
import { formatMinutes, formatMonth, formatNumber, minutesOf, quotaPercent } from "./format";

export function UsageSection() {
  const { t, i18n } = useTranslation("settings");
  const language = i18n.language;
  const usage = useQuery({
    queryKey: ["usage"],
    queryFn: async () => unwrap(await api.GET("/usage")),
  });
  const data = usage.data;
  const percent = data ? quotaPercent(data.audio_seconds, data.quota_seconds) : null;
  const history = data ? [...data.history].sort((a, b) => b.period_start.localeCompare(a.period_start)) : [];
  const longest = Math.max(1, ...history.map((period) => period.audio_seconds));
  const used = data ? minutesOf(data.audio_seconds) : 0;

  return (
    <section className="card stack settings-section" aria-labelledby="usage-title">
      <h2 id="usage-title">{t("usage.title")}</h2>
      {usage.isPending && <p className="muted">{t("loading")}</p>}
      {usage.isError && (
        <p role="alert" className="error">
          {problemText(usage.error, t("loadFailed"))}
        </p>
      )}
      {data && (
        <>
          <p className="muted">
            {t("usage.period", { month: formatMonth(data.period_start, language) })}
          </p>
          {data.quota_seconds === null ? (
            <p className="usage-figure">
              {t("usage.usedUnlimited", { count: used, minutes: formatMinutes(data.audio_seconds, language) })}{" "}
              <span className="badge">{t("usage.unlimited")}</span>
            </p>
          ) : (
            <div className="stack usage-quota">
              <p className="usage-figure" id="usage-quota-label">
                {t("usage.usedOf", {
                  count: minutesOf(data.quota_seconds),
                  used: formatMinutes(data.audio_seconds, language),
                  quota: formatMinutes(data.quota_seconds, language),
                })}
              </p>
              <progress
                max={100}
                value={percent ?? 0}
                aria-labelledby="usage-quota-label"
                aria-valuetext={t("usage.percent", { percent: formatNumber(percent ?? 0, language) })}
                className={percent !== null && percent >= 90 ? "usage-bar nearly-full" : "usage-bar"}
              />
              {percent !== null && percent >= 100 && (
                <p className="error">{t("usage.reached")}</p>
              )}
            </div>
          )}
          <p>{t("usage.jobs", { count: data.jobs_completed, formatted: formatNumber(data.jobs_completed, language) })}</p>

          <h3>{t("usage.history")}</h3>
          {history.length === 0 ? (
            <p className="empty">{t("usage.noHistory")}</p>
          ) : (
            <div className="table-scroll">
              <table className="settings-table usage-history">
                <caption className="visually-hidden">{t("usage.history")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("usage.colMonth")}</th>
                    <th scope="col">{t("usage.colMinutes")}</th>
                    <th scope="col">{t("usage.colJobs")}</th>
                  </tr>
                </thead>
                <tbody>
                  {history.map((period) => (
                    <tr key={period.period_start}>
                      <th scope="row">{formatMonth(period.period_start, language)}</th>
                      <td>
                        <div className="history-bar">
                          <span
                            className="history-fill"
                            aria-hidden="true"
                            style={{ width: `${Math.round((period.audio_seconds / longest) * 100)}%` }}
                          />
                          <span>{formatMinutes(period.audio_seconds, language)}</span>
                        </div>
                      </td>
                      <td>{formatNumber(period.jobs_completed, language)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
