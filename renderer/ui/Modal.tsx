import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from 'react';
import { focusAndAnnounce } from '../state/announce-store.ts';

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

/** Ctrl/Cmd+Enter, for the confirming button's aria-keyshortcuts. */
export const CONFIRM_KEYS = 'Control+Enter Meta+Enter';

const FIRST_FIELD =
  'input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled])';

/** Issue 15: a dialog opens on its first field (else its first button), never on ×. */
function focusFirstField(body: HTMLElement | null): void {
  if (!body || body.querySelector('[autofocus]')) return;
  const target =
    body.querySelector<HTMLElement>(FIRST_FIELD) ??
    body.querySelector<HTMLElement>('button:not([disabled])');
  target?.focus();
}

/** Back to the opener, or to the account's heading when the opener is gone (issue 15). */
function restoreFocus(opener: HTMLElement | null): void {
  // Focusing a control makes a screen reader say its name; the live region says why it moved.
  if (focusAndAnnounce(opener, 'Dialog closed.')) return;
  const heading = document.getElementById('account-heading');
  if (focusAndAnnounce(heading, 'Dialog closed; back on the account.')) return;
  focusAndAnnounce(document.querySelector<HTMLElement>('main input'), 'Dialog closed.');
}

/** Ctrl/Cmd+Enter presses the dialog's confirming (primary) button from any field in it. */
function confirmOnModEnter(event: KeyboardEvent<HTMLDialogElement>): void {
  if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey)) return;
  const buttons = event.currentTarget.querySelectorAll<HTMLButtonElement>(
    '.modal-body button.primary:not(:disabled)',
  );
  const primary = buttons[buttons.length - 1];
  if (!primary) return;
  event.preventDefault();
  primary.click();
}

/**
 * A modal on the native `<dialog>`: the browser traps focus and inerts the page; Escape closes
 * it; focus starts on the first field and returns to whatever opened it.
 */
export function Modal({ title, onClose, busy = false, children, accent }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const bodyRef = useRef<HTMLDivElement>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog && !dialog.open) dialog.showModal();
    focusFirstField(bodyRef.current);
    return () => {
      dialog?.close();
      restoreFocus(opener);
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className="modal"
      aria-labelledby={titleId}
      aria-busy={busy || undefined}
      onKeyDown={confirmOnModEnter}
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
      <div className="modal-body" ref={bodyRef}>
        {children}
      </div>
    </dialog>
  );
}
