/**
 * Server state of the job page and the share page, over the typed client (`api`). The
 * share page's read is a plain fetch: it is public and must not depend on a session.
 */
import { queryOptions, useQuery, type QueryClient } from "@tanstack/react-query";

import { api, ApiError, errorMessage, unwrap } from "../../api/client";
import type { Job } from "../../api/events";
import type { Edit, TranscriptDoc, Utterance, Word } from "./transcript/model";

export const jobKey = (id: string) => ["job", id] as const;
export const transcriptKey = (id: string) => ["job", id, "transcript"] as const;
export const mediaKey = (id: string) => ["job", id, "media"] as const;

export const FINAL = new Set(["completed", "failed", "cancelled"]);

export interface MediaLink {
  url: string;
  content_type: string;
  expires_at: string;
}

export interface ShareLink {
  token: string;
  url: string;
  expires_at: string | null;
}

export interface SharedView {
  job: {
    id: string;
    filename: string;
    language: string;
    mode: "mono" | "dialogue";
    audio_duration_s: number | null;
    speaker_names: Record<string, string>;
    completed_at: string | null;
  };
  transcript: TranscriptDoc;
  media_url: string | null;
  media_content_type?: string | null;
}

const jobQuery = (id: string) =>
  queryOptions({
    queryKey: jobKey(id),
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/jobs/{job_id}", { params: { path: { job_id: id } }, signal })) as Job,
  });

const transcriptQuery = (id: string) =>
  queryOptions({
    queryKey: transcriptKey(id),
    staleTime: 30_000,
    queryFn: async ({ signal }) =>
      asDoc(unwrap(await api.GET("/jobs/{job_id}/transcript", { params: { path: { job_id: id } }, signal }))),
  });

const mediaQuery = (id: string) =>
  queryOptions({
    queryKey: mediaKey(id),
    staleTime: Infinity,
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/jobs/{job_id}/media", { params: { path: { job_id: id } }, signal })) as MediaLink,
  });

export function useJob(id: string, pollMs: number | false) {
  return useQuery({
    ...jobQuery(id),
    refetchInterval: (query) => {
      const status = query.state.data?.status;
      return status && !FINAL.has(status) ? pollMs : false;
    },
  });
}

/**
 * Started by main.tsx when the app opens on a job's page, before React renders: the job,
 * then its transcript and recording URL load while the scripts and strings still arrive.
 */
export async function prefetchJobPage(client: QueryClient, id: string): Promise<void> {
  await client.prefetchQuery(jobQuery(id));
  if (client.getQueryData<Job>(jobKey(id))?.status !== "completed") return;
  await Promise.all([client.prefetchQuery(transcriptQuery(id)), client.prefetchQuery(mediaQuery(id))]);
}

/** Words and utterances from the API, whose generated types may lag behind (revision). */
function asDoc(value: unknown): TranscriptDoc {
  const doc = value as TranscriptDoc & { words: Word[]; utterances: Utterance[] };
  return { ...doc, revision: doc.revision ?? 0 };
}

export function useTranscript(id: string, enabled: boolean) {
  return useQuery({ ...transcriptQuery(id), enabled });
}

export function useMedia(id: string, enabled: boolean) {
  return useQuery({ ...mediaQuery(id), enabled });
}

export async function renameSpeakers(id: string, names: Record<string, string>): Promise<Job> {
  return unwrap(
    await api.PATCH("/jobs/{job_id}/speakers", { params: { path: { job_id: id } }, body: names }),
  ) as Job;
}

export type DownloadFormat = "txt" | "srt" | "vtt" | "json" | "docx";
export const FORMATS: DownloadFormat[] = ["txt", "srt", "vtt", "json", "docx"];

export async function downloadUrl(id: string, format: DownloadFormat): Promise<string> {
  const answer = unwrap(
    await api.GET("/jobs/{job_id}/download", {
      params: { path: { job_id: id }, query: { format } },
    }),
  ) as { url: string };
  return answer.url;
}

export async function saveEdits(id: string, revision: number, edits: Edit[]): Promise<TranscriptDoc> {
  return asDoc(
    unwrap(
      await api.PATCH("/jobs/{job_id}/transcript", {
        params: { path: { job_id: id } },
        body: { revision, edits },
      }),
    ),
  );
}

export async function restoreRecognised(id: string): Promise<TranscriptDoc> {
  return asDoc(unwrap(await api.DELETE("/jobs/{job_id}/transcript/edits", { params: { path: { job_id: id } } })));
}

export async function share(id: string, expiresInDays: number | null): Promise<ShareLink> {
  return unwrap(
    await api.POST("/jobs/{job_id}/share", {
      params: { path: { job_id: id } },
      body: expiresInDays ? { expires_in_days: expiresInDays } : {},
    }),
  );
}

export const shareKey = (id: string) => ["job", id, "share"] as const;

/** The job's working share link, or null when it has none. */
export async function currentShare(id: string, signal?: AbortSignal): Promise<ShareLink | null> {
  return unwrap(await api.GET("/jobs/{job_id}/share", { params: { path: { job_id: id } }, signal })) ?? null;
}

export async function stopSharing(id: string): Promise<void> {
  unwrap(await api.DELETE("/jobs/{job_id}/share", { params: { path: { job_id: id } } }));
}

/** `GET /shared/{token}`: public, so no session token goes along (a visitor may be signed in). */
export async function sharedView(token: string, signal?: AbortSignal): Promise<SharedView> {
  const response = await fetch(`/shared/${encodeURIComponent(token)}`, {
    headers: { accept: "application/json" },
    signal,
  });
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    throw new ApiError(response.status, errorMessage(body, `${response.status} ${response.statusText}`), body);
  }
  const view = body as SharedView;
  return { ...view, transcript: asDoc(view.transcript) };
}
