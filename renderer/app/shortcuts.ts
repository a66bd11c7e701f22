import { useEffect } from 'react';
import type { Connection } from '../../common/ipc/contract.ts';
import { useConnectionStore } from '../state/connection-store.ts';
import { useDialogStore } from '../state/dialog-store.ts';
import { useRouteStore } from '../state/route-store.ts';
import { useSearchStore } from '../state/search-store.ts';

/** The digit of Ctrl/Cmd+digit, by physical key so it works on every keyboard layout. */
function digitOf(event: KeyboardEvent): number | null {
  const match = /^(?:Digit|Numpad)([0-9])$/.exec(event.code);
  return match ? Number(match[1]) : null;
}

/** Ctrl/Cmd+1..9: that connection (its sign-in when it is signed out); Ctrl/Cmd+0: all of them. */
function switchConnection(connections: Connection[], digit: number): void {
  const route = useRouteStore.getState();
  const store = useConnectionStore.getState();
  if (digit === 0) {
    store.setScope('all');
    route.show('console');
  } else {
    const target = connections[digit - 1];
    if (!target) return;
    store.setActive(target.id);
    if (target.state === 'signed_in') route.show('console');
    else route.askSignIn(target.id);
  }
  useSearchStore.getState().requestFocus();
}

/**
 * The console's keyboard: Ctrl/Cmd+K focuses search, Ctrl/Cmd+1..9 switches connection,
 * Ctrl/Cmd+0 searches all of them, Escape in the account pane goes back to the search box.
 * Dialogs handle their own Escape (native `<dialog>`); nothing here acts behind one.
 */
export function useGlobalShortcuts(connections: Connection[], enabled: boolean): void {
  useEffect(() => {
    if (!enabled) return undefined;
    const onKeyDown = (event: KeyboardEvent) => {
      if (useDialogStore.getState().dialog !== null) return;
      const mod = (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey;
      const digit = mod ? digitOf(event) : null;
      if (mod && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        useRouteStore.getState().show('console');
        useSearchStore.getState().requestFocus();
      } else if (digit !== null) {
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
