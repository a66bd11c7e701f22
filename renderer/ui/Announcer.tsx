import { useAnnounceStore } from '../state/announce-store.ts';

/** The one polite live region that says where the focus moved after a step (issue 15). */
export function Announcer() {
  const message = useAnnounceStore((s) => s.message);
  return (
    <p className="visually-hidden" role="status" aria-live="polite">
      {message}
    </p>
  );
}
