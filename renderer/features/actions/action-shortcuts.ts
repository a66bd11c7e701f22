import { useEffect, type RefObject } from 'react';
import { useDialogStore } from '../../state/dialog-store.ts';

/** Edit holders' letter; the actions' letters are in the catalog. */
export const HOLDERS_KEY = 'O';

/** `aria-keyshortcuts` for an action's Alt+letter. */
export const altKeys = (letter: string) => `Alt+${letter}`;

/**
 * Alt+letter, matched by physical key (event.code) so it is the same on every layout. Not F, E,
 * V, W, H: Alt+those open the menu bar's menus on Windows and Linux (main/menu.ts). Never while a
 * text field has the focus: Alt/Option+letter types a character there on some layouts (macOS,
 * Polish), so a shortcut must not fire as an answer or a reason is typed.
 */
function letterOf(event: KeyboardEvent): string | null {
  if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || event.repeat)
    return null;
  const target = event.target;
  if (target instanceof HTMLElement && target.closest('input, textarea, select, [contenteditable]'))
    return null;
  const match = /^Key([A-Z])$/.exec(event.code);
  return match?.[1] ?? null;
}

/**
 * The action bar's Alt+letter shortcuts: the button whose aria-keyshortcuts names the letter
 * takes the focus (so a dialog returns to it) and is pressed. Nothing fires behind a dialog.
 */
export function useActionShortcuts(bar: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const letter = letterOf(event);
      if (!letter || useDialogStore.getState().dialog !== null) return;
      const button = bar.current?.querySelector<HTMLButtonElement>(
        `button[aria-keyshortcuts="${altKeys(letter)}"]:not(:disabled)`,
      );
      if (!button) return;
      event.preventDefault();
      button.focus();
      button.click();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [bar]);
}
