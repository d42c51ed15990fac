/**
 * The signed-in session: the access and refresh tokens, kept in localStorage so every tab
 * shares one login. The refresh token rotates on every use and a reused one revokes the
 * whole login, so only one tab at a time may refresh (a Web Lock), and a tab that waited
 * takes the tokens the other tab just got instead of spending the old one again.
 */

export interface Tokens {
  access_token: string;
  refresh_token: string;
  /** When the access token expires, in ms since the epoch. */
  expires_at: number;
}

export interface TokenAnswer {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

const STORAGE_KEY = "transcribe.session";
/** Refresh this long before the access token expires, so no request carries a stale one. */
const EARLY_MS = 30_000;

type Listener = () => void;
const listeners = new Set<Listener>();
let cached: Tokens | null | undefined;

function read(): Tokens | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const value = JSON.parse(raw) as Tokens;
    return value.access_token && value.refresh_token ? value : null;
  } catch {
    return null;
  }
}

export function currentTokens(): Tokens | null {
  if (cached === undefined) cached = read();
  return cached;
}

function notify(): void {
  for (const listener of listeners) listener();
}

export function tokensFrom(answer: TokenAnswer, now = Date.now()): Tokens {
  return {
    access_token: answer.access_token,
    refresh_token: answer.refresh_token,
    expires_at: now + answer.expires_in * 1000,
  };
}

export function saveTokens(tokens: Tokens | null): void {
  cached = tokens;
  if (tokens) localStorage.setItem(STORAGE_KEY, JSON.stringify(tokens));
  else localStorage.removeItem(STORAGE_KEY);
  notify();
}

export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// Another tab signed in, refreshed or signed out.
if (typeof window !== "undefined") {
  window.addEventListener("storage", (event) => {
    if (event.key === STORAGE_KEY || event.key === null) {
      cached = read();
      notify();
    }
  });
}

export function needsRefresh(tokens: Tokens, now = Date.now()): boolean {
  return tokens.expires_at - now < EARLY_MS;
}

let inFlight: Promise<Tokens | null> | null = null;

async function withRefreshLock<T>(work: () => Promise<T>): Promise<T> {
  if (typeof navigator !== "undefined" && navigator.locks) {
    return navigator.locks.request("transcribe-refresh", work);
  }
  return work();
}

/**
 * A fresh access token, or null when the login is over (the refresh token was refused:
 * expired, revoked or reused), in which case the session is cleared.
 */
export function refreshTokens(stale: Tokens): Promise<Tokens | null> {
  inFlight ??= withRefreshLock(async () => {
    const latest = read();
    if (!latest) return null;
    if (latest.refresh_token !== stale.refresh_token && !needsRefresh(latest)) {
      cached = latest; // another tab refreshed while we waited
      return latest;
    }
    const response = await fetch("/auth/refresh", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: latest.refresh_token }),
    });
    if (response.status === 401 || response.status === 400) {
      saveTokens(null);
      return null;
    }
    if (!response.ok) throw new Error(`refresh failed: ${response.status}`);
    const tokens = tokensFrom((await response.json()) as TokenAnswer);
    saveTokens(tokens);
    return tokens;
  }).finally(() => {
    inFlight = null;
  });
  return inFlight;
}

/** The access token to send now, refreshed first when it is about to expire. */
export async function accessToken(): Promise<string | null> {
  const tokens = currentTokens();
  if (!tokens) return null;
  if (!needsRefresh(tokens)) return tokens.access_token;
  const fresh = await refreshTokens(tokens);
  return fresh?.access_token ?? null;
}
