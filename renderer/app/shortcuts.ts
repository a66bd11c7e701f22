import { useEffect } from 'react';
import type { Connection } from '../../common/ipc/contract.ts';
import { useConnectionStore } from '../state/connection-store.ts';
import { useDialogStore } from '../state/dialog-store.ts';
import { useRouteStore } from '../state/route-store.ts';
import { useSearchStore } from '../state/search-store.ts';
import { useSelectionStore } from '../state/selection-store.ts';
import { useVerificationStore } from '../state/verification-store.ts';

/**
 * "End call" (SPEC §3), for aria-keyshortcuts. Not Alt+E: Option+E is a dead key on macOS and
 * Alt/Option+E types a letter on some layouts (Polish ę), so it would fire while an answer is typed.
 */
export const END_CALL_KEYS = 'Control+Shift+E Meta+Shift+E';

/** The digit of Ctrl/Cmd+digit, by physical key so it works on every keyboard layout. */
function digitOf(event: KeyboardEvent): number | null {
  const match = /^(?:Digit|Numpad)([1-9])$/.exec(event.code);
  return match ? Number(match[1]) : null;
}

/** Ctrl/Cmd+1..9: that connection (its sign-in when it is signed out). */
function switchConnection(connections: Connection[], digit: number): void {
  const target = connections[digit - 1];
  if (!target) return;
  useConnectionStore.getState().setActive(target.id);
  if (target.state === 'signed_in') useRouteStore.getState().show('console');
  else useRouteStore.getState().askSignIn(target.id);
  useSearchStore.getState().requestFocus();
}

/** Ctrl/Cmd+Shift+A: one search across every signed-in connection, or back to the active one. */
function toggleAll(): void {
  const store = useConnectionStore.getState();
  store.setScope(store.scope === 'all' ? 'active' : 'all');
  useRouteStore.getState().show('console');
  useSearchStore.getState().requestFocus();
}

/** Ctrl/Cmd+Shift+E: the call on the open account ends; its caller is no longer verified. */
function endCall(): void {
  const open = useSelectionStore.getState().open;
  if (open) useVerificationStore.getState().endCall(open.connectionId, open.accountId);
}

/**
 * The console's keyboard: Ctrl/Cmd+K focuses search, Ctrl/Cmd+1..9 switches connection,
 * Ctrl/Cmd+Shift+A searches all of them (not Ctrl/Cmd+0: the menu's Reset Zoom has it),
 * Ctrl/Cmd+Shift+E ends the call (the verify panel's "End call"), Escape
 * in the account pane goes back to the search box. Dialogs handle their own Escape (native
 * `<dialog>`); nothing here acts behind one.
 */
export function useGlobalShortcuts(connections: Connection[], enabled: boolean): void {
  useEffect(() => {
    if (!enabled) return undefined;
    const onKeyDown = (event: KeyboardEvent) => {
      if (useDialogStore.getState().dialog !== null) return;
      const mod = (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey;
      const modShift = (event.ctrlKey || event.metaKey) && !event.altKey && event.shiftKey;
      const digit = mod ? digitOf(event) : null;
      if (modShift && event.code === 'KeyA') {
        event.preventDefault();
        toggleAll();
      } else if (modShift && event.code === 'KeyE') {
        event.preventDefault();
        endCall();
      } else if (mod && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        useRouteStore.getState().show('console');
        useSearchStore.getState().requestFocus();
      } else if (digit !== null && digit > 0) {
        event.preventDefault();
        switchConnection(connections, digit);
      } else if (event.key === 'Escape' && document.activeElement?.closest('.account-pane')) {
        event.preventDefault();
        useSearchStore.getState().requestFocus();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [connections, enabled]);
}
