/** A secret shown once (an API key, a webhook signing secret): read-only text with a Copy
 * button (the clipboard API, else the text is selected for Ctrl+C) and a warning. */
import { useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

export function CopySecret({ label, value, onDone }: { label: string; value: string; onDone: () => void }) {
  const { t } = useTranslation("settings");
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [state, setState] = useState<"idle" | "copied" | "selected">("idle");

  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, [value]);

  async function copy() {
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(value);
      setState("copied");
    } catch {
      input.current?.focus();
      input.current?.select();
      let copied = false;
      try {
        copied = document.execCommand("copy");
      } catch {
        copied = false;
      }
      setState(copied ? "copied" : "selected");
    }
  }

  return (
    <div className="secret stack">
      <p className="secret-warning">
        <strong>{t("secret.once")}</strong> {t("secret.onceHint")}
      </p>
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <div className="secret-row">
          <input
            id={id}
            ref={input}
            readOnly
            value={value}
            className="secret-value"
            spellCheck={false}
            onFocus={(event) => event.currentTarget.select()}
          />
          <button type="button" className="button primary" onClick={() => void copy()}>
            {t("secret.copy")}
          </button>
        </div>
      </div>
      <p role="status" className="muted secret-status">
        {state === "copied" ? t("secret.copied") : state === "selected" ? t("secret.selected") : ""}
      </p>
      <div className="row">
        <button type="button" className="button" onClick={onDone}>
          {t("secret.done")}
        </button>
      </div>
    </div>
  );
}
