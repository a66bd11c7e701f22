import { useEffect, useState } from 'react';
import type { AuditFilters } from '../../../common/ipc/audit-contract.ts';
import { latchkey } from '../../ipc/latchkey.ts';
import { formatClock, formatCount, formatTime, plural } from '../../format/time.ts';
import { useExportAudit, useVerifyAuditChain } from '../../queries/audit.ts';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { Progress } from '../../ui/Progress.tsx';

/** "12.3 MB", "840 kB", "12 bytes". */
function sizeText(bytes: number): string {
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  if (bytes >= 1_000) return `${Math.round(bytes / 1_000)} kB`;
  return plural(bytes, 'byte');
}

/** What main has written so far while an export of `connectionId` runs (null before any). */
function useExportProgress(
  connectionId: string,
  running: boolean,
): { events: number; bytes: number } | null {
  const [progress, setProgress] = useState<{ events: number; bytes: number } | null>(null);
  useEffect(() => {
    setProgress(null);
    if (!running) return undefined;
    return latchkey().onEvent((event) => {
      if (event.type === 'export-progress' && event.connectionId === connectionId)
        setProgress({ events: event.events, bytes: event.bytes });
    });
  }, [connectionId, running]);
  return progress;
}

/** "Export CSV…": the file is chosen in main's save dialog; the result names it and the count. */
function ExportCsv({ filters }: { filters: AuditFilters }) {
  const exporting = useExportAudit();
  const progress = useExportProgress(filters.connectionId, exporting.isPending);
  const result = exporting.data;
  return (
    <div className="audit-tool">
      <button
        type="button"
        disabled={exporting.isPending}
        onClick={() => exporting.mutate(filters)}
      >
        Export CSV…
      </button>
      {exporting.isPending && (
        <Progress
          label={
            progress
              ? `Exporting: ${plural(progress.events, 'event')} (${sizeText(progress.bytes)}) saved so far…`
              : 'Exporting the matching events…'
          }
        />
      )}
      {!exporting.isPending && result?.cancelled === false && (
        <p className="audit-result audit-ok" role="status">
          Saved {plural(result.events, 'event')} to <code>{result.savedTo}</code> (
          {sizeText(result.bytes)}).
        </p>
      )}
      {!exporting.isPending && result?.cancelled === true && (
        <p className="audit-result muted" role="status">
          Export cancelled: nothing was saved.
        </p>
      )}
      {exporting.isError && (
        <ErrorNotice error={exporting.error} onRetry={() => exporting.mutate(filters)} />
      )}
    </div>
  );
}

/**
 * "Check chain": the service walks the whole keyed chain and compares it with its latest
 * checkpoint (R78); says intact or where it breaks.
 */
function CheckChain({ connectionId }: { connectionId: string }) {
  const verifying = useVerifyAuditChain();
  const result = verifying.data;
  return (
    <div className="audit-tool">
      <button
        type="button"
        disabled={verifying.isPending}
        onClick={() => verifying.mutate(connectionId)}
      >
        Check chain
      </button>
      {verifying.isPending && <Progress label="Checking every event of the chain…" />}
      {!verifying.isPending && result?.ok === true && (
        <p className="audit-result audit-ok" role="status">
          ✓ Chain intact
          {result.events !== null
            ? `: ${plural(result.events, 'event')}`
            : ' across every organization; only super-administrators see its length'}
          {result.head ? `, last event #${formatCount(result.head.seq)}` : ''} (checked at{' '}
          {formatClock(result.checkedAt)}).
          {result.checkpoint &&
            ` It matches its checkpoint at event #${formatCount(result.checkpoint.seq)}, noted on ${formatTime(result.checkpoint.at)} outside the database.`}
          {result.checkpoint === null &&
            ' No checkpoint has been noted yet, so newest events deleted would not show.'}
        </p>
      )}
      {!verifying.isPending && result?.ok === false && (
        <div className="notice notice-error audit-result" role="alert">
          <p className="notice-headline">
            Chain broken{result.seq !== null ? ` at event #${result.seq}` : ''}
          </p>
          <p>
            {result.reason} (checked at {formatClock(result.checkedAt)}).
          </p>
        </div>
      )}
      {verifying.isError && (
        <ErrorNotice error={verifying.error} onRetry={() => verifying.mutate(connectionId)} />
      )}
    </div>
  );
}

/** The screen's two tools: export what the filters match, check the chain of the whole log. */
export function AuditTools({ filters }: { filters: AuditFilters }) {
  return (
    <div className="audit-tools" role="group" aria-label="Export and chain check">
      <ExportCsv filters={filters} />
      <CheckChain connectionId={filters.connectionId} />
    </div>
  );
}
