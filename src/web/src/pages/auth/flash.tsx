/**
 * A one-time notice for the next page ("Account created: check your email", "Your account
 * was deleted"): kept in sessionStorage so a redirect or a reload in between keeps it, and
 * shown once, by the page it was meant for, until dismissed or the user moves on.
 */
import { useEffect, useRef, useSyncExternalStore } from "react";
import { useTranslation } from "react-i18next";
import { useLocation } from "react-router";

const KEY = "transcribe.flash";

interface Flash {
  message: string;
  /** The paths the notice is for (where the user is sent next; a guard may pick another). */
  paths: string[];
}

const listeners = new Set<() => void>();
let snapshot: string | null = null;
let mounted = 0;

function raw(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return snapshot;
  }
}

export function setFlash(message: string, paths: string[]): void {
  snapshot = JSON.stringify({ message, paths } satisfies Flash);
  try {
    sessionStorage.setItem(KEY, snapshot);
  } catch {
    // private mode: the in-memory copy is enough for this tab
  }
  for (const listener of listeners) listener();
}

export function clearFlash(): void {
  snapshot = null;
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing kept
  }
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function readFlash(value: string | null): Flash | null {
  if (!value) return null;
  try {
    const parsed = JSON.parse(value) as Flash;
    return typeof parsed.message === "string" && Array.isArray(parsed.paths) ? parsed : null;
  } catch {
    return null;
  }
}

/** The pending notice for this page, in role="status", with a button to dismiss it. */
export function FlashNotice() {
  const { t } = useTranslation("auth");
  const { pathname } = useLocation();
  const flash = readFlash(useSyncExternalStore(subscribe, raw, () => null));
  const forHere = flash !== null && flash.paths.includes(pathname);
  const shownAt = useRef<string | null>(null);

  // Shown once: moving on from the page where it was shown ends it, whether this notice
  // stays mounted (in the frame) or goes with its page.
  useEffect(() => {
    if (forHere) shownAt.current = pathname;
    else if (shownAt.current !== null && shownAt.current !== pathname) {
      shownAt.current = null;
      clearFlash();
    }
  }, [forHere, pathname]);
  useEffect(() => {
    mounted += 1;
    return () => {
      mounted -= 1;
      const was = shownAt.current;
      // StrictMode mounts twice in a row: only a real unmount leaves none behind.
      setTimeout(() => {
        if (mounted === 0 && was !== null && window.location.pathname !== was) clearFlash();
      }, 0);
    };
  }, []);

  if (!forHere) return null;
  return (
    <div className="notice flash row" role="status">
      <span className="flash-text">{flash.message}</span>
      <button type="button" className="button subtle small" onClick={clearFlash}>
        {t("dismiss")}
      </button>
    </div>
  );
}
