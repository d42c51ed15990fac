/** Small display helpers of the job and share pages. */
import { formatDuration } from "../transcript/model";

export { formatDuration };

/** "English" for `en` in the interface language; the code itself when the browser has no name. */
export function languageName(code: string, uiLanguage: string): string {
  try {
    return new Intl.DisplayNames([uiLanguage], { type: "language" }).of(code) ?? code;
  } catch {
    return code;
  }
}

export function formatDate(iso: string, uiLanguage: string): string {
  try {
    return new Intl.DateTimeFormat(uiLanguage, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
  } catch {
    return iso;
  }
}

/** Below this a detected language is a guess worth checking (the API's advice). */
export const UNCERTAIN_CONFIDENCE = 0.5;

type Detection = { language: string; detected_language: string | null; language_confidence?: number | null };

/** How sure the engine was of the language it detected (0..1), or null when the language
 * was given or the engine said nothing. */
export function detectionConfidence(job: Detection): number | null {
  if (job.language !== "auto" || !job.detected_language) return null;
  return job.language_confidence ?? null;
}

/** Whether the detected language deserves a visible warning. */
export function isUncertain(job: Detection): boolean {
  const confidence = detectionConfidence(job);
  return confidence !== null && confidence < UNCERTAIN_CONFIDENCE;
}

/** "42%" (or "42 %" in Russian) for 0.42; rounded down, so that 0.499 never reads as the
 * 50% that would not have been called uncertain, nor 0.996 as a certain 100%. */
export function formatPercent(fraction: number, uiLanguage: string): string {
  const whole = Math.floor(fraction * 100 + 1e-9);
  try {
    return new Intl.NumberFormat(uiLanguage, { style: "percent" }).format(whole / 100);
  } catch {
    return `${whole}%`;
  }
}
