/** Times and durations of the job list, in the interface language. */

/** 75.4 -> "1:15", 3725 -> "1:02:05". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "";
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** The duration for a screen reader: "1 hour, 2 minutes, 5 seconds" style, via Intl. */
export function describeDuration(seconds: number | null | undefined, language: string): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "";
  const total = Math.round(seconds);
  const parts: [number, "hour" | "minute" | "second"][] = [
    [Math.floor(total / 3600), "hour"],
    [Math.floor((total % 3600) / 60), "minute"],
    [total % 60, "second"],
  ];
  const shown = parts.filter(([n], i) => n > 0 || (i === 2 && total === 0));
  return shown
    .map(([n, unit]) => new Intl.NumberFormat(language, { style: "unit", unit, unitDisplay: "long" }).format(n))
    .join(" ");
}

const DAY = 86_400_000;

/** "2 minutes ago", "yesterday" for the last week; a date and time before that. */
export function formatCreated(iso: string, language: string, now: number = Date.now()): string {
  const time = new Date(iso).getTime();
  if (Number.isNaN(time)) return iso;
  const diff = time - now; // negative: in the past
  const past = Math.abs(diff);
  if (past >= 7 * DAY) {
    return new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }).format(time);
  }
  const rtf = new Intl.RelativeTimeFormat(language, { numeric: "auto" });
  if (past < 45_000) return rtf.format(0, "second");
  if (past < 3_600_000) return rtf.format(Math.round(diff / 60_000), "minute");
  if (past < DAY) return rtf.format(Math.round(diff / 3_600_000), "hour");
  return rtf.format(Math.round(diff / DAY), "day");
}

export function formatFull(iso: string, language: string): string {
  const time = new Date(iso).getTime();
  if (Number.isNaN(time)) return iso;
  return new Intl.DateTimeFormat(language, { dateStyle: "full", timeStyle: "medium" }).format(time);
}

/** A language code's name in the interface language ("ru" -> "Russian" / "русский"). */
export function languageName(code: string, language: string): string {
  try {
    const names = new Intl.DisplayNames([language], { type: "language", fallback: "code" });
    const name = names.of(code) ?? code;
    return name.charAt(0).toLocaleUpperCase(language) + name.slice(1);
  } catch {
    return code;
  }
}

/** Whether a search's words are in the file name (else the match was in the transcript). */
export function matchesFilename(filename: string, q: string): boolean {
  const name = filename.toLocaleLowerCase();
  const words = q
    .toLocaleLowerCase()
    .split(/[\s"]+/)
    .filter((word) => word && !word.startsWith("-") && word !== "or");
  if (words.length === 0) return false;
  return words.some((word) => name.includes(word));
}
