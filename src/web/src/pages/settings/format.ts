/** Dates, numbers and durations in the interface language (Intl with i18n.language). */

export function formatDate(value: string | null | undefined, language: string): string {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(language, { dateStyle: "medium" }).format(date);
}

export function formatDateTime(value: string | null | undefined, language: string): string {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

/** A calendar month ("March 2025"), from the API's `period_start` date (UTC). */
export function formatMonth(periodStart: string, language: string): string {
  const [year, month] = periodStart.split("-").map(Number);
  if (!year || !month) return periodStart;
  return new Intl.DateTimeFormat(language, { month: "long", year: "numeric", timeZone: "UTC" }).format(
    new Date(Date.UTC(year, month - 1, 1)),
  );
}

export function formatNumber(value: number, language: string, maximumFractionDigits = 0): string {
  return new Intl.NumberFormat(language, { maximumFractionDigits }).format(value);
}

/** Audio seconds as minutes, with one decimal under ten minutes so short files still show. */
export function minutesOf(seconds: number): number {
  const minutes = seconds / 60;
  return minutes < 10 ? Math.round(minutes * 10) / 10 : Math.round(minutes);
}

export function formatMinutes(seconds: number, language: string): string {
  return formatNumber(minutesOf(seconds), language, 1);
}

/** How much of a quota is used, 0..100 (capped), or null when unlimited. */
export function quotaPercent(usedSeconds: number, quotaSeconds: number | null): number | null {
  if (quotaSeconds === null) return null;
  if (quotaSeconds <= 0) return 100;
  return Math.min(100, Math.round((usedSeconds / quotaSeconds) * 100));
}

/** Password rules shared by the forms: the API takes 8 to 128 characters. */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

export function passwordProblem(password: string): "short" | "long" | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return "short";
  if (length > PASSWORD_MAX) return "long";
  return null;
}
