/** A modal <dialog> asking to confirm a destructive action; Escape or "keep" closes it. */
import { useEffect, useId, useRef, type ReactNode } from "react";

interface Props {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  keepLabel: string;
  busy?: boolean;
  error?: string | null;
  onConfirm: () => void;
  onClose: () => void;
}

export function ConfirmDialog({ open, title, children, confirmLabel, keepLabel, busy, error, onConfirm, onClose }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal?.();
    if (!open && dialog.open) dialog.close?.();
  }, [open]);

  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onClose();
      }}
    >
      {open && (
        <div className="stack">
          <h2 id={titleId}>{title}</h2>
          <div id={bodyId}>{children}</div>
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
          <div className="row confirm-actions">
            <button type="button" className="button" onClick={onClose} disabled={busy} autoFocus>
              {keepLabel}
            </button>
            <button type="button" className="button danger" onClick={onConfirm} disabled={busy}>
              {confirmLabel}
            </button>
          </div>
        </div>
      )}
    </dialog>
  );
}
