/**
 * The typed API client: paths and bodies come from src/api/schema.d.ts, generated from the
 * service's own OpenAPI document (`just gen-api`). Every request carries the access token;
 * a 401 gets one silent refresh and retry, then the session ends.
 */
import createClient from "openapi-fetch";

import type { components, paths } from "./schema";
import { accessToken, currentTokens, refreshTokens } from "./session";

export type Schemas = components["schemas"];

/** `fetch` with the session's bearer token; used by the typed client and by streams. */
export async function authFetch(input: Request | string, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  const retry = request.clone();
  const token = await accessToken();
  if (token) request.headers.set("Authorization", `Bearer ${token}`);
  const response = await fetch(request);
  if (response.status !== 401 || !token) return response;
  const tokens = currentTokens();
  if (!tokens) return response;
  const fresh = await refreshTokens(tokens);
  if (!fresh) return response;
  retry.headers.set("Authorization", `Bearer ${fresh.access_token}`);
  return fetch(retry);
}

export const api = createClient<paths>({
  baseUrl: typeof window !== "undefined" ? window.location.origin : "http://localhost",
  fetch: (request: Request) => authFetch(request),
});

/** The message to show for an API error body (Litestar's `{status_code, detail}`). */
export function errorMessage(error: unknown, fallback = "Something went wrong"): string {
  if (error && typeof error === "object") {
    const detail = (error as { detail?: unknown }).detail;
    if (typeof detail === "string" && detail) return detail;
    if (error instanceof Error && error.message) return error.message;
  }
  return fallback;
}

/** Thrown by `unwrap` so TanStack Query sees failures; keeps the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** The data of an openapi-fetch answer, or an ApiError with the API's own message. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    throw new ApiError(
      result.response.status,
      errorMessage(result.error, `${result.response.status} ${result.response.statusText}`),
      result.error,
    );
  }
  return result.data as T;
}
