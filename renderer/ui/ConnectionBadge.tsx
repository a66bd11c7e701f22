import type { Connection } from '../../common/ipc/contract.ts';

/** A connection's colour and name, shown on every screen so nobody acts on the wrong system (SPEC §3). */
export function ConnectionBadge({
  connection,
  size = 'normal',
}: {
  connection: Pick<Connection, 'name' | 'colour'>;
  size?: 'normal' | 'small';
}) {
  return (
    <span className={`connection-badge connection-badge-${size}`}>
      <span className="swatch" style={{ backgroundColor: connection.colour }} aria-hidden="true" />
      <span className="connection-name">{connection.name}</span>
    </span>
  );
}
