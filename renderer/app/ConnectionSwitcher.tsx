import type { Connection } from '../../common/ipc/contract.ts';
import { useConnectionStore } from '../state/connection-store.ts';
import { useRouteStore } from '../state/route-store.ts';
import { useSearchStore } from '../state/search-store.ts';

/** One button per connection, in its colour, with its Ctrl/Cmd+digit. */
export function ConnectionSwitcher({ connections }: { connections: Connection[] }) {
  const { activeId, scope, setActive } = useConnectionStore();
  const show = useRouteStore((s) => s.show);
  const askSignIn = useRouteStore((s) => s.askSignIn);
  const requestFocus = useSearchStore((s) => s.requestFocus);
  if (connections.length === 0) return null;
  const choose = (c: Connection) => {
    setActive(c.id);
    if (c.state === 'signed_in') {
      show('console');
      requestFocus();
    } else askSignIn(c.id);
  };
  return (
    <nav className="switcher" aria-label="Connections">
      {connections.map((c, i) => {
        const current = scope === 'all' ? c.state === 'signed_in' : c.id === activeId;
        return (
          <button
            key={c.id}
            type="button"
            className={`switch${current ? ' switch-current' : ''}`}
            style={{ borderBottomColor: current ? c.colour : 'transparent' }}
            aria-pressed={current}
            title={i < 9 ? `Ctrl+${i + 1}` : undefined}
            onClick={() => choose(c)}
          >
            <span className="swatch" style={{ backgroundColor: c.colour }} aria-hidden="true" />
            {c.name}
            {c.state !== 'signed_in' && <span className="switch-state"> (signed out)</span>}
          </button>
        );
      })}
    </nav>
  );
}
