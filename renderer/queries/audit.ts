import { keepPreviousData, useInfiniteQuery, useMutation } from '@tanstack/react-query';
import type { AuditFilters } from '../../common/ipc/audit-contract.ts';
import { latchkey, unwrap } from '../ipc/latchkey.ts';

/** Events per page: a few screenfuls, so scrolling asks for more well before the end. */
export const AUDIT_PAGE = 200;

/** Query keys of the audit domain. */
export const auditKeys = {
  all: ['audit'] as const,
  events: (filters: AuditFilters) => ['audit', 'events', filters.connectionId, filters] as const,
};

/**
 * The events matching the filters, newest first, page by page as the list scrolls. Audit data is
 * kept only while the screen shows it (gcTime 0): signing out or leaving the screen drops it.
 */
export function useAuditEvents(filters: AuditFilters) {
  return useInfiniteQuery({
    queryKey: auditKeys.events(filters),
    queryFn: ({ pageParam }) =>
      unwrap(
        latchkey().queryAudit({
          ...filters,
          limit: AUDIT_PAGE,
          ...(pageParam ? { cursor: pageParam } : {}),
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    gcTime: 0,
    staleTime: 30_000,
  });
}

/** Exports the matching events to a file main asks the user for; the CSV stays in main. */
export function useExportAudit() {
  return useMutation({
    mutationFn: (filters: AuditFilters) => unwrap(latchkey().exportAuditCsv(filters)),
  });
}

/** Checks the hash chain of the connection's whole audit log (R78). */
export function useVerifyAuditChain() {
  return useMutation({
    mutationFn: (connectionId: string) => unwrap(latchkey().verifyAuditChain({ connectionId })),
  });
}
