/**
 * Uploading media: the checks made before any byte leaves the browser (size and type
 * against GET /engine), key terms, the remembered language and mode, and the PUT of the
 * bytes to the presigned URL with XMLHttpRequest (fetch has no upload progress).
 */
import type { Schemas } from "../../api/client";

export type Engine = Schemas["Engine"];
export type Mode = "mono" | "dialogue";

export const MAX_KEYTERMS = 100;
export const MAX_KEYTERM_CHARS = 100;
export const MAX_KEYTERM_WORDS = 6;

/** Why a file is refused before upload, or null when it may go. */
export type Refusal =
  | { reason: "tooLarge"; limit: number }
  | { reason: "empty" }
  | { reason: "type"; type: string; allowText: boolean };

/** The content type to send for a file (browsers leave some types empty). */
export function contentTypeOf(file: { name: string; type: string }): string {
  if (file.type) return file.type.toLowerCase();
  const extension = file.name.toLowerCase().split(".").pop() ?? "";
  const guesses: Record<string, string> = {
    mp3: "audio/mpeg",
    m4a: "audio/mp4",
    wav: "audio/wav",
    ogg: "audio/ogg",
    oga: "audio/ogg",
    opus: "audio/opus",
    flac: "audio/flac",
    aac: "audio/aac",
    weba: "audio/webm",
    webm: "video/webm",
    mp4: "video/mp4",
    m4v: "video/mp4",
    mov: "video/quicktime",
    mkv: "video/x-matroska",
    txt: "text/plain",
  };
  return guesses[extension] ?? "application/octet-stream";
}

export function checkFile(
  file: { name: string; type: string; size: number },
  engine: Pick<Engine, "name" | "max_upload_bytes">,
): Refusal | null {
  const type = contentTypeOf(file);
  const major = type.split("/")[0];
  const allowText = engine.name === "stub";
  const isText = type.split(";")[0]?.trim() === "text/plain";
  if (major !== "audio" && major !== "video" && !(allowText && isText)) {
    return { reason: "type", type, allowText };
  }
  if (file.size > engine.max_upload_bytes) return { reason: "tooLarge", limit: engine.max_upload_bytes };
  if (file.size === 0) return { reason: "empty" };
  return null;
}

/** The `accept` attribute of the file input. */
export function acceptFor(engine: Pick<Engine, "name"> | undefined): string {
  return engine?.name === "stub" ? "audio/*,video/*,text/plain,.txt" : "audio/*,video/*";
}

export type KeytermProblem =
  | { problem: "tooMany"; max: number }
  | { problem: "tooLong"; term: string; max: number }
  | { problem: "tooManyWords"; term: string; max: number };

/** Key terms typed one per line or separated by commas: trimmed, blanks and repeats dropped. */
export function parseKeyterms(text: string): string[] {
  const seen = new Set<string>();
  const terms: string[] = [];
  for (const raw of text.split(/[,\n;]/)) {
    const term = raw.split(/\s+/).filter(Boolean).join(" ");
    if (!term || seen.has(term.toLowerCase())) continue;
    seen.add(term.toLowerCase());
    terms.push(term);
  }
  return terms;
}

export function checkKeyterms(terms: string[]): KeytermProblem | null {
  if (terms.length > MAX_KEYTERMS) return { problem: "tooMany", max: MAX_KEYTERMS };
  for (const term of terms) {
    if (term.length > MAX_KEYTERM_CHARS) return { problem: "tooLong", term, max: MAX_KEYTERM_CHARS };
    if (term.split(" ").length > MAX_KEYTERM_WORDS) {
      return { problem: "tooManyWords", term, max: MAX_KEYTERM_WORDS };
    }
  }
  return null;
}

/** A byte count for people ("2 GB", "850 KB") in the interface language. */
export function formatBytes(bytes: number, language: string): string {
  const units = ["byte", "kilobyte", "megabyte", "gigabyte", "terabyte"] as const;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return new Intl.NumberFormat(language, {
    style: "unit",
    unit: units[unit],
    unitDisplay: unit === 0 ? "long" : "short",
    maximumFractionDigits: value < 10 && unit > 0 ? 1 : 0,
  }).format(value);
}

// Remembered choices -------------------------------------------------------------------

const PREFS_KEY = "transcribe.upload";

export interface UploadPrefs {
  language: string;
  mode: Mode;
}

export function loadPrefs(storage: Pick<Storage, "getItem"> = localStorage): UploadPrefs {
  try {
    const value = JSON.parse(storage.getItem(PREFS_KEY) ?? "{}") as Partial<UploadPrefs>;
    return {
      language: typeof value.language === "string" && value.language ? value.language : "auto",
      mode: value.mode === "dialogue" ? "dialogue" : "mono",
    };
  } catch {
    return { language: "auto", mode: "mono" };
  }
}

export function savePrefs(prefs: UploadPrefs, storage: Pick<Storage, "setItem"> = localStorage): void {
  try {
    storage.setItem(PREFS_KEY, JSON.stringify(prefs));
  } catch {
    // private mode or full storage: the choice is simply not remembered
  }
}

/** The remembered choice when the engine still offers it, else the defaults. */
export function usablePrefs(prefs: UploadPrefs, engine: Pick<Engine, "languages" | "diarization">): UploadPrefs {
  return {
    language: prefs.language === "auto" || engine.languages.includes(prefs.language) ? prefs.language : "auto",
    mode: prefs.mode === "dialogue" && !engine.diarization ? "mono" : prefs.mode,
  };
}

// The PUT to the presigned URL -----------------------------------------------------------

export class UploadError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

export class UploadAborted extends Error {
  constructor() {
    super("aborted");
  }
}

// Headers a browser sets itself and refuses from scripts.
const FORBIDDEN = new Set(["content-length", "host", "connection", "expect", "accept-encoding"]);

/** The message in an error answer: the API's JSON `detail`, or S3's XML `<Message>`. */
export function messageOfBody(body: string): string | null {
  const trimmed = body.trim();
  if (!trimmed) return null;
  try {
    const detail = (JSON.parse(trimmed) as { detail?: unknown }).detail;
    if (typeof detail === "string" && detail) return detail;
  } catch {
    // not JSON
  }
  const xml = /<Message>([^<]*)<\/Message>/.exec(trimmed);
  return xml?.[1] ?? null;
}

export interface PutHandle {
  done: Promise<void>;
  abort: () => void;
}

/** PUTs `file` to `url` with `headers`, reporting progress 0..100. */
export function putWithProgress(
  url: string,
  headers: Record<string, string>,
  file: Blob,
  onProgress: (percent: number) => void,
  createXhr: () => XMLHttpRequest = () => new XMLHttpRequest(),
): PutHandle {
  const xhr = createXhr();
  const done = new Promise<void>((resolve, reject) => {
    xhr.open("PUT", url);
    for (const [name, value] of Object.entries(headers)) {
      if (!FORBIDDEN.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) {
        onProgress(Math.min(100, Math.floor((event.loaded / event.total) * 100)));
      }
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(100);
        resolve();
      } else {
        const message = messageOfBody(xhr.responseText ?? "") ?? `${xhr.status} ${xhr.statusText}`.trim();
        reject(new UploadError(message, xhr.status));
      }
    };
    xhr.onerror = () => reject(new UploadError("", null));
    xhr.ontimeout = () => reject(new UploadError("", null));
    xhr.onabort = () => reject(new UploadAborted());
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}
