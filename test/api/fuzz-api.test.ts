import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RouteContract } from '../../common/api/contract.ts';
import { ApiErrorSchema } from '../../common/api/errors.ts';
import { API, type ApiContract } from '../../common/api/routes.ts';
import { etagOf } from '../../common/api/etags.ts';
import { registerClient } from '../../service/oidc/clients.ts';
import { ADMIN_PASSWORD, ApiClient, seedAdmin, signedInClient } from '../support/admin.ts';
import { startApiFixture, type ApiFixture } from '../support/api-fixture.ts';
import {
  adversarialHeader,
  adversarialString,
  describeInput,
  FUZZ_SEED,
  fuzzOptions,
  leakIn,
  mutationsOf,
  poisonsPrototype,
  queryMutationsOf,
  wellFormed,
  type QueryValues,
} from '../support/fuzz.ts';

/** A valid request of one contract, which the properties mutate. */
interface Example {
  params?: Record<string, string>;
  query?: QueryValues;
  body?: object;
  /** The ETag an If-Match must name now (read before each request). */
  etag?: () => Promise<string>;
}

/** One generated request. */
interface Input {
  params: Record<string, string>;
  query: string | undefined;
  body: unknown;
  ifMatch: string | undefined;
  idempotencyKey: string | undefined;
}

/** Fastify's default longest path parameter. */
const MAX_PARAM_LENGTH = 100;
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const SECRET_KEYS = new Set(['password', 'answer', 'totp', 'refreshToken', 'code']);

let fx: ApiFixture;
let api: ApiClient;
/** A helpdesk agent: what it may not do is refused and audited (R67, R75), fuzzed too. */
let desk: ApiClient;
let deskId: string;
let examples: Record<keyof ApiContract, Example>;

async function accountEtag(id: string): Promise<string> {
  const row = await fx.svc.ctx.db
    .selectFrom('accounts')
    .select('version')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return etagOf(row.version);
}

async function policyEtag(organizationId: string): Promise<string> {
  const list = await api.get<{ items: Array<{ id: string; etag: string }> }>(
    '/api/v1/organizations',
  );
  return list.body.items.find((o) => o.id === organizationId)?.etag ?? '';
}

async function productEtag(code: string): Promise<string> {
  const list = await api.get<{ items: Array<{ code: string; etag: string }> }>('/api/v1/products');
  return list.body.items.find((p) => p.code === code)?.etag ?? '';
}

beforeAll(async () => {
  fx = await startApiFixture('Fuzz General', 'Fuzz helpdesk, ext. 4100');
  const { svc, org } = fx;
  await seedAdmin(svc.ctx, { organizationId: org, username: 'fuzz-super', role: 'super_admin' });
  // Signing in, refreshing and signing out are fuzzed with accounts of their own, so the
  // administrator whose token drives everything else is never locked out or signed out.
  await seedAdmin(svc.ctx, { organizationId: org, username: 'fuzz-signin', role: 'helpdesk' });
  deskId = await seedAdmin(svc.ctx, {
    organizationId: org,
    username: 'fuzz-desk',
    role: 'helpdesk',
  });
  api = await signedInClient(svc.url, 'fuzz-super');
  desk = await signedInClient(svc.url, 'fuzz-desk');
  const [rotating, leaving] = await Promise.all([
    signedInClient(svc.url, 'fuzz-signin'),
    signedInClient(svc.url, 'fuzz-signin'),
  ]);
  const target = await fx.person('fuzz-target');
  const shared = await fx.person('fuzz-shared', {
    shared: true,
    holders: [
      { name: 'Ann Holder', email: 'ann.holder@example.org' },
      { name: 'Ben Holder', email: 'ben.holder@example.org' },
    ],
  });
  // Replacing holders changes their ids: that is fuzzed on a shared login of its own.
  const held = await fx.person('fuzz-held', {
    shared: true,
    holders: [{ name: 'Cy Holder', email: 'cy.holder@example.org' }],
  });
  // Identity, products and organization are fuzzed on an account of their own.
  const edited = await fx.person('fuzz-edited');
  const holderIds = await svc.ctx.db
    .selectFrom('holders')
    .select('id')
    .where('account_id', '=', shared.id)
    .execute();
  const verification = await api.post<{ verificationId: string }>(
    `/api/v1/accounts/${target.id}/verifications`,
    { method: 'email_code' },
  );
  // Actions need the caller verified first: the examples carry a verification that matched.
  const verified = await api.post<{ verificationId: string }>(
    `/api/v1/accounts/${target.id}/verifications`,
    { method: 'answer', answer: 'Rex the dog' },
  );
  const reset = await api.post(
    `/api/v1/accounts/${target.id}/actions/send-reset-email`,
    { reason: 'caller forgot it' },
    { 'if-match': await accountEtag(target.id) },
  );
  expect(reset.status, JSON.stringify(reset.body)).toBe(200);
  const mail = await svc.ctx.db
    .selectFrom('outbox')
    .select('id')
    .where('account_id', '=', target.id)
    .executeTakeFirstOrThrow();

  const lab = await registerClient(svc.ctx.db, svc.ctx.clock, {
    product: 'emtrack',
    redirectUris: ['https://emtrack.example.org/callback'],
  });
  if (!lab.ok) throw new Error(JSON.stringify(lab.problems));
  const why = { reason: 'caller asked on the phone', ticket: 'INC-1042' };
  const verifiedWhy = { ...why, verificationId: verified.body.verificationId };
  const onTarget = { id: target.id };
  examples = {
    signIn: { body: { username: 'fuzz-signin', password: ADMIN_PASSWORD, totp: '123456' } },
    refresh: { body: { refreshToken: rotating.refreshToken ?? '' } },
    signOut: { body: { refreshToken: leaving.refreshToken ?? '' } },
    enrolTotp: { body: { username: 'fuzz-signin', password: ADMIN_PASSWORD } },
    confirmTotp: { body: { username: 'fuzz-signin', password: ADMIN_PASSWORD, totp: '123456' } },
    me: {},
    searchAccounts: {
      query: { q: 'fuzz', filter: 'locked,shared', organization: org, limit: '10' },
    },
    getAccount: { params: onTarget },
    startVerification: { params: onTarget, body: { method: 'answer', answer: 'Rex the dog' } },
    checkVerification: {
      params: { ...onTarget, verificationId: verification.body.verificationId },
      body: { code: '123456' },
    },
    act: {
      params: { ...onTarget, action: 'send-reset-email' },
      body: verifiedWhy,
      etag: () => accountEtag(target.id),
    },
    resendMail: {
      params: { ...onTarget, mailId: mail.id },
      body: verifiedWhy,
      etag: () => accountEtag(target.id),
    },
    setHolders: {
      params: { id: held.id },
      body: {
        ...why,
        holders: [
          { name: 'Ann Holder', email: 'ann.holder@example.org', phone: '555-0100', isOwner: true },
        ],
      },
      etag: () => accountEtag(held.id),
    },
    grantRole: {
      body: { accountId: target.id, role: 'helpdesk', organizationId: org, reason: why.reason },
      etag: () => accountEtag(target.id),
    },
    revokeRole: {
      body: { accountId: target.id, role: 'helpdesk', organizationId: org, reason: why.reason },
      etag: () => accountEtag(target.id),
    },
    audit: {
      query: {
        actor: 'fuzz-super',
        account: target.username,
        type: 'admin_action',
        organization: org,
        from: '0',
        to: String(svc.clock.now() + 1),
        limit: '20',
      },
    },
    auditCsv: { query: { type: 'unlock', organization: org, from: '0' } },
    verifyAudit: {},
    organizations: {},
    editPolicy: {
      params: { id: org },
      body: { policy: { adminTotpExempt: true }, ...why },
      etag: () => policyEtag(org),
    },
    products: {},
    addProduct: {
      body: { code: 'fuzz-lab', name: 'Fuzz Lab', url: 'https://lab.example.org/', ...why },
    },
    editProduct: {
      params: { code: 'emtrack' },
      body: { name: 'EMTrack', url: 'https://emtrack.example.org/', displayOrder: 3, ...why },
      etag: () => productEtag('emtrack'),
    },
    productClients: { params: { code: 'emtrack' } },
    addProductClient: {
      params: { code: 'emtrack' },
      body: {
        redirectUris: ['https://emtrack.example.org/callback'],
        backchannelLogoutUri: 'https://emtrack.example.org/logout',
        public: false,
        ...why,
      },
    },
    removeProductClient: { params: { code: 'emtrack', clientId: lab.clientId }, body: why },
    conversionPlan: { params: { id: shared.id } },
    checkUsernames: {
      params: { id: shared.id },
      body: { usernames: Object.fromEntries(holderIds.map((h, i) => [h.id, `holder.${i}`])) },
    },
    convertSharedLogin: {
      params: { id: shared.id },
      body: { ...why, usernames: { [holderIds[0]?.id ?? '']: 'ann.holder' } },
      etag: () => accountEtag(shared.id),
    },
    createAccount: {
      body: {
        username: 'fuzz.new',
        email: 'fuzz.new@example.org',
        name: 'Fuzz New',
        phone: '555-0101',
        organizationId: org,
        products: ['emtrack'],
        ...why,
      },
    },
    checkUsername: { body: { username: 'fuzz.free', accountId: edited.id } },
    editIdentity: {
      params: { id: edited.id },
      body: { name: 'Fuzz Edited', phone: '555-0102', ...why },
      etag: () => accountEtag(edited.id),
    },
    setProducts: {
      params: { id: edited.id },
      body: { products: ['emtrack', 'emresource'], ...why },
      etag: () => accountEtag(edited.id),
    },
    moveAccount: {
      params: { id: edited.id },
      body: { organizationId: org, ...why },
      etag: () => accountEtag(edited.id),
    },
    // The import routes take CSV, not JSON: fuzzed without a body (the reason header is missing).
    previewImport: {},
    applyImport: {},
  };
});
afterAll(async () => fx?.close());

/** A path segment the router takes (longer ones are the framework's: see the tests below). */
const pathParam = adversarialString.filter(
  (s) => encodeURIComponent(wellFormed(s)).length <= MAX_PARAM_LENGTH,
);

/** A request of the contract: its example with one part changed, or left as is. */
function inputs(example: Example): fc.Arbitrary<Input> {
  const params = example.params ?? {};
  return fc.record({
    params: fc.record(
      Object.fromEntries(
        Object.entries(params).map(([key, value]) => [
          key,
          fc.oneof({ weight: 3, arbitrary: fc.constant(value) }, pathParam),
        ]),
      ),
    ),
    query: example.query ? queryMutationsOf(example.query) : fc.constant(undefined),
    body: example.body
      ? mutationsOf(example.body).filter((b) => !poisonsPrototype(b))
      : fc.constant(undefined),
    ifMatch: fc.oneof({ weight: 3, arbitrary: fc.constant('current') }, adversarialHeader),
    idempotencyKey: fc.option(adversarialHeader, { freq: 3 }),
  }) as fc.Arbitrary<Input>;
}

async function send(contract: RouteContract, example: Example, input: Input, as: ApiClient = api) {
  const path = contract.path.replace(/:(\w+)/g, (_m, name: string) =>
    encodeURIComponent(wellFormed(input.params[name] ?? '')),
  );
  const headers: Record<string, string> = { authorization: `Bearer ${as.token ?? ''}` };
  if (input.body !== undefined) headers['content-type'] = 'application/json';
  if (contract.ifMatch && input.ifMatch !== undefined)
    headers['if-match'] =
      input.ifMatch === 'current' && example.etag ? await example.etag() : input.ifMatch;
  if (input.idempotencyKey !== undefined) headers['idempotency-key'] = input.idempotencyKey;
  const url = new URL(path + (input.query ? `?${input.query}` : ''), fx.svc.url);
  const response = await fetch(url, {
    method: contract.method,
    headers,
    body: input.body === undefined ? undefined : JSON.stringify(input.body),
  });
  return { status: response.status, text: await response.text() };
}

/** The top-level names a contract's schemas know. */
function keysOf(schema: z.ZodType | undefined): string[] {
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  if (schema instanceof z.ZodDiscriminatedUnion)
    return (schema.options as z.ZodType[]).flatMap(keysOf);
  return [];
}

const keysSent = (value: unknown): string[] =>
  value && typeof value === 'object' ? Object.keys(value) : [];

/** Secret values sent (passwords, answers, codes, tokens), which no answer may repeat. */
function secretsIn(value: unknown): string[] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) =>
    SECRET_KEYS.has(key) && typeof v === 'string' && v.trim().length >= 6 ? [v] : secretsIn(v),
  );
}

/** Contracts whose body's `code` is a name, not a secret: a product's code is answered back (issue 14). */
const CODE_IS_NAME = new Set<RouteContract>([API.addProduct]);

function expectSound(
  contract: RouteContract,
  input: Input,
  response: { status: number; text: string },
) {
  const where = `${contract.method} ${contract.path} (seed ${FUZZ_SEED}) sent ${describeInput(input)} → ${response.status} ${response.text.slice(0, 300)}`;
  expect(response.status, where).toBeLessThan(500);
  expect(leakIn(response.text), where).toBeUndefined();
  const sent =
    CODE_IS_NAME.has(contract) && input.body && typeof input.body === 'object'
      ? { ...input.body, code: undefined }
      : input.body;
  for (const secret of secretsIn(sent))
    expect(response.text.includes(JSON.stringify(secret).slice(1, -1)), where).toBe(false);
  if (response.status < 400) return;
  const body = ApiErrorSchema.safeParse(JSON.parse(response.text));
  expect(body.success, where).toBe(true);
  const error = body.data?.error;
  if (error?.code !== 'validation_failed' || response.status === 413) return;
  // The field names the offending path: a name the contract knows, a key that was sent, or
  // the whole of the body, query or path when that is what is wrong.
  const field = error.field ?? '';
  const known = [
    ...keysOf(contract.params),
    ...keysOf(contract.query),
    ...keysOf(contract.body),
    ...keysOf(contract.headers),
    ...keysSent(input.body),
    ...(input.query ? [...new URLSearchParams(input.query).keys()] : []),
    'body',
    'query',
    'path',
  ];
  // (A key may itself hold a dot, so the field is matched by prefix, not split.)
  expect(
    known.some((name) => field === name || field.startsWith(`${name}.`)),
    where,
  ).toBe(true);
}

describe('R68, R77, R80: every admin API contract, fuzzed over HTTP, answers 4xx naming the field and never 5xx', () => {
  for (const [name, contract] of Object.entries(API) as Array<[keyof ApiContract, RouteContract]>) {
    it(`R68: ${contract.method} ${contract.path} (${name}), seed ${FUZZ_SEED}, ${RUNS} runs`, async () => {
      const example = examples[name];
      await fc.assert(
        fc.asyncProperty(inputs(example), async (input) => {
          expectSound(contract, input, await send(contract, example, input));
        }),
        fuzzOptions(RUNS),
      );
    });
  }

  const refusedToHelpdesk: Array<keyof ApiContract> = [
    'act',
    'setHolders',
    'grantRole',
    'revokeRole',
    'audit',
    'auditCsv',
    'verifyAudit',
    'editPolicy',
    'convertSharedLogin',
    'addProduct',
    'editProduct',
    'productClients',
    'addProductClient',
    'removeProductClient',
    'createAccount',
    'checkUsername',
    'editIdentity',
    'setProducts',
    'moveAccount',
    'previewImport',
    'applyImport',
  ];
  it.each(refusedToHelpdesk)(
    `R67, R75: %s as a helpdesk agent, refused and audited whatever is sent, seed ${FUZZ_SEED}`,
    async (name) => {
      const contract: RouteContract = API[name];
      const example = examples[name];
      await fc.assert(
        fc.asyncProperty(inputs(example), async (input) => {
          expectSound(contract, input, await send(contract, example, input, desk));
        }),
        fuzzOptions(Math.ceil(RUNS / 2)),
      );
      // The agent has one organization: every refusal of it is filed there (R75).
      const refusals = await fx.svc.ctx.db
        .selectFrom('audit_events')
        .select('organization_id')
        .where('type', '=', 'authz_fail')
        .where('actor', '=', deskId)
        .execute();
      expect(refusals.every((r) => r.organization_id === fx.org)).toBe(true);
    },
  );

  it('the administrators driving the fuzzing are still signed in afterwards (the runs reached the handlers)', async () => {
    expect((await api.get('/api/v1/me')).status).toBe(200);
    expect((await desk.get('/api/v1/me')).status).toBe(200);
    const refused = await fx.svc.ctx.db
      .selectFrom('audit_events')
      .select('id')
      .where('type', '=', 'authz_fail')
      .where('actor', '=', deskId)
      .execute();
    expect(refused.length).toBeGreaterThan(0);
  });
});

/** A request no property above sends: the framework refuses it before any schema sees it. */
async function raw(method: string, path: string, body?: string, type = 'application/json') {
  const response = await fetch(new URL(path, fx.svc.url), {
    method,
    headers: {
      authorization: `Bearer ${api.token ?? ''}`,
      ...(body !== undefined ? { 'content-type': type } : {}),
    },
    body,
  });
  return { status: response.status, text: await response.text() };
}

function expectRefusedInOurWords(
  what: string,
  response: { status: number; text: string },
  echo: string,
  field?: string,
) {
  const where = `${what} → ${response.status} ${response.text.slice(0, 300)}`;
  expect(response.status, where).toBeGreaterThanOrEqual(400);
  expect(response.status, where).toBeLessThan(500);
  expect(leakIn(response.text), where).toBeUndefined();
  // The request's own path or body is never quoted back (it can hold a token: R72).
  expect(response.text.includes(echo), `${where}: quotes the request`).toBe(false);
  const body = ApiErrorSchema.safeParse(JSON.parse(response.text));
  expect(body.success, `${where}: the API's error body`).toBe(true);
  if (field) expect(body.data?.error.field, `${where}: names the field`).toBe(field);
}

describe('R72, R80: what the framework refuses is answered in the API’s own words', () => {
  const withBody = Object.values(API as Record<string, RouteContract>).filter((c) => c.body);
  const bodies: Array<[string, string]> = [
    ['malformed JSON', '{"reason": "half a body'],
    ['a __proto__ key', '{"__proto__": {"isAdmin": true}, "reason": "prototype pollution"}'],
    ['constructor.prototype', '{"constructor": {"prototype": {"isAdmin": true}}}'],
    ['an empty JSON body', ''],
  ];

  it.each(bodies)(
    'R68: %s, sent to every operation that takes a body: 400 naming the body',
    async (_what, text) => {
      for (const contract of withBody) {
        const path = contract.path.replace(/:(\w+)/g, 'x');
        const response = await raw(contract.method, path, text);
        expectRefusedInOurWords(
          `${contract.method} ${contract.path} ${text}`,
          response,
          text || '\u0000',
          'body',
        );
      }
    },
  );

  it('R68: a body of another media type is refused naming the body', async () => {
    const response = await raw(
      'POST',
      '/api/v1/auth/sign-in',
      'username=a&password=b',
      'text/plain',
    );
    expectRefusedInOurWords('text/plain sign-in', response, 'username=a', 'body');
  });

  it('R72: a path segment longer than the router takes, or a malformed %-escape, is refused without quoting the path', async () => {
    const long = `tok${'x'.repeat(150)}`;
    expectRefusedInOurWords('long id', await raw('GET', `/api/v1/accounts/${long}`), long);
    expectRefusedInOurWords(
      'bad escape',
      await raw('GET', '/api/v1/accounts/%zzsecret'),
      'zzsecret',
    );
    expectRefusedInOurWords(
      'overlong UTF-8',
      await raw('GET', '/api/v1/accounts/%C0%80secret'),
      'secret',
    );
  });

  it('R72: a query string over the request line’s limit is refused in the API’s words', async () => {
    const query = `q=${'é'.repeat(12_000)}`;
    expectRefusedInOurWords('16 KB query', await raw('GET', `/api/v1/accounts?${query}`), 'éééé');
  });
});
