/** Every user: search by email, page through, disable or enable, set a quota, make or
 * unmake an admin (each a PATCH /admin/users/{id}). Nobody can disable or demote themselves. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";

import { useMe } from "../../api/auth";
import { api, unwrap, type Schemas } from "../../api/client";
import { problemText } from "../auth/problem";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { formatDate, formatMinutes, formatNumber } from "../settings/format";
import { Pager } from "./Pager";

type User = Schemas["AdminUser"];
type Change = Schemas["UserChange"];
const LIMIT = 20;

type Pending =
  | { kind: "disable"; user: User }
  | { kind: "demote"; user: User }
  | { kind: "quota"; user: User };

/** The quota field's text as the API wants it: empty is null (the default). */
export function quotaFromInput(text: string): number | null | "invalid" {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  if (!/^\d+$/.test(trimmed)) return "invalid";
  const value = Number(trimmed);
  return value <= 10_000_000 ? value : "invalid";
}

export function UsersSection({ onShowJobs }: { onShowJobs: (user: User) => void }) {
  const { t, i18n } = useTranslation("admin");
  const language = i18n.language;
  const queryClient = useQueryClient();
  const me = useMe();
  const searchId = useId();
  const quotaId = useId();
  const [search, setSearch] = useState("");
  const [query, setQuery] = useState("");
  const [offset, setOffset] = useState(0);
  const [pending, setPending] = useState<Pending | null>(null);
  const [quotaError, setQuotaError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  // Search as the user types, once they pause.
  useEffect(() => {
    const timer = setTimeout(() => {
      setQuery(search.trim());
      setOffset(0);
    }, 300);
    return () => clearTimeout(timer);
  }, [search]);

  const users = useQuery({
    queryKey: ["admin", "users", query, offset],
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(await api.GET("/admin/users", { params: { query: { q: query || undefined, limit: LIMIT, offset } } })),
  });

  const change = useMutation({
    mutationFn: async ({ user, body }: { user: User; body: Change; message: string }) =>
      unwrap(await api.PATCH("/admin/users/{user_id}", { params: { path: { user_id: user.id } }, body })),
    onSuccess: (_user, { message }) => {
      setPending(null);
      setDone(message);
      void queryClient.invalidateQueries({ queryKey: ["admin", "users"] });
    },
  });

  function act(user: User, body: Change, message: string) {
    setDone(null);
    change.mutate({ user, body, message });
  }

  function ask(next: Pending) {
    change.reset();
    setQuotaError(null);
    setDone(null);
    setPending(next);
  }

  const items = users.data?.items ?? [];
  const quotaText = (user: User) =>
    user.quota_minutes === null
      ? t("users.defaultQuota")
      : user.quota_minutes === 0
        ? t("users.unlimited")
        : t("users.minutes", { count: user.quota_minutes, formatted: formatNumber(user.quota_minutes, language) });

  return (
    <section className="card stack admin-section" aria-labelledby="admin-users-title">
      <h2 id="admin-users-title">{t("users.title")}</h2>
      <div className="field admin-search">
        <label htmlFor={searchId}>{t("users.search")}</label>
        <input
          id={searchId}
          type="search"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
          placeholder={t("users.searchPlaceholder")}
          autoComplete="off"
        />
      </div>
      {done && (
        <p role="status" className="success">
          {done}
        </p>
      )}
      {change.isError && pending === null && (
        <p role="alert" className="error">
          {problemText(change.error, t("users.changeFailed"))}
        </p>
      )}
      {users.isPending && <p className="muted">{t("loading")}</p>}
      {users.isError && (
        <p role="alert" className="error">
          {problemText(users.error, t("loadFailed"))}
        </p>
      )}
      {users.isSuccess && items.length === 0 && (
        <p className="empty">{query ? t("users.noMatch", { query }) : t("users.empty")}</p>
      )}
      {items.length > 0 && (
        <div className="table-scroll" aria-busy={users.isFetching}>
          <table className="admin-table">
            <caption className="visually-hidden">{t("users.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("users.colEmail")}</th>
                <th scope="col">{t("users.colCreated")}</th>
                <th scope="col">{t("users.colState")}</th>
                <th scope="col">{t("users.colQuota")}</th>
                <th scope="col">{t("users.colUsage")}</th>
                <th scope="col">{t("actions")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((user) => {
                const self = user.id === me.data?.id;
                return (
                  <tr key={user.id} data-disabled={user.disabled || undefined}>
                    <th scope="row" className="admin-email">
                      {user.email}
                      {self && <span className="badge">{t("users.you")}</span>}
                    </th>
                    <td data-label={t("users.colCreated")}>{formatDate(user.created_at, language)}</td>
                    <td data-label={t("users.colState")}>
                      <span className="flags">
                        <span className="badge" data-flag={user.email_verified ? "yes" : "no"}>
                          {user.email_verified ? t("users.verified") : t("users.unverified")}
                        </span>
                        {user.is_admin && (
                          <span className="badge" data-flag="admin">
                            {t("users.admin")}
                          </span>
                        )}
                        {user.disabled && (
                          <span className="badge" data-flag="disabled">
                            {t("users.disabled")}
                          </span>
                        )}
                      </span>
                    </td>
                    <td data-label={t("users.colQuota")}>{quotaText(user)}</td>
                    <td data-label={t("users.colUsage")}>{t("users.usedMinutes", { minutes: formatMinutes(user.usage_seconds_this_month, language) })}</td>
                    <td className="admin-actions">
                      <div className="action-row">
                        {self ? (
                          <span className="muted self-note">{t("users.selfNote")}</span>
                        ) : (
                          <>
                            {user.disabled ? (
                              <button
                                type="button"
                                className="button small"
                                aria-label={t("users.enableNamed", { email: user.email })}
                                disabled={change.isPending}
                                onClick={() => act(user, { disabled: false }, t("users.enabledDone", { email: user.email }))}
                              >
                                {t("users.enable")}
                              </button>
                            ) : (
                              <button
                                type="button"
                                className="button danger small"
                                aria-label={t("users.disableNamed", { email: user.email })}
                                onClick={() => ask({ kind: "disable", user })}
                              >
                                {t("users.disable")}
                              </button>
                            )}
                            {user.is_admin ? (
                              <button
                                type="button"
                                className="button small"
                                aria-label={t("users.demoteNamed", { email: user.email })}
                                onClick={() => ask({ kind: "demote", user })}
                              >
                                {t("users.demote")}
                              </button>
                            ) : (
                              <button
                                type="button"
                                className="button small"
                                aria-label={t("users.promoteNamed", { email: user.email })}
                                disabled={change.isPending}
                                onClick={() => act(user, { is_admin: true }, t("users.promotedDone", { email: user.email }))}
                              >
                                {t("users.promote")}
                              </button>
                            )}
                          </>
                        )}
                        <button
                          type="button"
                          className="button small"
                          aria-label={t("users.quotaNamed", { email: user.email })}
                          onClick={() => ask({ kind: "quota", user })}
                        >
                          {t("users.quota")}
                        </button>
                        <button
                          type="button"
                          className="button subtle small"
                          aria-label={t("users.jobsNamed", { email: user.email })}
                          onClick={() => onShowJobs(user)}
                        >
                          {t("users.jobs")}
                        </button>
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {users.data && (
        <Pager
          label={t("users.pages")}
          offset={offset}
          limit={LIMIT}
          total={users.data.total ?? 0}
          shown={items.length}
          onOffset={setOffset}
        />
      )}

      <ConfirmDialog
        open={pending?.kind === "disable"}
        title={t("users.disableTitle", { email: pending?.user.email ?? "" })}
        confirmLabel={t("users.disableConfirm")}
        cancelLabel={t("cancel")}
        busy={change.isPending}
        error={change.isError ? problemText(change.error, t("users.changeFailed")) : null}
        onConfirm={() =>
          pending && act(pending.user, { disabled: true }, t("users.disabledDone", { email: pending.user.email }))
        }
        onCancel={() => setPending(null)}
      >
        <p>{t("users.disableBody")}</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={pending?.kind === "demote"}
        title={t("users.demoteTitle", { email: pending?.user.email ?? "" })}
        confirmLabel={t("users.demoteConfirm")}
        cancelLabel={t("cancel")}
        busy={change.isPending}
        error={change.isError ? problemText(change.error, t("users.changeFailed")) : null}
        onConfirm={() =>
          pending && act(pending.user, { is_admin: false }, t("users.demotedDone", { email: pending.user.email }))
        }
        onCancel={() => setPending(null)}
      >
        <p>{t("users.demoteBody")}</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={pending?.kind === "quota"}
        title={t("users.quotaTitle", { email: pending?.user.email ?? "" })}
        confirmLabel={t("users.quotaSave")}
        cancelLabel={t("cancel")}
        danger={false}
        busy={change.isPending}
        error={quotaError ?? (change.isError ? problemText(change.error, t("users.changeFailed")) : null)}
        onConfirm={(form) => {
          if (!pending) return;
          const quota = quotaFromInput(String(form.get("quota") ?? ""));
          if (quota === "invalid") {
            setQuotaError(t("users.quotaInvalid"));
            return;
          }
          setQuotaError(null);
          act(pending.user, { quota_minutes: quota }, t("users.quotaDone", { email: pending.user.email }));
        }}
        onCancel={() => setPending(null)}
      >
        <div className="field">
          <label htmlFor={quotaId}>{t("users.quotaLabel")}</label>
          <input
            id={quotaId}
            name="quota"
            type="number"
            min={0}
            max={10000000}
            step={1}
            inputMode="numeric"
            defaultValue={pending?.user.quota_minutes ?? ""}
            aria-describedby={`${quotaId}-hint`}
            autoFocus
          />
          <small id={`${quotaId}-hint`}>{t("users.quotaHint")}</small>
        </div>
      </ConfirmDialog>
    </section>
  );
}
