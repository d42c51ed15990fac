import { describe, expect, it, vi } from "vitest";

import {
  checkFile,
  checkKeyterms,
  contentTypeOf,
  formatBytes,
  loadPrefs,
  messageOfBody,
  parseKeyterms,
  putWithProgress,
  savePrefs,
  UploadAborted,
  UploadError,
  usablePrefs,
} from "./upload";

const stub = { name: "stub", max_upload_bytes: 1000 };
const real = { name: "assemblyai", max_upload_bytes: 1000 };

describe("checks before upload", () => {
  it("accepts audio and video within the size limit", () => {
    expect(checkFile({ name: "a.mp3", type: "audio/mpeg", size: 10 }, real)).toBeNull();
    expect(checkFile({ name: "a.mp4", type: "video/mp4", size: 1000 }, real)).toBeNull();
  });

  it("refuses a file over max_upload_bytes, and an empty one", () => {
    expect(checkFile({ name: "a.mp3", type: "audio/mpeg", size: 1001 }, real)).toEqual({
      reason: "tooLarge",
      limit: 1000,
    });
    expect(checkFile({ name: "a.mp3", type: "audio/mpeg", size: 0 }, real)).toEqual({ reason: "empty" });
  });

  it("refuses other types, and plain text except with the stub engine", () => {
    expect(checkFile({ name: "a.pdf", type: "application/pdf", size: 10 }, stub)).toEqual({
      reason: "type",
      type: "application/pdf",
      allowText: true,
    });
    expect(checkFile({ name: "a.txt", type: "text/plain", size: 10 }, stub)).toBeNull();
    expect(checkFile({ name: "a.txt", type: "text/plain", size: 10 }, real)?.reason).toBe("type");
  });

  it("guesses the type from the extension when the browser gives none", () => {
    expect(contentTypeOf({ name: "Talk.M4A", type: "" })).toBe("audio/mp4");
    expect(contentTypeOf({ name: "notes.txt", type: "" })).toBe("text/plain");
    expect(contentTypeOf({ name: "x.bin", type: "" })).toBe("application/octet-stream");
    expect(checkFile({ name: "x.bin", type: "", size: 1 }, stub)?.reason).toBe("type");
  });

  it("formats sizes for people", () => {
    expect(formatBytes(2 * 1024 ** 3, "en")).toBe("2 GB");
    expect(formatBytes(1536, "en")).toBe("1.5 kB");
    expect(formatBytes(2 * 1024 ** 3, "ru")).toMatch(/^2\sГБ$/);
  });
});

describe("key terms", () => {
  it("splits on commas and new lines, trims, drops blanks and repeats", () => {
    expect(parseKeyterms(" Alice ,Bob\n\n  Yandex   Cloud,alice,")).toEqual(["Alice", "Bob", "Yandex Cloud"]);
    expect(parseKeyterms("")).toEqual([]);
  });

  it("refuses more than 100, long ones and long phrases", () => {
    const many = Array.from({ length: 101 }, (_, i) => `t${i}`);
    expect(checkKeyterms(many)).toEqual({ problem: "tooMany", max: 100 });
    expect(checkKeyterms(many.slice(0, 100))).toBeNull();
    expect(checkKeyterms(["x".repeat(101)])?.problem).toBe("tooLong");
    expect(checkKeyterms(["a b c d e f g"])?.problem).toBe("tooManyWords");
  });
});

describe("remembered language and mode", () => {
  it("round-trips through storage and falls back on junk", () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    expect(loadPrefs(storage)).toEqual({ language: "auto", mode: "mono" });
    savePrefs({ language: "ru", mode: "dialogue" }, storage);
    expect(loadPrefs(storage)).toEqual({ language: "ru", mode: "dialogue" });
    store.set("transcribe.upload", "{not json");
    expect(loadPrefs(storage)).toEqual({ language: "auto", mode: "mono" });
  });

  it("drops a remembered choice the engine no longer offers", () => {
    const engine = { languages: ["en"], diarization: false };
    expect(usablePrefs({ language: "ru", mode: "dialogue" }, engine)).toEqual({ language: "auto", mode: "mono" });
    expect(usablePrefs({ language: "en", mode: "mono" }, engine)).toEqual({ language: "en", mode: "mono" });
  });
});

class FakeXhr {
  static last: FakeXhr;
  method = "";
  url = "";
  headers: Record<string, string> = {};
  status = 0;
  statusText = "";
  responseText = "";
  upload: { onprogress: ((event: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  ontimeout: (() => void) | null = null;
  onabort: (() => void) | null = null;
  body: unknown;
  constructor() {
    FakeXhr.last = this;
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: unknown) {
    this.body = body;
  }
  abort() {
    this.onabort?.();
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total } as ProgressEvent);
  }
}

describe("the PUT to the presigned URL", () => {
  const make = () => new FakeXhr() as unknown as XMLHttpRequest;

  it("sends the presigned headers (not the ones browsers forbid) and reports progress", async () => {
    const seen: number[] = [];
    const put = putWithProgress("https://s3/x?sig", { "Content-Type": "audio/mpeg", "Content-Length": "3" }, new Blob(["abc"]), (p) => seen.push(p), make);
    const xhr = FakeXhr.last;
    expect(xhr.method).toBe("PUT");
    expect(xhr.headers).toEqual({ "Content-Type": "audio/mpeg" });
    xhr.progress(1, 3);
    xhr.progress(3, 3);
    xhr.status = 200;
    xhr.onload?.();
    await put.done;
    expect(seen).toEqual([33, 100, 100]);
  });

  it("rejects with the server's message: API JSON or S3 XML", async () => {
    const put = putWithProgress("/u", {}, new Blob(["a"]), () => {}, make);
    Object.assign(FakeXhr.last, { status: 413, responseText: '{"status_code":413,"detail":"Too many bytes"}' });
    FakeXhr.last.onload?.();
    await expect(put.done).rejects.toEqual(new UploadError("Too many bytes", 413));
    expect(messageOfBody("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>")).toBe(
      "Request has expired",
    );
    expect(messageOfBody("")).toBeNull();
  });

  it("tells a lost connection and a cancel apart", async () => {
    const lost = putWithProgress("/u", {}, new Blob(["a"]), () => {}, make);
    FakeXhr.last.onerror?.();
    await expect(lost.done).rejects.toMatchObject({ status: null });
    const onProgress = vi.fn();
    const cancelled = putWithProgress("/u", {}, new Blob(["a"]), onProgress, make);
    cancelled.abort();
    await expect(cancelled.done).rejects.toBeInstanceOf(UploadAborted);
  });
});
