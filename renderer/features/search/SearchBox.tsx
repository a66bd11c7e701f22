import { useEffect, useRef, type KeyboardEvent } from 'react';
import { useSearchStore } from '../../state/search-store.ts';

const STEPS: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10 };

interface Props {
  resultsId: string;
  count: number;
  activeIndex: number;
  onMove(index: number): void;
  onOpen(index: number): void;
  /** A search that found nothing: the first "did you mean", taken by Enter. */
  suggestion: string | undefined;
}

/**
 * The one search box (a combobox over the results): focused on start and by Ctrl/Cmd+K; arrow
 * keys and Page Up/Down move through the results, Enter opens one (or, when nothing matched,
 * searches for the first suggestion), Escape clears.
 */
export function SearchBox({ resultsId, count, activeIndex, onMove, onOpen, suggestion }: Props) {
  const text = useSearchStore((s) => s.text);
  const setText = useSearchStore((s) => s.setText);
  const focusRequest = useSearchStore((s) => s.focusRequest);
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => ref.current?.focus(), [focusRequest]);

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    const delta = STEPS[event.key];
    if (delta !== undefined && count > 0) {
      event.preventDefault();
      onMove(Math.max(0, Math.min(count - 1, activeIndex + delta)));
    } else if (event.key === 'Enter' && count > 0) {
      event.preventDefault();
      onOpen(activeIndex);
    } else if (event.key === 'Enter' && suggestion !== undefined) {
      event.preventDefault();
      setText(suggestion);
    } else if (event.key === 'Escape' && text !== '') {
      event.preventDefault();
      setText('');
    }
  };

  return (
    <>
      <label htmlFor="search-input" className="field-label">
        Search accounts{' '}
        <span>
          <kbd>Ctrl</kbd>+<kbd>K</kbd>
        </span>
      </label>
      <input
        ref={ref}
        id="search-input"
        type="search"
        role="combobox"
        autoComplete="off"
        spellCheck={false}
        aria-autocomplete="list"
        aria-controls={resultsId}
        aria-expanded={count > 0}
        aria-activedescendant={count > 0 ? `result-${activeIndex}` : undefined}
        aria-describedby="search-status"
        placeholder="Username, email, name, phone or organization"
        value={text}
        autoFocus
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
    </>
  );
}
