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
