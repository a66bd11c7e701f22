import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
  type InfiniteData,
  type Query,
  type QueryClient,
} from '@tanstack/react-query';
import type { AccountSummary, SearchFilter } from '../../common/api/account-search.ts';
import type { AccountView } from '../../common/api/account-view.ts';
import type { IpcInput, IpcOutput } from '../../common/ipc/contract.ts';
import { searchAnswered, searchSent } from '../perf/search-timing.ts';
import { IpcFailure, latchkey, unwrap } from '../ipc/latchkey.ts';
import { verificationRefused, verificationUsedBy } from '../state/verification-store.ts';
import { networkFailureWords } from '../../common/ipc/network-failure.ts';
import { failureReasonWords } from '../ipc/failure-words.ts';

/** The first page: a screenful and then some, so the first answer is small and quick. */
export const SEARCH_FIRST_PAGE = 50;
/** Later pages, asked for as the agent scrolls near the end of what is loaded. */
export const SEARCH_PAGE = 200;

export interface SearchParams {
  connectionIds: string[];
  q: string;
  filter: SearchFilter[];
}

/** Query keys of the accounts domain. */
export const accountKeys = {
  all: ['accounts'] as const,
  searches: ['accounts', 'search'] as const,
  search: (p: SearchParams) => ['accounts', 'search', p] as const,
  view: (connectionId: string, accountId: string) =>
    ['accounts', 'view', connectionId, accountId] as const,
  conversion: (connectionId: string, accountId: string) =>
    ['accounts', 'conversion', connectionId, accountId] as const,
};

/** One result row: the account's summary on one connection. */
export interface ResultRow extends AccountSummary {
  connectionId: string;
  /** Unique across connections. */
  key: string;
}

export interface SearchPage {
  rows: ResultRow[];
  /** Where each connection continues; absent when it has no more. */
  cursors: Record<string, string>;
  totals: Record<string, { total: number; capped: boolean }>;
  errors: Array<{ connectionId: string; error: string }>;
  /** "Did you mean …?": usernames the connections suggest for a miss, at most 3, no repeats. */
  suggestions: string[];
}

type Cursors = Record<string, string> | null;
type SearchAnswer = IpcOutput<'searchAccounts'>;

function toPage(answers: SearchAnswer[], order: string[]): SearchPage {
  const page: SearchPage = { rows: [], cursors: {}, totals: {}, errors: [], suggestions: [] };
  for (const { connectionId, result, error, network, reason } of answers.flat()) {
    if (error !== null || result === null) {
      const words = network
        ? networkFailureWords(network)
        : reason
          ? failureReasonWords(reason)
          : error;
      page.errors.push({ connectionId, error: words ?? 'No answer' });
      continue;
    }
    for (const item of result.items)
      page.rows.push({ ...item, connectionId, key: `${connectionId}/${item.id}` });
    page.totals[connectionId] = { total: result.total, capped: result.totalCapped };
    if (result.nextCursor) page.cursors[connectionId] = result.nextCursor;
    for (const name of result.suggestions ?? []) {
      if (page.suggestions.length < 3 && !page.suggestions.includes(name)) {
        page.suggestions.push(name);
      }
    }
  }
  const rank = (r: ResultRow) => order.indexOf(r.connectionId);
  // Across connections: best match first, then username, then the connection's place in the list.
  page.rows.sort(
    (a, b) =>
      a.matchTier - b.matchTier ||
      (a.username < b.username ? -1 : a.username > b.username ? 1 : rank(a) - rank(b)),
  );
  return page;
}

async function searchPage(p: SearchParams, cursors: Cursors): Promise<SearchPage> {
  const api = latchkey();
  const base = { q: p.q, filter: p.filter, limit: SEARCH_PAGE };
  if (cursors === null) {
    const first = { ...base, limit: SEARCH_FIRST_PAGE, connectionIds: p.connectionIds };
    const answer = await unwrap(api.searchAccounts(first));
    return toPage([answer], p.connectionIds);
  }
  const answers = await Promise.all(
    Object.entries(cursors).map(([id, cursor]) =>
      unwrap(api.searchAccounts({ ...base, connectionIds: [id], cursor })),
    ),
  );
  return toPage(answers, p.connectionIds);
}

/** Search across the given connections, page by page; the previous results stay while typing. */
export function useAccountSearch(p: SearchParams, enabled: boolean) {
  return useInfiniteQuery({
    queryKey: accountKeys.search(p),
    queryFn: async ({ pageParam, queryKey }) => {
      if (pageParam !== null) return searchPage(p, pageParam);
      searchSent(queryKey);
      const page = await searchPage(p, pageParam);
      searchAnswered(queryKey);
      return page;
    },
    initialPageParam: null as Cursors,
    getNextPageParam: (last) => (Object.keys(last.cursors).length ? last.cursors : undefined),
    placeholderData: keepPreviousData,
    enabled,
    staleTime: 30_000,
    // Issue 15: badges as the accounts are now when the agent comes back to the console.
    refetchOnWindowFocus: 'always',
  });
}

const isSearch = (q: Query) => q.queryKey[0] === 'accounts' && q.queryKey[1] === 'search';

/** True when a cached search shows this account of this connection. */
function searchShows(q: Query, connectionId: string, accountId: string): boolean {
  const data = q.state.data as InfiniteData<SearchPage> | undefined;
  return !!data?.pages.some((page) =>
    page.rows.some((r) => r.connectionId === connectionId && r.id === accountId),
  );
}

/** An action changed one account: its view, and the searches that list it (STYLE §5: precisely). */
export function invalidateAccount(qc: QueryClient, connectionId: string, accountId: string) {
  void qc.invalidateQueries({ queryKey: accountKeys.view(connectionId, accountId) });
  void qc.invalidateQueries({
    predicate: (q) => isSearch(q) && searchShows(q, connectionId, accountId),
  });
}

/** True when a cached query holds data of this connection. */
function touches(q: Query, connectionId: string): boolean {
  const [domain, kind, arg] = q.queryKey;
  // Organizations and their policies (queries/organizations.ts) belong to the connection too.
  if (domain === 'organizations') return kind === connectionId;
  // Audit events (queries/audit.ts): ['audit', 'events', connectionId, filters].
  if (domain === 'audit') return arg === connectionId;
  if (domain !== 'accounts') return false;
  if (kind === 'view' || kind === 'conversion') return arg === connectionId;
  return (arg as SearchParams | undefined)?.connectionIds.includes(connectionId) ?? false;
}

/** Forgets everything cached from one connection (signed out, or its session expired). */
export function clearConnection(qc: QueryClient, connectionId: string): void {
  qc.removeQueries({ predicate: (q) => touches(q, connectionId) });
}

/**
 * An action on an account; a success uses up the caller's verification it carried, a 412 puts
 * the account as it is now into the cache.
 */
export function useAct() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: IpcInput<'act'>) => unwrap(latchkey().act(input)),
    // The answer may hold a temporary password: never keep it after the dialog is gone.
    gcTime: 0,
    onSuccess: (result, input) => {
      verificationUsedBy(input, result);
      invalidateAccount(qc, input.connectionId, input.accountId);
    },
    onError: (error, input) => {
      verificationRefused(input, error);
      storeCurrent(qc, error, input);
    },
  });
}

/** Queues a failed email again. */
export function useResendMail() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: IpcInput<'resendMail'>) => unwrap(latchkey().resendMail(input)),
    onSuccess: (_result, input) => invalidateAccount(qc, input.connectionId, input.accountId),
    onError: (error, input) => storeCurrent(qc, error, input),
  });
}

export function storeCurrent(
  qc: QueryClient,
  error: unknown,
  input: { connectionId: string; accountId: string },
): void {
  if (error instanceof IpcFailure && error.code === 'precondition_failed' && error.current) {
    qc.setQueryData<AccountView>(
      accountKeys.view(input.connectionId, input.accountId),
      error.current,
    );
  }
}

/** Replaces the holders of a shared login; a 412 puts the account as it is now into the cache. */
export function useSetHolders() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: IpcInput<'setHolders'>) => unwrap(latchkey().setHolders(input)),
    onSuccess: (result, input) => {
      verificationUsedBy(input, result);
      invalidateAccount(qc, input.connectionId, input.accountId);
    },
    onError: (error, input) => {
      verificationRefused(input, error);
      storeCurrent(qc, error, input);
    },
  });
}

/** What converting a shared login would do: holders, suggested usernames, what each receives. */
export function useConversionPlan(connectionId: string, accountId: string) {
  return useQuery({
    queryKey: accountKeys.conversion(connectionId, accountId),
    queryFn: () => unwrap(latchkey().conversionPlan({ connectionId, accountId })),
    // Suggestions must be free now, not when the dialog was last opened.
    staleTime: 0,
    gcTime: 0,
  });
}

/** Checks chosen usernames; changes nothing. */
export function useCheckUsernames() {
  return useMutation({
    mutationFn: (input: IpcInput<'checkUsernames'>) => unwrap(latchkey().checkUsernames(input)),
  });
}

/** Converts a shared login; the new accounts appear in searches, so those are refreshed too. */
export function useConvertSharedLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: IpcInput<'convertSharedLogin'>) =>
      unwrap(latchkey().convertSharedLogin(input)),
    onSuccess: (result, input) => {
      verificationUsedBy(input, result);
      invalidateAccount(qc, input.connectionId, input.accountId);
      void qc.invalidateQueries({ queryKey: accountKeys.searches });
    },
    onError: (error, input) => {
      verificationRefused(input, error);
      storeCurrent(qc, error, input);
    },
  });
}

/** Grants or revokes a role; the account's view shows its roles. */
export function useRoleChange() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ change, ...input }: IpcInput<'grantRole'> & { change: 'grant' | 'revoke' }) =>
      unwrap(change === 'grant' ? latchkey().grantRole(input) : latchkey().revokeRole(input)),
    onSuccess: (_result, input) => invalidateAccount(qc, input.connectionId, input.accountId),
    onError: (error, input) => storeCurrent(qc, error, input),
  });
}
