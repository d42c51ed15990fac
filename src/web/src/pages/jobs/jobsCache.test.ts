import { describe, expect, it } from "vitest";

import type { Job } from "../../api/events";
import {
  pageCount,
  paramsFromSearch,
  patchPage,
  removeFromPage,
  SeenJobs,
  type JobPage,
  type ListParams,
} from "./jobsCache";

function job(id: string, created: string, status: Job["status"] = "pending", updated = created): Job {
  return {
    id,
    status,
    language: "en",
    mode: "mono",
    object_key: `k/${id}`,
    filename: `${id}.mp3`,
    created_at: created,
    updated_at: updated,
    started_at: null,
    completed_at: null,
    error_message: null,
    detected_language: null,
    language_confidence: null,
    audio_duration_s: null,
    engine: "stub",
    progress: null,
    speaker_names: {},
  };
}

const all: ListParams = { status: null, q: "", page: 1 };
const page = (items: Job[], total = items.length, limit = 20): JobPage => ({ items, total, limit, offset: 0 });

describe("patching a page of jobs", () => {
  const older = job("b", "2025-01-01T10:00:00Z");
  const newer = job("a", "2025-01-01T11:00:00Z");

  it("replaces a job in place with its newer state", () => {
    const done = { ...older, status: "completed" as const, updated_at: "2025-01-01T10:05:00Z" };
    const patch = patchPage(page([newer, older]), all, done);
    expect(patch).toEqual({ kind: "set", page: page([newer, done]) });
  });

  it("ignores an event older than what the page shows", () => {
    const shown = { ...older, status: "completed" as const, updated_at: "2025-01-01T10:05:00Z" };
    expect(patchPage(page([shown]), all, older)).toEqual({ kind: "same" });
  });

  it("compares times as instants, not as text", () => {
    const shown = { ...older, status: "processing" as const, updated_at: "2025-01-01T10:05:00Z" };
    const done = { ...older, status: "completed" as const, updated_at: "2025-01-01T10:05:00.5+00:00" };
    expect(patchPage(page([shown]), all, done)).toEqual({ kind: "set", page: page([done]) });
    const late = { ...older, status: "pending" as const, updated_at: "2025-01-01T11:04:59.9+01:00" };
    expect(patchPage(page([shown]), all, late)).toEqual({ kind: "same" });
  });

  it("puts a new job on top of the first page, counting it and keeping the page size", () => {
    const fresh = job("c", "2025-01-01T12:00:00Z");
    const patch = patchPage(page([newer, older], 7, 2), all, fresh);
    expect(patch).toEqual({ kind: "set", page: page([fresh, newer], 8, 2) });
  });

  it("asks the server when the job belongs elsewhere", () => {
    const fresh = job("c", "2025-01-01T12:00:00Z");
    expect(patchPage(page([newer]), { ...all, page: 2 }, fresh)).toEqual({ kind: "stale" });
    // older than the first page's newest: somewhere in the middle
    expect(patchPage(page([newer]), all, job("z", "2025-01-01T09:00:00Z"))).toEqual({ kind: "stale" });
  });

  it("respects the status filter", () => {
    const running = { status: "processing" as const, q: "", page: 1 };
    expect(patchPage(page([]), running, job("c", "2025-01-01T12:00:00Z", "pending"))).toEqual({ kind: "same" });
    expect(patchPage(page([]), running, job("c", "2025-01-01T12:00:00Z", "processing")).kind).toBe("set");
    // a shown job leaving the filter: the page is read again
    const left = { ...job("a", "2025-01-01T11:00:00Z", "completed"), updated_at: "2025-01-01T11:01:00Z" };
    expect(patchPage(page([job("a", "2025-01-01T11:00:00Z", "processing")]), running, left)).toEqual({ kind: "stale" });
  });

  it("re-reads a search when a job completes (its transcript may match)", () => {
    const search = { status: null, q: "hello", page: 1 };
    expect(patchPage(page([]), search, job("c", "2025-01-01T12:00:00Z", "pending"))).toEqual({ kind: "same" });
    expect(patchPage(page([]), search, job("c", "2025-01-01T12:00:00Z", "completed"))).toEqual({ kind: "stale" });
  });

  it("removes a deleted job and counts it out", () => {
    expect(removeFromPage(page([newer, older], 5), "a")).toEqual(page([older], 4));
    expect(removeFromPage(page([older]), "a")).toBeNull();
  });
});

describe("the list's address", () => {
  it("reads status, q and page, ignoring junk", () => {
    expect(paramsFromSearch(new URLSearchParams("status=failed&q=%20hi%20&page=3"))).toEqual({
      status: "failed",
      q: "hi",
      page: 3,
    });
    expect(paramsFromSearch(new URLSearchParams("status=nope&page=-2"))).toEqual({ status: null, q: "", page: 1 });
  });

  it("counts pages", () => {
    expect(pageCount(0)).toBe(1);
    expect(pageCount(20)).toBe(1);
    expect(pageCount(21)).toBe(2);
  });
});

describe("a page read while events came", () => {
  it("keeps the newer state an event brought, not the older one the read saw", () => {
    const seen = new SeenJobs(2);
    const pending = job("a", "2025-01-01T10:00:00Z", "pending");
    const done = { ...pending, status: "completed" as const, updated_at: "2025-01-01T10:00:03Z" };
    const other = job("b", "2025-01-01T09:00:00Z", "pending");
    seen.note(done);
    seen.note({ ...pending, updated_at: "2025-01-01T10:00:01Z" }); // a late, older event
    expect(seen.freshen(page([pending, other]))).toEqual(page([done, other]));
    const read = page([done, other]);
    expect(seen.freshen(read)).toBe(read); // nothing newer: the same object
  });

  it("forgets the least recently seen jobs past its limit", () => {
    const seen = new SeenJobs(1);
    const a = job("a", "2025-01-01T10:00:00Z", "pending");
    seen.note({ ...a, status: "completed", updated_at: "2025-01-01T10:00:03Z" });
    seen.note(job("b", "2025-01-01T10:00:00Z"));
    expect(seen.freshen(page([a]))).toEqual(page([a]));
  });
});
