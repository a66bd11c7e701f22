import type { ClientMetadata } from 'oidc-provider';
import type { Clock } from '../clock.ts';
import type { Db } from '../store/schema.ts';
import { hashToken, newToken, safeEqual } from '../ids.ts';
import { randomBytes } from 'node:crypto';
import { recordAudit } from '../domain/audit.ts';

/** What registering a product's client takes (the CLI's options; the admin API's body later). */
export interface ClientRegistration {
  /** The product's code, e.g. `emresource`. */
  product: string;
  redirectUris: string[];
  /** Where RP-initiated logout may send the browser back to; none: Latchkey's signed-out page. */
  postLogoutRedirectUris?: string[];
  backchannelLogoutUri?: string | undefined;
  /** A public client (a browser or native app) has no secret and proves itself with PKCE alone. */
  public?: boolean;
}

/** The fields of a registration, as its problems name them. */
export type ClientField =
  'product' | 'redirectUris' | 'postLogoutRedirectUris' | 'backchannelLogoutUri';

export interface ClientProblem {
  field: ClientField;
  message: string;
}

/** Who registers or removes a client, from where, and why: what the audit event records. */
export interface ClientActor {
  /** The administrator's account id, or `system` for the command line. */
  actor: string;
  ip: string | null;
  reason?: string;
  ticket?: string | undefined;
}

const SYSTEM: ClientActor = { actor: 'system', ip: null };

/** The audit event's who, where and why, each only when there is one. */
const audited = (by: ClientActor) => ({
  actor: by.actor,
  ip: by.ip,
  why: {
    ...(by.reason !== undefined ? { reason: by.reason } : {}),
    ...(by.ticket ? { ticket: by.ticket } : {}),
  },
});

export type RegisterResult =
  { ok: true; clientId: string; clientSecret?: string } | { ok: false; problems: ClientProblem[] };

export interface RegisteredClient {
  clientId: string;
  productId: string;
  productCode: string;
  productName: string;
  public: boolean;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri: string | null;
  createdAt: number;
  /** SHA-256 of the secret (never the secret); null for a public client. */
  secretHash: string | null;
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Why `value` cannot be a registered address, or null: it must be absolute, https (http only on
 * the loopback, for development), without a fragment or credentials (RFC 6749 §3.1.2).
 */
export function addressProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not an absolute URL such as https://emresource.example.org/callback.`;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname)))
    return `"${value}" must use https (http is accepted only on 127.0.0.1, [::1] or localhost).`;
  if (url.hash || value.includes('#')) return `"${value}" must not have a fragment (#…).`;
  if (url.username || url.password) return `"${value}" must not carry a user name or password.`;
  return null;
}

async function productProblem(db: Db, code: string): Promise<ClientProblem | string> {
  const products = await db.selectFrom('products').select(['id', 'code']).execute();
  const found = products.find((p) => p.code.toLowerCase() === code.trim().toLowerCase());
  if (found) return found.id;
  const known = products.map((p) => p.code).sort();
  const how =
    'Create products with "npm run service -- import FILE.csv --create-products" (or "npm run service -- demo"), or on the console\'s Products screen.';
  return {
    field: 'product',
    message: known.length
      ? `No product has the code "${code}". Products: ${known.join(', ')}. ${how}`
      : `There are no products yet, so "${code}" is unknown. ${how}`,
  };
}

function registrationProblems(input: ClientRegistration): ClientProblem[] {
  const problems: ClientProblem[] = [];
  if (input.redirectUris.length === 0)
    problems.push({ field: 'redirectUris', message: 'Give at least one redirect URI.' });
  for (const uri of input.redirectUris) {
    const problem = addressProblem(uri);
    if (problem) problems.push({ field: 'redirectUris', message: problem });
  }
  for (const uri of input.postLogoutRedirectUris ?? []) {
    const problem = addressProblem(uri);
    if (problem) problems.push({ field: 'postLogoutRedirectUris', message: problem });
  }
  if (input.backchannelLogoutUri !== undefined) {
    const problem = addressProblem(input.backchannelLogoutUri);
    if (problem) problems.push({ field: 'backchannelLogoutUri', message: problem });
  }
  return problems;
}

/**
 * Registers a product's OpenID Connect client. A confidential client's secret (256 random bits)
 * is answered once and only its SHA-256 is stored; a public client gets none.
 */
export async function registerClient(
  db: Db,
  clock: Clock,
  input: ClientRegistration,
  by: ClientActor = SYSTEM,
): Promise<RegisterResult> {
  const problems = registrationProblems(input);
  const product = await productProblem(db, input.product);
  if (typeof product !== 'string') problems.unshift(product);
  if (problems.length > 0 || typeof product !== 'string') return { ok: false, problems };
  const code = input.product.trim().toLowerCase();
  const clientId = `${code}-${randomBytes(12).toString('base64url')}`;
  const secret = input.public ? undefined : newToken();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('oidc_clients')
      .values({
        client_id: clientId,
        product_id: product,
        secret_hash: secret ? hashToken(secret) : null,
        redirect_uris: JSON.stringify(input.redirectUris),
        post_logout_redirect_uris: JSON.stringify(input.postLogoutRedirectUris ?? []),
        backchannel_logout_uri: input.backchannelLogoutUri ?? null,
        created_at: clock.now(),
      })
      .execute();
    const { actor, ip, why } = audited(by);
    await recordAudit(trx, clock, {
      type: 'oidc_client_registered',
      actor,
      ip,
      detail: { clientId, product: code, public: secret === undefined, ...why },
    });
  });
  return secret ? { ok: true, clientId, clientSecret: secret } : { ok: true, clientId };
}

const clientQuery = (db: Db) =>
  db
    .selectFrom('oidc_clients')
    .innerJoin('products', 'products.id', 'oidc_clients.product_id')
    .selectAll('oidc_clients')
    .select(['products.code as product_code', 'products.name as product_name']);

type ClientRow = Awaited<ReturnType<ReturnType<typeof clientQuery>['executeTakeFirstOrThrow']>>;

const parseUris = (text: string): string[] => JSON.parse(text) as string[];

function toClient(row: ClientRow): RegisteredClient {
  return {
    clientId: row.client_id,
    productId: row.product_id,
    productCode: row.product_code,
    productName: row.product_name,
    public: row.secret_hash === null,
    redirectUris: parseUris(row.redirect_uris),
    postLogoutRedirectUris: parseUris(row.post_logout_redirect_uris),
    backchannelLogoutUri: row.backchannel_logout_uri,
    createdAt: row.created_at,
    secretHash: row.secret_hash,
  };
}

/** The registered client with this id, or undefined. */
export async function findClient(db: Db, clientId: string): Promise<RegisteredClient | undefined> {
  if (clientId.length > 200) return undefined;
  const row = await clientQuery(db)
    .where('oidc_clients.client_id', '=', clientId)
    .executeTakeFirst();
  return row ? toClient(row) : undefined;
}

/** Every registered client, by product code then registration time. */
export async function listClients(db: Db): Promise<RegisteredClient[]> {
  const rows = await clientQuery(db).orderBy('oidc_clients.created_at').execute();
  return rows.map(toClient).sort((a, b) => a.productCode.localeCompare(b.productCode));
}

/**
 * Removes a client: its pending back-channel deliveries go with it, and the provider refuses its
 * codes and tokens from then on (it no longer finds the client). Answers false when none existed.
 */
export async function removeClient(
  db: Db,
  clock: Clock,
  clientId: string,
  by: ClientActor = SYSTEM,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .deleteFrom('oidc_clients')
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) return false;
    const { actor, ip, why } = audited(by);
    await recordAudit(trx, clock, {
      type: 'oidc_client_removed',
      actor,
      ip,
      detail: { clientId, ...why },
    });
    return true;
  });
}

/**
 * The client as oidc-provider reads it. `client_secret` holds the secret's SHA-256, never the
 * secret: the provider compares presented secrets through `secretMatches` (provider.ts), and no
 * HMAC algorithm is enabled, so the field is never used as a key.
 */
export function clientMetadata(client: RegisteredClient): ClientMetadata {
  return {
    client_id: client.clientId,
    client_name: client.productName,
    application_type: 'web',
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    response_types: ['code'],
    grant_types: ['authorization_code', 'refresh_token'],
    ...(client.secretHash
      ? { client_secret: client.secretHash, token_endpoint_auth_method: 'client_secret_basic' }
      : { token_endpoint_auth_method: 'none' }),
    ...(client.backchannelLogoutUri
      ? {
          backchannel_logout_uri: client.backchannelLogoutUri,
          backchannel_logout_session_required: true,
        }
      : {}),
  };
}

/** Whether a presented client secret is the one whose SHA-256 is stored, in constant time (R58). */
export function secretMatches(storedHash: string, presented: string): boolean {
  return safeEqual(storedHash, hashToken(presented));
}

/** Where a product's people go to start over: the origin of its first registered redirect URI. */
export function productHome(client: RegisteredClient): string {
  const first = client.redirectUris[0];
  return first ? `${new URL(first).origin}/` : '/';
}
