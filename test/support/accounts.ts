import type { ServiceContext } from '../../service/context.ts';
import { emailKey, usernameKey } from '../../service/domain/accounts.ts';
import { defaultPolicy, type OrganizationPolicy } from '../../service/domain/policy.ts';
import { normalizeAnswer } from '../../service/domain/security-questions.ts';
import { newId } from '../../service/ids.ts';

export const QUESTION = 'What was the name of your first pet?';

const PRODUCTS = [
  { code: 'emresource', name: 'EMResource', url: 'https://emresource.example.org/' },
  { code: 'eics', name: 'eICS', url: 'https://eics.example.org/' },
  { code: 'emtrack', name: 'EMTrack', url: 'https://emtrack.example.org/' },
];

/** An organization with the given policy changes; answers its id. */
export async function seedOrganization(
  ctx: ServiceContext,
  name: string,
  policy: Partial<OrganizationPolicy> = {},
): Promise<string> {
  const id = newId();
  await ctx.db
    .insertInto('organizations')
    .values({
      id,
      name,
      policy: JSON.stringify({ ...defaultPolicy(), ...policy }),
      created_at: ctx.clock.now(),
    })
    .execute();
  for (const [index, p] of PRODUCTS.entries()) {
    await ctx.db
      .insertInto('products')
      .values({ id: p.code, ...p, display_order: index + 1 })
      .onConflict((oc) => oc.column('code').doNothing())
      .execute();
  }
  return id;
}

export interface SeedAccount {
  organizationId: string;
  username: string;
  email?: string;
  password?: string | null;
  answer?: string | null;
  mustChange?: boolean;
  shared?: boolean;
  holders?: Array<{ name: string; email: string; isOwner?: boolean }>;
  products?: string[];
}

/** An account as an administrator or an import would leave it; answers its id. */
export async function seedAccount(ctx: ServiceContext, a: SeedAccount): Promise<string> {
  const id = newId();
  const email = a.email ?? `${a.username}@example.org`;
  const password = a.password === undefined ? 'tulip orbit saddle lantern' : a.password;
  const answer = a.answer === undefined ? 'Rex the dog' : a.answer;
  await ctx.db
    .insertInto('accounts')
    .values({
      id,
      organization_id: a.organizationId,
      username: a.username,
      username_key: usernameKey(a.username),
      email,
      email_key: emailKey(email),
      name: a.username,
      phone: '',
      password_hash: password === null ? null : await ctx.hasher.hash(password),
      must_change_password: a.mustChange ? 1 : 0,
      temp_password_expires_at: null,
      security_question: answer === null ? null : QUESTION,
      security_answer_hash: answer === null ? null : await ctx.hasher.hash(normalizeAnswer(answer)),
      failed_count: 0,
      locked_until: null,
      locked_at: null,
      disabled_at: null,
      shared: a.shared ? 1 : 0,
      last_sign_in_at: null,
      password_changed_at: null,
      password_changed_how: null,
      password_changed_by: null,
      version: 1,
      created_at: ctx.clock.now(),
    })
    .execute();
  for (const code of a.products ?? PRODUCTS.map((p) => p.code)) {
    await ctx.db
      .insertInto('account_products')
      .values({ account_id: id, product_id: code })
      .execute();
  }
  for (const h of a.holders ?? []) {
    await ctx.db
      .insertInto('holders')
      .values({
        id: newId(),
        account_id: id,
        name: h.name,
        email: h.email,
        phone: '',
        is_owner: h.isOwner ? 1 : 0,
      })
      .execute();
  }
  return id;
}
