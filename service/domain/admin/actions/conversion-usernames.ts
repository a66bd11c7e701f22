import type { UsernameCheck, UsernameChoice } from '../../../../common/api/shared-login-routes.ts';
import type { Db, Holder } from '../../../store/schema.ts';
import { USERNAME_RULE } from '../../account-input.ts';
import { USERNAME_PATTERN, usernameKey } from '../../accounts.ts';

const stemOf = (email: string): string =>
  (email.split('@')[0] ?? 'user')
    .toLowerCase()
    .replace(/[^a-z0-9._-]/g, '')
    .replace(/^[._-]+/, '')
    .slice(0, 40) || 'user';

async function taken(db: Db, username: string): Promise<boolean> {
  const row = await db
    .selectFrom('accounts')
    .select('id')
    .where('username_key', '=', usernameKey(username))
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * A free username for each holder from their address (`maria.lopez`, else `maria.lopez2`, …),
 * never one another holder of the same login is offered.
 */
export async function suggestUsernames(db: Db, holders: Holder[]): Promise<Map<string, string>> {
  const chosen = new Map<string, string>();
  const used = new Set<string>();
  for (const holder of holders) {
    const base = stemOf(holder.email);
    for (let n = 1; ; n += 1) {
      const candidate = n === 1 ? base : `${base}${n}`;
      const key = usernameKey(candidate);
      if (candidate.length < 2 || used.has(key) || (await taken(db, candidate))) continue;
      used.add(key);
      chosen.set(holder.id, candidate);
      break;
    }
  }
  return chosen;
}

/**
 * What is wrong with each holder's username: its shape, a clash with an existing account, or
 * the same name chosen for two holders (compared as the service compares usernames).
 */
export async function checkUsernames(
  db: Db,
  holders: Holder[],
  chosen: Map<string, string>,
): Promise<UsernameCheck['items']> {
  const keys = new Map<string, number>();
  for (const username of chosen.values()) {
    const key = usernameKey(username);
    keys.set(key, (keys.get(key) ?? 0) + 1);
  }
  const items: UsernameCheck['items'] = [];
  for (const holder of holders) {
    const username = chosen.get(holder.id) ?? '';
    items.push({ holderId: holder.id, username, problem: await problemOf(db, username, keys) });
  }
  return items;
}

async function problemOf(
  db: Db,
  username: string,
  keys: Map<string, number>,
): Promise<string | null> {
  if (username === '') return 'Choose a username.';
  if (!USERNAME_PATTERN.test(username)) return USERNAME_RULE;
  if (await taken(db, username)) return `“${username}” is taken by another account.`;
  if ((keys.get(usernameKey(username)) ?? 0) > 1)
    return `“${username}” is chosen for two holders: each needs their own.`;
  return null;
}

/**
 * The usernames a conversion will use: the administrator's choice where given, the suggestion
 * elsewhere. A holder id that is not a holder of this login is refused, naming the field.
 */
export async function resolveUsernames(
  db: Db,
  holders: Holder[],
  requested: UsernameChoice | undefined,
): Promise<{ chosen: Map<string, string>; unknown: string | undefined }> {
  const chosen = await suggestUsernames(db, holders);
  const ids = new Set(holders.map((h) => h.id));
  const unknown = Object.keys(requested ?? {}).find((id) => !ids.has(id));
  for (const [id, username] of Object.entries(requested ?? {})) chosen.set(id, username);
  return { chosen, unknown };
}
