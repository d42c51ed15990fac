/**
 * Light and dark themes: the system's `prefers-color-scheme` until the user toggles,
 * then their choice (remembered). The choice is `data-theme` on <html>; the styles'
 * colours are CSS variables for each.
 */
import { useEffect, useState } from "react";

export type Theme = "light" | "dark";
const STORAGE_KEY = "transcribe.theme";

function systemTheme(): Theme {
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function storedTheme(): Theme | null {
  const value = localStorage.getItem(STORAGE_KEY);
  return value === "light" || value === "dark" ? value : null;
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
}

export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(() => storedTheme() ?? systemTheme());
  useEffect(() => applyTheme(theme), [theme]);
  useEffect(() => {
    const query = window.matchMedia?.("(prefers-color-scheme: dark)");
    const follow = () => {
      if (!storedTheme()) setTheme(systemTheme());
    };
    query?.addEventListener("change", follow);
    return () => query?.removeEventListener("change", follow);
  }, []);
  const toggle = () => {
    const next: Theme = theme === "dark" ? "light" : "dark";
    localStorage.setItem(STORAGE_KEY, next);
    setTheme(next);
  };
  return [theme, toggle];
}

/** Before React renders, so the first paint has the right colours. */
export function applyInitialTheme(): void {
  applyTheme(storedTheme() ?? systemTheme());
}
