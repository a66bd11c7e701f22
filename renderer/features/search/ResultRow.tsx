import { memo } from 'react';
import type { Connection } from '../../../common/ipc/contract.ts';
import type { ResultRow as Row } from '../../queries/accounts.ts';
import { ConnectionBadge } from '../../ui/ConnectionBadge.tsx';
import { highlight } from './highlight.tsx';

export const ROW_HEIGHT = 64;

interface Props {
  row: Row;
  index: number;
  setSize: number;
  active: boolean;
  q: string;
  /** Shown when the search spans several connections. */
  connection: Connection | undefined;
  onOpen(index: number): void;
}

/** The flags of an account as short badges. */
function Badges({ row }: { row: Row }) {
  return (
    <span className="badges">
      {row.locked && <span className="badge badge-danger">Locked</span>}
      {row.disabled && <span className="badge badge-muted">Disabled</span>}
      {row.shared && <span className="badge badge-info">Shared</span>}
      {row.mustChangePassword && <span className="badge badge-warn">Must change</span>}
      {!row.hasSecurityQuestion && <span className="badge badge-warn">No question</span>}
    </span>
  );
}

/** One result: positioned absolutely inside the virtual list. */
export const ResultRow = memo(function ResultRow({
  row,
  index,
  setSize,
  active,
  q,
  connection,
  onOpen,
}: Props) {
  return (
    <div
      id={`result-${index}`}
      role="option"
      aria-selected={active}
      aria-posinset={index + 1}
      aria-setsize={setSize}
      className={`result${active ? ' result-active' : ''}`}
      style={{ transform: `translateY(${index * ROW_HEIGHT}px)` }}
      onMouseDown={(event) => event.preventDefault()}
      onClick={() => onOpen(index)}
    >
      <span className="result-line">
        <strong className="result-username">{highlight(row.username, q)}</strong>
        <span className="result-name">{highlight(row.name, q)}</span>
        <Badges row={row} />
      </span>
      <span className="result-line result-secondary">
        {connection && <ConnectionBadge connection={connection} size="small" />}
        <span>{highlight(row.email, q)}</span>
        {row.phone && <span>{highlight(row.phone, q)}</span>}
        <span>{highlight(row.organization.name, q)}</span>
      </span>
    </div>
  );
});
