/**
 * The job list in TanStack Query's cache: one query per (status, q, page), each one page of
 * GET /jobs. Live events and the page's own actions patch those pages in place when the
 * answer is certain (the job is on the page, or a new job belongs at the top of the first
 * page of an unfiltered list); otherwise the page is marked stale and read again.
 */
import type { Job } from "../../api/events";

export const PAGE_SIZE = 20;
export const STATUSES = ["pending", "processing", "completed", "failed", "cancelled"] as const;
export type Status = (typeof STATUSES)[number];
export const FINAL_STATUSES: ReadonlySet<string> = new Set(["completed", "failed", "cancelled"]);

export interface ListParams {
  status: Status | null;
  q: string;
  /** 1-based */
  page: number;
}

export interface JobPage {
  items: Job[];
  total: number;
  limit: number;
  offset: number;
}

export const jobsRoot = ["jobs", "list"] as const;

export function listKey(params: ListParams) {
  return [...jobsRoot, params] as const;
}

export function isUnfinished(job: Pick<Job, "status">): boolean {
  return !FINAL_STATUSES.has(job.status);
}

/** The list's address bits (?status=&q=&page=), normalised. */
export function paramsFromSearch(search: URLSearchParams): ListParams {
  const status = search.get("status");
  const page = Number.parseInt(search.get("page") ?? "1", 10);
  return {
    status: (STATUSES as readonly string[]).includes(status ?? "") ? (status as Status) : null,
    q: (search.get("q") ?? "").trim().slice(0, 200),
    page: Number.isFinite(page) && page >= 1 ? page : 1,
  };
}

export function pageCount(total: number, size = PAGE_SIZE): number {
  return Math.max(1, Math.ceil(total / size));
}

/** Whether time `a` is before `b`, as instants (the API's strings may differ in precision
 * or offset spelling, so they do not compare as text); equal to the ms is not older. */
export function isOlder(a: string, b: string): boolean {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  return Number.isFinite(ta) && Number.isFinite(tb) && ta < tb;
}

export type Patch =
  | { kind: "same" }
  | { kind: "set"; page: JobPage }
  /** the page may have changed in a way only the server can say: read it again */
  | { kind: "stale" };

/** What a new state of `job` (from an event or an answer) does to one cached page. */
export function patchPage(page: JobPage, params: ListParams, job: Job): Patch {
  const index = page.items.findIndex((item) => item.id === job.id);
  if (index >= 0) {
    const old = page.items[index]!;
    if (isOlder(job.updated_at, old.updated_at)) return { kind: "same" }; // an older event, late
    const items = page.items.slice();
    items[index] = job;
    const patched: Patch = { kind: "set", page: { ...page, items } };
    // It stays visible with its new status until the page is read again, so it does not
    // vanish under the user's pointer; the read brings the filtered truth.
    if (params.status && job.status !== params.status) return { kind: "stale" };
    // A search may now match (or not) the finished transcript.
    if (params.q && job.status === "completed" && old.status !== "completed") return { kind: "stale" };
    return patched;
  }
  if (params.q) return job.status === "completed" ? { kind: "stale" } : { kind: "same" };
  if (params.status && job.status !== params.status) return { kind: "same" };
  const known = page.items.some((item) => isOlder(job.created_at, item.created_at));
  if (params.page === 1 && !known) {
    // Newest first: a job newer than everything on the first page goes on top.
    const items = [job, ...page.items].slice(0, page.limit);
    return { kind: "set", page: { ...page, items, total: page.total + 1 } };
  }
  // Somewhere else in the list (or it just reached this status): counts and pages shift.
  return { kind: "stale" };
}

/** The page without `jobId` (deleted), or null when it was not there. */
export function removeFromPage(page: JobPage, jobId: string): JobPage | null {
  if (!page.items.some((item) => item.id === jobId)) return null;
  return {
    ...page,
    items: page.items.filter((item) => item.id !== jobId),
    total: Math.max(0, page.total - 1),
  };
}

/** The newest state of each job seen in events, to freshen pages read meanwhile. */
export class SeenJobs {
  private readonly jobs = new Map<string, Job>();

  constructor(private readonly limit = 1000) {}

  note(job: Job): void {
    const known = this.jobs.get(job.id);
    if (known && isOlder(job.updated_at, known.updated_at)) return;
    this.jobs.delete(job.id); // re-inserted last: the map stays in order of use
    this.jobs.set(job.id, job);
    if (this.jobs.size > this.limit) this.jobs.delete(this.jobs.keys().next().value!);
  }

  /** `page` with each job replaced by a newer state seen in an event, if any. */
  freshen(page: JobPage): JobPage {
    let changed = false;
    const items = page.items.map((item) => {
      const known = this.jobs.get(item.id);
      if (known && isOlder(item.updated_at, known.updated_at)) {
        changed = true;
        return known;
      }
      return item;
    });
    return changed ? { ...page, items } : page;
  }
}
