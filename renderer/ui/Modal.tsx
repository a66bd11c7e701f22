import { useEffect, useId, useRef, type ReactNode } from 'react';

interface ModalProps {
  title: ReactNode;
  /** Called on Escape and on the close button, unless `busy`. */
  onClose: () => void;
  /** While a call runs the dialog stays open: its answer (a temporary password) must be seen. */
  busy?: boolean;
  children: ReactNode;
  /** A strip of the connection's colour across the top. */
  accent?: string;
}

/**
 * A modal on the native `<dialog>`: the browser traps focus and inerts the page; Escape closes
 * it; focus returns to whatever opened it.
 */
export function Modal({ title, onClose, busy = false, children, accent }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      dialog?.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className="modal"
      aria-labelledby={titleId}
      aria-busy={busy || undefined}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onClose();
      }}
    >
      {accent && (
        <div className="modal-accent" style={{ backgroundColor: accent }} aria-hidden="true" />
      )}
      <div className="modal-head">
        <h2 id={titleId}>{title}</h2>
        <button
          type="button"
          className="icon-button"
          aria-label="Close"
          disabled={busy}
          onClick={onClose}
        >
          ×
        </button>
      </div>
      <div className="modal-body">{children}</div>
    </dialog>
  );
}
