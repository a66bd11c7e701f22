import { UsernameSchema } from '../../../common/api/account-fields.ts';
import { useUsernameCheck } from '../../queries/account-admin.ts';
import { useDebouncedValue } from '../search/use-debounced-value.ts';
import { problemOf } from './fields.tsx';

/**
 * A username checked as it is typed: its shape here at once, then (after a pause) whether
 * another account has it, asked of the service. `unchanged` skips the check (an edit that keeps
 * the username).
 */
export function useUsernameFeedback(
  connectionId: string,
  username: string,
  o: { accountId?: string; unchanged?: boolean } = {},
) {
  const typed = username.trim();
  const shape = typed && !o.unchanged ? problemOf(UsernameSchema, typed) : null;
  const settled = useDebouncedValue(typed, 250);
  const ask = !!settled && !o.unchanged && !shape && settled === typed;
  const check = useUsernameCheck(connectionId, ask ? settled : '', o.accountId);
  const clash = ask ? (check.data?.problem ?? null) : null;
  const free = ask && check.data?.problem === null;
  return {
    problem: shape ?? clash,
    note: free ? `${typed} is available.` : ask && check.isFetching ? 'Checking…' : null,
  };
}
