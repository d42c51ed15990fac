/**
 * The uploads started from this page: per file presign -> PUT (with progress) -> complete ->
 * POST /jobs, a few files at a time. A failed or cancelled file does not stop the others.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";

import { api, ApiError, unwrap } from "../../api/client";
import { applyJob } from "./queries";
import { contentTypeOf, putWithProgress, UploadAborted, UploadError, type Mode } from "./upload";

const AT_ONCE = 3;
const ASK_BEFORE_LEAVING_BYTES = 1 << 20;

export interface JobOptions {
  language: string;
  mode: Mode;
  speakersExpected: number | null;
  keyterms: string[];
}

export type UploadState = "queued" | "uploading" | "starting" | "done" | "failed" | "cancelled";

export interface UploadItem {
  id: string;
  file: File;
  options: JobOptions;
  state: UploadState;
  progress: number;
  /** The API's message (or null for a lost connection, which the page words itself). */
  error: string | null;
  errorStatus: number | null;
  jobId: string | null;
}

export const ACTIVE: ReadonlySet<UploadState> = new Set(["queued", "uploading", "starting"]);

let counter = 0;

export function useUploads() {
  const client = useQueryClient();
  const [items, setItems] = useState<UploadItem[]>([]);
  const itemsRef = useRef(items);
  itemsRef.current = items;
  const aborts = useRef(new Map<string, () => void>());
  const running = useRef(new Set<string>());

  const update = useCallback((id: string, change: Partial<UploadItem>) => {
    setItems((all) => all.map((item) => (item.id === id ? { ...item, ...change } : item)));
  }, []);

  const run = useCallback(
    async (item: UploadItem) => {
      const controller = new AbortController();
      let put: { abort: () => void } | null = null;
      aborts.current.set(item.id, () => {
        controller.abort();
        put?.abort();
      });
      const { file, options } = item;
      try {
        update(item.id, { state: "uploading", progress: 0, error: null, errorStatus: null });
        const presigned = unwrap(
          await api.POST("/files/presign", {
            body: { filename: file.name, size: file.size, content_type: contentTypeOf(file) },
            signal: controller.signal,
          }),
        );
        if (controller.signal.aborted) throw new UploadAborted();
        const upload = putWithProgress(presigned.upload_url, presigned.headers, file, (progress) =>
          update(item.id, { progress }),
        );
        put = upload;
        await upload.done;
        if (controller.signal.aborted) throw new UploadAborted();
        update(item.id, { state: "starting", progress: 100 });
        unwrap(
          await api.POST("/files/complete", {
            body: { object_key: presigned.object_key },
            signal: controller.signal,
          }),
        );
        const job = unwrap(
          await api.POST("/jobs", {
            body: {
              object_key: presigned.object_key,
              language: options.language,
              mode: options.mode,
              ...(options.mode === "dialogue" && options.speakersExpected
                ? { speakers_expected: options.speakersExpected }
                : {}),
              ...(options.keyterms.length ? { keyterms: options.keyterms } : {}),
            },
            signal: controller.signal,
          }),
        );
        applyJob(client, job);
        update(item.id, { state: "done", jobId: job.id });
      } catch (error) {
        if (error instanceof UploadAborted || controller.signal.aborted) {
          update(item.id, { state: "cancelled" });
        } else if (error instanceof ApiError) {
          update(item.id, { state: "failed", error: error.message, errorStatus: error.status });
        } else if (error instanceof UploadError) {
          update(item.id, { state: "failed", error: error.message || null, errorStatus: error.status });
        } else {
          update(item.id, { state: "failed", error: null, errorStatus: null });
        }
      } finally {
        aborts.current.delete(item.id);
      }
    },
    [client, update],
  );

  // Start waiting files while fewer than AT_ONCE run.
  useEffect(() => {
    for (const item of items) {
      if (running.current.size >= AT_ONCE) break;
      if (item.state !== "queued" || running.current.has(item.id)) continue;
      running.current.add(item.id);
      void run(item).finally(() => {
        running.current.delete(item.id);
        setItems((all) => all.slice()); // let the next waiting file start
      });
    }
  }, [items, run]);

  // Going to another page of the app lets the uploads finish (their jobs start all the
  // same); closing or reloading the tab would stop them, so the browser asks first when
  // that would waste a real upload (not for a few kilobytes, gone again in a blink).
  const busy = items.some((item) => ACTIVE.has(item.state) && item.file.size > ASK_BEFORE_LEAVING_BYTES);
  useEffect(() => {
    if (!busy) return;
    const ask = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", ask);
    return () => window.removeEventListener("beforeunload", ask);
  }, [busy]);

  const add = useCallback((files: File[], options: JobOptions) => {
    const fresh = files.map((file) => ({
      id: `upload-${++counter}`,
      file,
      options,
      state: "queued" as const,
      progress: 0,
      error: null,
      errorStatus: null,
      jobId: null,
    }));
    setItems((all) => [...fresh, ...all]);
  }, []);

  const cancel = useCallback(
    (id: string) => {
      const abort = aborts.current.get(id);
      if (abort) abort();
      else if (itemsRef.current.find((item) => item.id === id)?.state === "queued") {
        update(id, { state: "cancelled" });
      }
    },
    [update],
  );

  const retry = useCallback((id: string) => update(id, { state: "queued", progress: 0, error: null }), [update]);
  const dismiss = useCallback((id: string) => setItems((all) => all.filter((item) => item.id !== id)), []);
  const clearFinished = useCallback(() => setItems((all) => all.filter((item) => ACTIVE.has(item.state))), []);

  return { items, add, cancel, retry, dismiss, clearFinished };
}
