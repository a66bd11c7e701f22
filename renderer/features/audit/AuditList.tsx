import { memo, type KeyboardEvent } from 'react';
import type { AuditEvent } from '../../../common/api/audit.ts';
import { formatTime } from '../../format/time.ts';
import { useVirtualRows } from '../../ui/use-virtual-rows.ts';
import { auditTypeWords } from '../account/audit-words.ts';
import { actorText, subjectText } from './audit-event-words.ts';

export const AUDIT_ROW_HEIGHT = 44;
/** Rows rendered beyond the viewport, so fast scrolling shows no gaps. */
const OVERSCAN = 8;
/** Ask for the next page when the rows in view come this close to the end of those loaded. */
const PREFETCH_ROWS = 60;
const STEPS: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10 };

export const rowId = (index: number) => `audit-event-${index}`;

interface Props {
  events: AuditEvent[];
  /** True while a page is on its way (aria-busy). */
  busy: boolean;
  activeIndex: number;
  /** Changes when the filters change: the list scrolls back to the top. */
  resetKey: string;
  onMove(index: number): void;
  onOpen(index: number): void;
  onNearEnd(): void;
}

/** One event: time, what happened, who, to whom; positioned inside the virtual list. */
const AuditRow = memo(function AuditRow(p: {
  event: AuditEvent;
  index: number;
  setSize: number;
  active: boolean;
  onOpen(index: number): void;
}) {
  const { event } = p;
  const action = typeof event.detail.action === 'string' ? ` · ${event.detail.action}` : '';
  return (
    <div
      id={rowId(p.index)}
      role="option"
      aria-selected={p.active}
      aria-posinset={p.index + 1}
      aria-setsize={p.setSize}
      className={`audit-row${p.active ? ' audit-row-active' : ''}`}
      style={{ transform: `translateY(${p.index * AUDIT_ROW_HEIGHT}px)` }}
      onClick={() => p.onOpen(p.index)}
    >
      <span className="audit-cell audit-seq">#{event.seq}</span>
      <span className="audit-cell audit-time">{formatTime(event.at)}</span>
      <span className="audit-cell audit-type">
        {auditTypeWords(event.type)}
        {action}
      </span>
      <span className="audit-cell">by {actorText(event)}</span>
      <span className="audit-cell">{subjectText(event)}</span>
    </div>
  );
});

/**
 * The events as a listbox that renders only the rows in view (tens of thousands stay smooth).
 * The list itself holds the focus and points at the active row with aria-activedescendant:
 * arrows and Page Up/Down move, Home/End jump, Enter opens the event's detail.
 */
export function AuditList({
  events,
  busy,
  activeIndex,
  resetKey,
  onMove,
  onOpen,
  onNearEnd,
}: Props) {
  const count = events.length;
  const { ref, indices, onScroll } = useVirtualRows({
    count,
    rowHeight: AUDIT_ROW_HEIGHT,
    activeIndex,
    resetKey,
    overscan: OVERSCAN,
    prefetchRows: PREFETCH_ROWS,
    onNearEnd,
  });

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (count === 0) return;
    const delta = STEPS[event.key];
    let next: number | undefined;
    if (delta !== undefined) next = Math.max(0, Math.min(count - 1, activeIndex + delta));
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = count - 1;
    else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onOpen(activeIndex);
      return;
    }
    if (next === undefined) return;
    event.preventDefault();
    onMove(next);
  };

  return (
    <div
      ref={ref}
      className="audit-list"
      role="listbox"
      aria-label="Audit events"
      aria-describedby="audit-status"
      aria-busy={busy}
      aria-activedescendant={count > 0 ? rowId(activeIndex) : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
      onScroll={onScroll}
    >
      <div
        role="presentation"
        className="audit-spacer"
        style={{ height: count * AUDIT_ROW_HEIGHT }}
      >
        {indices.map((i) => {
          const event = events[i];
          if (!event) return null;
          return (
            <AuditRow
              key={event.id}
              event={event}
              index={i}
              setSize={count}
              active={i === activeIndex}
              onOpen={onOpen}
            />
          );
        })}
      </div>
    </div>
  );
}
