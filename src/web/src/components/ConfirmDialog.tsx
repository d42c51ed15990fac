/** The app's one modal <dialog> asking to confirm a destructive action. Escape or the cancel
 * button (focused first: Enter never destroys by accident) closes it; focus goes back where
 * it was. The action's error (the API's message) shows inside. */
import "./ConfirmDialog.css";
import { useEffect, useId, useRef, type FormEvent, type ReactNode } from "react";

export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  cancelLabel,
  busy = false,
  error = null,
  danger = true,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  cancelLabel: string;
  busy?: boolean;
  error?: string | null;
  danger?: boolean;
  onConfirm: (form: FormData) => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const bodyId = useId();
  const opener = useRef<Element | null>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement;
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
    } else if (!open && dialog.open) {
      if (typeof dialog.close === "function") dialog.close();
      else dialog.removeAttribute("open");
      if (opener.current instanceof HTMLElement && opener.current.isConnected) opener.current.focus();
    }
  }, [open]);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!busy) onConfirm(new FormData(event.currentTarget));
  }

  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onCancel();
      }}
    >
      {open && (
        <form onSubmit={submit} className="stack">
          <h2 id={titleId}>{title}</h2>
          <div id={bodyId}>{children}</div>
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
          <div className="row dialog-actions">
            <button type="button" className="button" onClick={onCancel} disabled={busy} autoFocus>
              {cancelLabel}
            </button>
            <button type="submit" className={danger ? "button danger" : "button primary"} disabled={busy}>
              {confirmLabel}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
