import { useEffect, useRef } from 'react';

interface Props {
  /** The policy's fields a colleague changed meanwhile, in words. */
  changed: string[];
  pending: boolean;
  onApply(): void;
  onDiscard(): void;
}

/**
 * A colleague saved the policy first (412): the agent must choose before anything is saved.
 * The notice scrolls into view and takes the focus when it appears, because the Save that
 * caused it may be far below it on a long form (issue 15).
 */
export function PolicyConflict({ changed, pending, onApply, onDiscard }: Props) {
  const notice = useRef<HTMLDivElement>(null);
  const apply = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    // Centred, not 'nearest': aligned to the window's edge, fractional layout can leave a sliver
    // of it out of view.
    notice.current?.scrollIntoView({ block: 'center' });
    apply.current?.focus({ preventScroll: true });
  }, []);
  return (
    <div ref={notice} className="notice notice-warn policy-conflict" role="alert">
      <p className="notice-headline">The policy changed since you opened it</p>
      <p>Nothing was saved. Changed meanwhile: {changed.join(', ') || 'nothing you can see'}.</p>
      <div className="buttons">
        <button ref={apply} type="button" className="primary" onClick={onApply} disabled={pending}>
          Apply my edits to the new version
        </button>
        <button type="button" onClick={onDiscard} disabled={pending}>
          Discard my edits
        </button>
      </div>
    </div>
  );
}
