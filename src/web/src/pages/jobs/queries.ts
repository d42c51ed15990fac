/** Server state of the jobs page: the engine, pages of jobs kept live, cancel and delete. */
import { keepPreviousData, useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useCallback, useEffect } from "react";

import { api, ApiError, unwrap } from "../../api/client";
import { useJobEvents, type Job } from "../../api/events";
import {
  isUnfinished,
  jobsRoot,
  listKey,
  PAGE_SIZE,
  patchPage,
  removeFromPage,
  SeenJobs,
  type JobPage,
  type ListParams,
} from "./jobsCache";

const POLL_MS = 5_000;

export function useEngine() {
  return useQuery({
    queryKey: ["engine"],
    staleTime: 5 * 60_000,
    queryFn: async () => unwrap(await api.GET("/engine")),
  });
}

// Jobs deleted from this page: their late events (the cancel of a deleted job) are ignored.
const deleted = new Set<string>();
// The newest state of each job seen in an event: a page read that was under way while the
// event came must not put the older state back (it would stay until the next event).
const seen = new SeenJobs();

/** Applies a job's new state to every cached page of the list. */
export function applyJob(client: QueryClient, job: Job): void {
  if (deleted.has(job.id)) return;
  seen.note(job);
  const stale: ListParams[] = [];
  let shifted = false;
  for (const [key, page] of client.getQueriesData<JobPage>({ queryKey: jobsRoot })) {
    if (!page) continue;
    const params = key[2] as ListParams;
    const patch = patchPage(page, params, job);
    if (patch.kind === "set") {
      client.setQueryData(key, patch.page);
      if (patch.page.total !== page.total) shifted = true;
    }
    if (patch.kind === "stale") stale.push(params);
  }
  for (const params of stale) {
    void client.invalidateQueries({ queryKey: listKey(params), exact: true });
  }
  if (shifted) {
    // The first page grew: the later pages shifted by one; they are read again when shown.
    void client.invalidateQueries({
      queryKey: jobsRoot,
      predicate: (query) => (query.queryKey[2] as ListParams | undefined)?.page !== 1,
    });
  }
}

export function removeJob(client: QueryClient, jobId: string): void {
  for (const [key, page] of client.getQueriesData<JobPage>({ queryKey: jobsRoot })) {
    const without = page && removeFromPage(page, jobId);
    if (without) client.setQueryData(key, without);
  }
}

/** One page of the list, patched live by `/events`; polled while the stream is down. */
export function useJobList(params: ListParams) {
  const client = useQueryClient();
  const onJob = useCallback((job: Job) => applyJob(client, job), [client]);
  const onReconnect = useCallback(() => void client.invalidateQueries({ queryKey: jobsRoot }), [client]);
  const { live } = useJobEvents("/events", onJob, onReconnect);
  // Whatever changed before the stream was open (the first time too) is read once it is.
  useEffect(() => {
    if (live) void client.invalidateQueries({ queryKey: jobsRoot });
  }, [live, client]);
  const query = useQuery({
    queryKey: listKey(params),
    placeholderData: keepPreviousData,
    queryFn: async ({ signal }) => {
      const query = {
        limit: PAGE_SIZE,
        offset: (params.page - 1) * PAGE_SIZE,
        ...(params.status ? { status: params.status } : {}),
        ...(params.q ? { q: params.q } : {}),
      };
      return seen.freshen(unwrap(await api.GET("/jobs", { params: { query }, signal })) as JobPage);
    },
    refetchInterval: (q) => (!live && q.state.data?.items.some(isUnfinished) ? POLL_MS : false),
  });
  return { ...query, live };
}

/** DELETE /jobs/{id}: cancels an unfinished job (its row stays, `cancelled`), deletes a finished one. */
async function deleteOnce(jobId: string): Promise<void> {
  unwrap(await api.DELETE("/jobs/{job_id}", { params: { path: { job_id: jobId } } }));
}

export function useCancelJob() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (job: Job) => {
      await deleteOnce(job.id);
      return unwrap(await api.GET("/jobs/{job_id}", { params: { path: { job_id: job.id } } }));
    },
    onSuccess: (job) => applyJob(client, job),
  });
}

export function useDeleteJob() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (job: Job) => {
      await deleteOnce(job.id);
      // The first DELETE of an unfinished job only cancels it; the second deletes it.
      if (isUnfinished(job)) {
        try {
          await deleteOnce(job.id);
        } catch (error) {
          // It finished meanwhile and the first DELETE deleted it.
          if (!(error instanceof ApiError && error.status === 404)) throw error;
        }
      }
    },
    onSuccess: (_, job) => {
      deleted.add(job.id);
      removeJob(client, job.id);
      void client.invalidateQueries({ queryKey: jobsRoot });
    },
  });
}
