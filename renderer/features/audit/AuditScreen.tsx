import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Connection } from '../../../common/ipc/contract.ts';
import { errorField } from '../../ipc/error-words.ts';
import { formatCount } from '../../format/time.ts';
import { useAuditEvents } from '../../queries/audit.ts';
import { ConnectionBadge } from '../../ui/ConnectionBadge.tsx';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import './audit.css';
import { AuditDetail } from './AuditDetail.tsx';
import { AuditFilterForm } from './AuditFilterForm.tsx';
import { useAuditFilterStore } from './audit-filter-store.ts';
import { AuditList } from './AuditList.tsx';
import { AuditTools } from './AuditTools.tsx';

/** "1,200 events loaded; more load as you scroll", "All 340 matching events", "No event matches". */
function statusText(count: number, more: boolean, pending: boolean, fetching: boolean): string {
  if (pending) return 'Loading events…';
  if (count === 0) return 'No event matches these filters.';
  const text = more
    ? `${formatCount(count)} events loaded, newest first; more load as you scroll.`
    : `All ${formatCount(count)} matching event${count === 1 ? '' : 's'}, newest first.`;
  return fetching ? `${text} Updating…` : text;
}

/** The Audit screen of one connection: filter, scroll, open an event, export, check the chain. */
export function AuditScreen({ connection }: { connection: Connection }) {
  const applied = useAuditFilterStore((s) => s.applied);
  const apply = useAuditFilterStore((s) => s.apply);
  const filters = useMemo(
    () => ({ ...applied, connectionId: connection.id }),
    [applied, connection.id],
  );
  const query = useAuditEvents(filters);
  const events = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  const resetKey = JSON.stringify(filters);
  const [activeIndex, setActiveIndex] = useState(0);
  const [openId, setOpenId] = useState<string | null>(null);
  const listRef = useRef<HTMLDivElement>(null);
  useEffect(() => setActiveIndex(0), [resetKey]);

  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  const more = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);
  const open = useCallback(
    (index: number) => {
      setActiveIndex(index);
      setOpenId(events[index]?.id ?? null);
    },
    [events],
  );
  const opened = openId ? events.find((e) => e.id === openId) : undefined;
  const closeDetail = () => {
    setOpenId(null);
    listRef.current?.querySelector<HTMLElement>('[role="listbox"]')?.focus();
  };

  return (
    <section className="audit-screen" aria-labelledby="audit-title">
      <h2 id="audit-title">
        Audit · <ConnectionBadge connection={connection} size="small" />
      </h2>
      <AuditTools filters={filters} />
      <AuditFilterForm
        connection={connection}
        applied={applied}
        invalidField={query.isError ? errorField(query.error) : undefined}
        onApply={(next) => {
          setOpenId(null);
          apply(next);
        }}
      />
      <p id="audit-status" className="search-status" role="status">
        {statusText(events.length, !!hasNextPage, query.isPending, query.isFetching)}
      </p>
      {query.isError && <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />}
      <div className={`audit-body${opened ? ' audit-body-open' : ''}`} ref={listRef}>
        <AuditList
          events={events}
          busy={query.isFetching}
          activeIndex={activeIndex}
          resetKey={resetKey}
          onMove={setActiveIndex}
          onOpen={open}
          onNearEnd={more}
        />
        {opened && <AuditDetail event={opened} onClose={closeDetail} />}
      </div>
    </section>
  );
}
