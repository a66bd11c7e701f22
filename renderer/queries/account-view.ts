import {
  queryOptions,
  useQuery,
  useQueryClient,
  type InfiniteData,
  type QueryClient,
} from '@tanstack/react-query';
import { useEffect } from 'react';
import type { AccountSummary } from '../../common/api/account-search.ts';
import type { AccountView } from '../../common/api/account-view.ts';
import { latchkey, unwrap } from '../ipc/latchkey.ts';
import { accountKeys, type ResultRow, type SearchPage, type SearchParams } from './accounts.ts';

/**
 * How often the open account is asked for again while the window is visible (issue 15: a change
 * made elsewhere shows within 2 s). Polling pauses while the window is hidden.
 */
export const ACCOUNT_POLL_MS = 1_000;

/** The §3 account view with its version, as every reader of it asks for it. */
export const accountViewQuery = (connectionId: string, accountId: string) =>
  queryOptions({
    queryKey: accountKeys.view(connectionId, accountId),
    queryFn: (): Promise<AccountView> => unwrap(latchkey().getAccount({ connectionId, accountId })),
  });

/**
 * The open account, never stale: fetched when opened, when the window regains focus, and every
 * ACCOUNT_POLL_MS while visible. Structural sharing keeps the same objects when nothing changed,
 * so an unchanged answer re-renders nothing. The searches that list it follow its badges.
 */
export function useAccountView(connectionId: string, accountId: string, enabled = true) {
  const qc = useQueryClient();
  const query = useQuery({
    ...accountViewQuery(connectionId, accountId),
    enabled,
    staleTime: 0,
    refetchOnMount: 'always',
    refetchOnWindowFocus: 'always',
    refetchInterval: ACCOUNT_POLL_MS,
    refetchIntervalInBackground: false,
  });
  const view = query.data;
  useEffect(() => {
    if (view) followInSearches(qc, connectionId, view);
  }, [qc, connectionId, view]);
  return query;
}

type Badges = Pick<
  AccountSummary,
  'locked' | 'disabled' | 'shared' | 'mustChangePassword' | 'hasSecurityQuestion'
>;

const badgesOf = (v: AccountView): Badges => ({
  locked: v.status.locked,
  disabled: v.status.disabled,
  shared: v.shared,
  mustChangePassword: v.status.mustChangePassword,
  hasSecurityQuestion: v.securityQuestion !== null,
});

const badgeKeys: Array<keyof Badges> = [
  'locked',
  'disabled',
  'shared',
  'mustChangePassword',
  'hasSecurityQuestion',
];
const differs = (row: ResultRow, badges: Badges) => badgeKeys.some((k) => row[k] !== badges[k]);

/**
 * The cached searches that list this account take its badges as the view has them now; only
 * the changed row is replaced (its neighbours keep their identity, so nothing else re-renders).
 * A filtered search may no longer match it, so that one is asked for again as well.
 */
export function followInSearches(qc: QueryClient, connectionId: string, view: AccountView): void {
  const badges = badgesOf(view);
  const stale = (r: ResultRow) =>
    r.connectionId === connectionId && r.id === view.id && differs(r, badges);
  for (const q of qc.getQueryCache().findAll({ queryKey: accountKeys.searches })) {
    const data = q.state.data as InfiniteData<SearchPage> | undefined;
    if (!data?.pages.some((p) => p.rows.some(stale))) continue;
    qc.setQueryData<InfiniteData<SearchPage>>(q.queryKey, {
      ...data,
      pages: data.pages.map((p) =>
        p.rows.some(stale)
          ? { ...p, rows: p.rows.map((r) => (stale(r) ? { ...r, ...badges } : r)) }
          : p,
      ),
    });
    const params = q.queryKey[2] as SearchParams | undefined;
    if (params && params.filter.length > 0)
      void qc.invalidateQueries({ queryKey: q.queryKey, exact: true });
  }
}
