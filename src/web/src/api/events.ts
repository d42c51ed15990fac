/**
 * Live job events from the API's SSE routes (`GET /events`, `GET /jobs/{id}/events`), read
 * with fetch streaming so the session's bearer token goes along. A dropped stream is opened
 * again with growing delays (1 s doubling to 30 s, with jitter), sending `Last-Event-ID`
 * when the server gave ids; `live` is false meanwhile, so pages poll instead, and
 * `onReconnect` lets them re-read what may have changed while the stream was down.
 */
import { useEffect, useRef, useState } from "react";

import { authFetch, type Schemas } from "./client";
import { createSseParser } from "./sse";

export type Job = Schemas["Job"];

const FINAL = new Set(["completed", "failed", "cancelled"]);

export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1_000 * 2 ** attempt);
  return base / 2 + random() * (base / 2);
}

interface StreamOptions {
  onJob: (job: Job) => void;
  onLive: (live: boolean) => void;
  onReconnect?: () => void;
}

/** Follows `path` until stopped (the returned function); resolves nothing. */
export function followEvents(path: string, options: StreamOptions): () => void {
  const controller = new AbortController();
  let attempt = 0;
  let lastId: string | null = null;
  let finished = false;

  async function once(): Promise<void> {
    const headers: Record<string, string> = { accept: "text/event-stream" };
    if (lastId) headers["Last-Event-ID"] = lastId;
    const response = await authFetch(path, { headers, signal: controller.signal });
    if (response.status === 401 || response.status === 404) {
      finished = true; // signed out, or the job is gone: nothing to come back for
      return;
    }
    if (!response.ok || !response.body) throw new Error(`events: ${response.status}`);
    if (attempt > 0) options.onReconnect?.();
    attempt = 0;
    options.onLive(true);
    const parser = createSseParser((event) => {
      lastId = event.id ?? lastId;
      if (event.event !== "job") return;
      const job = JSON.parse(event.data) as Job;
      options.onJob(job);
      // A one-job stream ends after a final status; that end is not a failure.
      if (path !== "/events" && FINAL.has(job.status)) finished = true;
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
  }

  void (async () => {
    while (!controller.signal.aborted && !finished) {
      try {
        await once();
      } catch {
        // network error or 5xx: try again below
      }
      if (controller.signal.aborted || finished) break;
      options.onLive(false);
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt)));
      attempt += 1;
    }
    options.onLive(false);
  })();

  return () => controller.abort();
}

/**
 * Calls `onJob` for every event of `path` (null: none) while the component is mounted.
 * `live` says whether the stream is connected now; poll while it is not.
 */
export function useJobEvents(
  path: string | null,
  onJob: (job: Job) => void,
  onReconnect?: () => void,
): { live: boolean } {
  const [live, setLive] = useState(false);
  const handlers = useRef({ onJob, onReconnect });
  handlers.current = { onJob, onReconnect };
  useEffect(() => {
    if (!path) return;
    const stop = followEvents(path, {
      onJob: (job) => handlers.current.onJob(job),
      onLive: setLive,
      onReconnect: () => handlers.current.onReconnect?.(),
    });
    return () => {
      stop();
      setLive(false);
    };
  }, [path]);
  return { live };
}
