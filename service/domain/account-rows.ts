import { recordAuditBatch } from './audit.ts';
import type { Insertable } from 'kysely';
import type { Clock } from '../clock.ts';
import type { Db, HolderTable, NewAccount } from '../store/schema.ts';
import { newId } from '../ids.ts';
import { emailKey, usernameKey } from './accounts.ts';
import type { ProductRef } from './account-checks.ts';
import { secretKind, type AccountFields } from './account-input.ts';
import type { Hasher } from './passwords.ts';
import { normalizeAnswer } from './security-questions.ts';

/** The rows of one checked account, ready to insert; secrets are already hashes. */
export interface PreparedAccount {
  row: NewAccount;
  productIds: string[];
  holders: Insertable<HolderTable>[];
  /** Non-secret facts for the audit event (R36: never a password, answer or hash). */
  detail: Record<string, unknown>;
}

export interface AccountSecrets {
  passwordHash: string | null;
  answerHash: string | null;
}

/**
 * Hashes plain secrets (argon2id, slow by design: call it before opening a transaction);
 * an argon2 PHC string of an existing hash is kept as it is.
 */
export async function hashSecrets(
  hasher: Hasher,
  v: Pick<AccountFields, 'password' | 'securityAnswer'>,
): Promise<AccountSecrets> {
  const [passwordHash, answerHash] = await Promise.all([
    hashSecret(hasher, v.password, (password) => password),
    // Answers compare after normalization, so that is what is hashed (R30).
    hashSecret(hasher, v.securityAnswer, normalizeAnswer),
  ]);
  return { passwordHash, answerHash };
}

async function hashSecret(
  hasher: Hasher,
  value: string | undefined,
  normalize: (text: string) => string,
): Promise<string | null> {
  const kind = secretKind(value);
  if (value === undefined || kind === 'none') return null;
  if (kind === 'argon2') return value;
  if (kind === 'foreign-hash')
    throw new Error('A foreign hash reached hashing: check the account first.');
  return hasher.hash(normalize(value));
}

interface RecordSources {
  organizationId: string;
  products: ReadonlyMap<string, ProductRef>;
  secrets: AccountSecrets;
  now: number;
  /** Extra audit detail, e.g. the CSV line the account came from. */
  detail?: Record<string, unknown>;
}

/** Turns checked fields into rows; the caller has checked them with `accountProblems`. */
export function buildAccountRecords(v: AccountFields, sources: RecordSources): PreparedAccount {
  const id = newId();
  const productIds = v.products.map((code) => {
    const product = sources.products.get(code.toLowerCase());
    if (!product) throw new Error(`Unknown product ${code}: check the account first.`);
    return product.id;
  });
  const holders = v.holders.map((h) => ({
    id: newId(),
    account_id: id,
    name: h.name,
    email: h.email,
    phone: h.phone,
    is_owner: h.isOwner ? 1 : 0,
  }));
  return {
    row: accountRow(id, v, sources),
    productIds,
    holders,
    detail: {
      username: v.username,
      products: v.products,
      shared: v.shared,
      holders: holders.length,
      passwordSet: sources.secrets.passwordHash !== null,
      securityQuestionSet: sources.secrets.answerHash !== null,
      mustChangePassword: v.mustChangePassword,
      ...sources.detail,
    },
  };
}

function accountRow(id: string, v: AccountFields, sources: RecordSources): NewAccount {
  return {
    id,
    organization_id: sources.organizationId,
    username: v.username,
    username_key: usernameKey(v.username),
    email: v.email,
    email_key: emailKey(v.email),
    name: v.name,
    phone: v.phone,
    password_hash: sources.secrets.passwordHash,
    must_change_password: v.mustChangePassword ? 1 : 0,
    temp_password_expires_at: null,
    security_question: sources.secrets.answerHash === null ? null : (v.securityQuestion ?? null),
    security_answer_hash: sources.secrets.answerHash,
    failed_count: 0,
    locked_until: null,
    locked_at: null,
    disabled_at: null,
    shared: v.shared ? 1 : 0,
    last_sign_in_at: null,
    password_changed_at: null,
    password_changed_how: null,
    password_changed_by: null,
    version: 1,
    created_at: sources.now,
  };
}

/** How a batch of new accounts is recorded in the audit log. */
export interface CreationAudit {
  type: 'account_created' | 'account_imported';
  /** `system`, or the acting administrator's account id. */
  actor: string;
}

// 26 columns × 500 rows = 13,000 parameters: under PostgreSQL's 65,535 and SQLite's 32,766.
const ACCOUNT_BATCH = 500;
const LINK_BATCH = 2_000;
const HOLDER_BATCH = 1_000;

/** Inserts accounts, their products, holders and one audit event each, in batches. */
export async function insertAccounts(
  trx: Db,
  clock: Clock,
  accounts: PreparedAccount[],
  audit: CreationAudit,
): Promise<void> {
  for (const batch of chunks(accounts, ACCOUNT_BATCH)) {
    await insertAccountRows(trx, batch);
    await auditCreations(trx, clock, batch, audit);
  }
}

/** Inserts accounts with their products and holders (no audit event: see auditCreations). */
export async function insertAccountRows(trx: Db, accounts: PreparedAccount[]): Promise<void> {
  for (const batch of chunks(accounts, ACCOUNT_BATCH)) {
    await trx
      .insertInto('accounts')
      .values(batch.map((a) => a.row))
      .execute();
    const links = batch.flatMap((a) =>
      a.productIds.map((product_id) => ({ account_id: a.row.id, product_id })),
    );
    for (const part of chunks(links, LINK_BATCH)) {
      await trx.insertInto('account_products').values(part).execute();
    }
    for (const part of chunks(
      batch.flatMap((a) => a.holders),
      HOLDER_BATCH,
    )) {
      await trx.insertInto('holders').values(part).execute();
    }
  }
}

/** One audit event for each account inserted, in the order given; in the same transaction. */
export async function auditCreations(
  trx: Db,
  clock: Clock,
  accounts: PreparedAccount[],
  audit: CreationAudit,
): Promise<void> {
  await recordAuditBatch(
    trx,
    clock,
    accounts.map((a) => ({
      type: audit.type,
      accountId: a.row.id,
      organizationId: a.row.organization_id,
      actor: audit.actor,
      detail: a.detail,
    })),
  );
}

/** Splits a list into consecutive slices of at most `size` items. */
export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
