/** The words to show for a failed request: the API's `detail`, with the fields' own
 * problems when a validation error lists them (`extra: [{key, message}]`). */
import { ApiError, errorMessage } from "../../api/client";

interface FieldProblem {
  key?: string | null;
  message?: string;
}

export function problemText(error: unknown, fallback: string): string {
  const message = errorMessage(error, fallback);
  if (!(error instanceof ApiError) || !error.body || typeof error.body !== "object") return message;
  const extra = (error.body as { extra?: unknown }).extra;
  if (!Array.isArray(extra) || extra.length === 0) return message;
  const details = (extra as FieldProblem[])
    .filter((problem) => typeof problem?.message === "string")
    .map((problem) => (problem.key ? `${problem.key}: ${problem.message}` : problem.message));
  return details.length ? `${message} (${details.join("; ")})` : message;
}
