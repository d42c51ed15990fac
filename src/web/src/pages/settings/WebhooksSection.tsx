/** Webhook endpoints: where the service POSTs when a job completes or fails. The signing
 * secret is shown once; the API refuses private addresses (its 400 is shown). */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { api, unwrap, type Schemas } from "../../api/client";
import { problemText } from "../auth/problem";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { CopySecret } from "./CopySecret";
import { formatDate } from "./format";

type Endpoint = Schemas["Endpoint"];
const EVENTS = ["job.completed", "job.failed"] as const;
type EventName = (typeof EVENTS)[number];

export function WebhooksSection() {
  const { t, i18n } = useTranslation("settings");
  const queryClient = useQueryClient();
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<Set<EventName>>(() => new Set(EVENTS));
  const [created, setCreated] = useState<Schemas["CreatedEndpoint"] | null>(null);
  const [deleting, setDeleting] = useState<Endpoint | null>(null);
  const [deleted, setDeleted] = useState<string | null>(null);

  const endpoints = useQuery({
    queryKey: ["webhook-endpoints"],
    queryFn: async () => unwrap(await api.GET("/webhook-endpoints")),
  });
  const create = useMutation({
    mutationFn: async (body: Schemas["EndpointCreate"]) => unwrap(await api.POST("/webhook-endpoints", { body })),
    onSuccess: (endpoint) => {
      setCreated(endpoint);
      setUrl("");
      setEvents(new Set(EVENTS));
      setDeleted(null);
      void queryClient.invalidateQueries({ queryKey: ["webhook-endpoints"] });
    },
  });
  const remove = useMutation({
    mutationFn: async (endpoint: Endpoint) => {
      unwrap(
        await api.DELETE("/webhook-endpoints/{endpoint_id}", { params: { path: { endpoint_id: endpoint.id } } }),
      );
      return endpoint;
    },
    onSuccess: (endpoint) => {
      setDeleting(null);
      setDeleted(endpoint.url);
      if (created?.id === endpoint.id) setCreated(null);
      void queryClient.invalidateQueries({ queryKey: ["webhook-endpoints"] });
    },
  });

  function toggle(event: EventName, on: boolean) {
    setEvents((previous) => {
      const next = new Set(previous);
      if (on) next.add(event);
      else next.delete(event);
      return next;
    });
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!url.trim() || events.size === 0) return;
    create.mutate({ url: url.trim(), events: EVENTS.filter((name) => events.has(name)) });
  }

  const items = endpoints.data?.items ?? [];
  return (
    <section className="card stack settings-section" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">{t("webhooks.title")}</h2>
      <p className="muted">{t("webhooks.lead")}</p>

      {created ? (
        <CopySecret
          label={t("webhooks.newSecret", { url: created.url })}
          value={created.secret}
          onDone={() => setCreated(null)}
        />
      ) : (
        <form className="stack" onSubmit={submit}>
          <label className="field">
            <span>{t("webhooks.url")}</span>
            <input
              name="url"
              type="url"
              inputMode="url"
              required
              placeholder="https://example.com/hooks/transcribe"
              value={url}
              onChange={(event) => setUrl(event.target.value)}
            />
          </label>
          <fieldset className="events">
            <legend>{t("webhooks.events")}</legend>
            {EVENTS.map((name) => (
              <label key={name} className="check">
                <input
                  type="checkbox"
                  name="events"
                  value={name}
                  checked={events.has(name)}
                  onChange={(event) => toggle(name, event.target.checked)}
                />
                <span>
                  <code>{name}</code> <span className="muted">{t(`webhooks.event.${name === "job.completed" ? "completed" : "failed"}`)}</span>
                </span>
              </label>
            ))}
            {events.size === 0 && <p className="muted">{t("webhooks.pickOne")}</p>}
          </fieldset>
          <div className="row">
            <button type="submit" className="button primary" disabled={create.isPending || events.size === 0}>
              {t("webhooks.create")}
            </button>
          </div>
        </form>
      )}
      {create.isError && (
        <p role="alert" className="error">
          {problemText(create.error, t("webhooks.createFailed"))}
        </p>
      )}
      {deleted && (
        <p role="status" className="success">
          {t("webhooks.deleted", { url: deleted })}
        </p>
      )}

      {endpoints.isPending && <p className="muted">{t("loading")}</p>}
      {endpoints.isError && (
        <p role="alert" className="error">
          {problemText(endpoints.error, t("loadFailed"))}
        </p>
      )}
      {endpoints.isSuccess && items.length === 0 && <p className="empty">{t("webhooks.empty")}</p>}
      {items.length > 0 && (
        <ul className="endpoint-list">
          {items.map((endpoint) => (
            <li key={endpoint.id} className="endpoint">
              <div className="endpoint-main">
                <span className="endpoint-url">{endpoint.url}</span>
                <span className="muted endpoint-meta">
                  {endpoint.events.join(", ")} · {t("webhooks.added", { date: formatDate(endpoint.created_at, i18n.language) })}
                </span>
              </div>
              <button
                type="button"
                className="button danger small"
                aria-label={t("webhooks.deleteNamed", { url: endpoint.url })}
                onClick={() => {
                  remove.reset();
                  setDeleting(endpoint);
                }}
              >
                {t("webhooks.delete")}
              </button>
            </li>
          ))}
        </ul>
      )}

      <ConfirmDialog
        open={deleting !== null}
        title={t("webhooks.confirmTitle")}
        confirmLabel={t("webhooks.confirm")}
        cancelLabel={t("cancel")}
        busy={remove.isPending}
        error={remove.isError ? problemText(remove.error, t("webhooks.deleteFailed")) : null}
        onConfirm={() => deleting && remove.mutate(deleting)}
        onCancel={() => setDeleting(null)}
      >
        <p>{t("webhooks.confirmBody", { url: deleting?.url ?? "" })}</p>
      </ConfirmDialog>
    </section>
  );
}
