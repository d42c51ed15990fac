/** API keys for scripts: create one (its `trk_` key shown once, with Copy), list them with
 * when they were last used, revoke one (it stops working at once). */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { api, unwrap, type Schemas } from "../../api/client";
import { problemText } from "../auth/problem";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { CopySecret } from "./CopySecret";
import { formatDate, formatDateTime } from "./format";

type Key = Schemas["Key"];

export function ApiKeysSection() {
  const { t, i18n } = useTranslation("settings");
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [created, setCreated] = useState<Schemas["CreatedKey"] | null>(null);
  const [revoking, setRevoking] = useState<Key | null>(null);
  const [revoked, setRevoked] = useState<string | null>(null);

  const keys = useQuery({
    queryKey: ["api-keys"],
    queryFn: async () => unwrap(await api.GET("/api-keys")),
  });
  const create = useMutation({
    mutationFn: async (keyName: string) => unwrap(await api.POST("/api-keys", { body: { name: keyName } })),
    onSuccess: (key) => {
      setCreated(key);
      setName("");
      setRevoked(null);
      void queryClient.invalidateQueries({ queryKey: ["api-keys"] });
    },
  });
  const revoke = useMutation({
    mutationFn: async (key: Key) => {
      unwrap(await api.DELETE("/api-keys/{key_id}", { params: { path: { key_id: key.id } } }));
      return key;
    },
    onSuccess: (key) => {
      setRevoking(null);
      setRevoked(key.name);
      if (created?.id === key.id) setCreated(null);
      void queryClient.invalidateQueries({ queryKey: ["api-keys"] });
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (name.trim()) create.mutate(name.trim());
  }

  const items = keys.data?.items ?? [];
  return (
    <section className="card stack settings-section" aria-labelledby="keys-title">
      <h2 id="keys-title">{t("keys.title")}</h2>
      <p className="muted">{t("keys.lead")}</p>

      {created ? (
        <CopySecret label={t("keys.newKey", { name: created.name })} value={created.key} onDone={() => setCreated(null)} />
      ) : (
        <form className="inline-form" onSubmit={submit}>
          <label className="field">
            <span>{t("keys.name")}</span>
            <input
              name="name"
              value={name}
              onChange={(event) => setName(event.target.value)}
              maxLength={100}
              required
              placeholder={t("keys.namePlaceholder")}
            />
          </label>
          <button type="submit" className="button primary" disabled={create.isPending || !name.trim()}>
            {t("keys.create")}
          </button>
        </form>
      )}
      {create.isError && (
        <p role="alert" className="error">
          {problemText(create.error, t("keys.createFailed"))}
        </p>
      )}
      {revoked && (
        <p role="status" className="success">
          {t("keys.revoked", { name: revoked })}
        </p>
      )}

      {keys.isPending && <p className="muted">{t("loading")}</p>}
      {keys.isError && (
        <p role="alert" className="error">
          {problemText(keys.error, t("loadFailed"))}
        </p>
      )}
      {keys.isSuccess && items.length === 0 && <p className="empty">{t("keys.empty")}</p>}
      {items.length > 0 && (
        <div className="table-scroll">
          <table className="settings-table">
            <caption className="visually-hidden">{t("keys.caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("keys.colName")}</th>
                <th scope="col">{t("keys.colPrefix")}</th>
                <th scope="col">{t("keys.colCreated")}</th>
                <th scope="col">{t("keys.colLastUsed")}</th>
                <th scope="col">
                  <span className="visually-hidden">{t("actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((key) => (
                <tr key={key.id}>
                  <th scope="row">{key.name}</th>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>{formatDate(key.created_at, i18n.language)}</td>
                  <td>{key.last_used_at ? formatDateTime(key.last_used_at, i18n.language) : t("keys.never")}</td>
                  <td className="actions">
                    <button
                      type="button"
                      className="button danger small"
                      aria-label={t("keys.revokeNamed", { name: key.name })}
                      onClick={() => {
                        revoke.reset();
                        setRevoking(key);
                      }}
                    >
                      {t("keys.revoke")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <ConfirmDialog
        open={revoking !== null}
        title={t("keys.confirmTitle", { name: revoking?.name ?? "" })}
        confirmLabel={t("keys.confirm")}
        cancelLabel={t("cancel")}
        busy={revoke.isPending}
        error={revoke.isError ? problemText(revoke.error, t("keys.revokeFailed")) : null}
        onConfirm={() => revoking && revoke.mutate(revoking)}
        onCancel={() => setRevoking(null)}
      >
        <p>{t("keys.confirmBody")}</p>
      </ConfirmDialog>
    </section>
  );
}
