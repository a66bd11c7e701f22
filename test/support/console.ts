import { expect } from 'vitest';
import type { AccountView } from '../../common/api/account-view.ts';
import type { ActionName, ActionResult, VerificationResult } from '../../common/api/actions.ts';
import type { ApiError } from '../../common/api/errors.ts';
import type { AuditType } from '../../service/domain/audit.ts';
import { ApiClient, type ApiResponse } from './admin.ts';
import type { TestService } from './service.ts';
import { WebClient } from './service.ts';
import { linksIn, type CaughtMail, type SmtpCatcher } from './smtp.ts';

/** The answer `seedAccount` gives every account, and its password. */
export const SEEDED_ANSWER = 'Rex the dog';
export const SEEDED_PASSWORD = 'tulip orbit saddle lantern';
export const REASON = 'Caller locked out, identity checked on the phone';

/** What must never leave the service in an API response (R36): a PHC hash, or the seeded answer. */
const NEVER_ANSWERED = [/\$argon2/i, new RegExp(SEEDED_ANSWER, 'i')];

/**
 * The admin API client the console would be: every response it reads is checked for answer and
 * password hashes first, so each test in these files doubles as an R36 canary.
 */
export class ConsoleClient extends ApiClient {
  /** How many responses were checked (a test can prove the check ran). */
  checked = 0;

  override async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const response = await super.request<T>(method, path, body, headers);
    const text = JSON.stringify(response.body ?? null);
    for (const pattern of NEVER_ANSWERED) {
      if (pattern.test(text))
        throw new Error(`R36: ${method} ${path} answered ${pattern}: ${text.slice(0, 300)}`);
    }
    this.checked += 1;
    return response;
  }
}

export async function signedIn(svc: TestService, username: string): Promise<ConsoleClient> {
  const client = new ConsoleClient(svc.url);
  await client.signIn(username);
  return client;
}

export type Answer<T> = ApiResponse<T & Partial<ApiError> & { current?: AccountView }>;

/** GET the account view; answers it with its ETag. */
export async function openAccount(
  api: ApiClient,
  id: string,
): Promise<{ view: AccountView; etag: string }> {
  const response = await api.get<AccountView>(`/api/v1/accounts/${id}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return { view: response.body, etag: response.headers.get('etag') ?? '' };
}

export interface ActOptions {
  /** The If-Match to send; undefined: the current ETag (read first); null: no header. */
  etag?: string | null;
  key?: string;
  verificationId?: string;
  reason?: string;
  ticket?: string;
  /**
   * The calling holder of reset-shared-login; undefined: the login's first holder (read first);
   * null: none sent.
   */
  holderId?: string | null;
  extra?: Record<string, unknown>;
}

async function ifMatchHeaders(api: ApiClient, id: string, o: ActOptions) {
  const etag = o.etag === undefined ? (await openAccount(api, id)).etag : o.etag;
  return {
    ...(etag === null ? {} : { 'if-match': etag }),
    ...(o.key ? { 'idempotency-key': o.key } : {}),
  };
}

function actionBody(o: ActOptions) {
  return {
    reason: o.reason ?? REASON,
    ...(o.ticket ? { ticket: o.ticket } : {}),
    ...(o.verificationId ? { verificationId: o.verificationId } : {}),
    ...o.extra,
  };
}

/** POST /api/v1/accounts/:id/actions/:action. */
export async function act(
  api: ApiClient,
  id: string,
  action: ActionName,
  o: ActOptions = {},
): Promise<Answer<ActionResult>> {
  const headers = await ifMatchHeaders(api, id, o);
  const holderId =
    o.holderId === undefined && action === 'reset-shared-login'
      ? await firstHolder(api, id)
      : o.holderId;
  const body = { ...actionBody(o), ...(holderId ? { holderId } : {}) };
  return api.post(`/api/v1/accounts/${id}/actions/${action}`, body, headers);
}

/** The first holder's id, when the account can be read (else none: the request is refused anyway). */
async function firstHolder(api: ApiClient, id: string): Promise<string | undefined> {
  const response = await api.get<AccountView>(`/api/v1/accounts/${id}`);
  return response.status === 200 ? response.body.holders[0]?.id : undefined;
}

/** PUT /api/v1/accounts/:id/holders. */
export async function putHolders(
  api: ApiClient,
  id: string,
  holders: Array<{ name: string; email: string; phone?: string; isOwner?: boolean }>,
  o: ActOptions = {},
): Promise<Answer<ActionResult>> {
  const headers = await ifMatchHeaders(api, id, o);
  return api.request(
    'PUT',
    `/api/v1/accounts/${id}/holders`,
    { ...actionBody(o), holders },
    headers,
  );
}

/** POST /api/v1/accounts/:id/emails/:mailId/resend. */
export async function resend(
  api: ApiClient,
  id: string,
  mailId: string,
  o: ActOptions = {},
): Promise<Answer<ActionResult>> {
  const headers = await ifMatchHeaders(api, id, o);
  return api.post(`/api/v1/accounts/${id}/emails/${mailId}/resend`, actionBody(o), headers);
}

/** Checks a spoken answer; answers the response. */
export function checkAnswer(
  api: ApiClient,
  id: string,
  answer: string,
): Promise<Answer<VerificationResult>> {
  return api.post(`/api/v1/accounts/${id}/verifications`, { method: 'answer', answer });
}

/** Verifies the caller by the seeded answer; answers the verification id. */
export async function verifyCaller(api: ApiClient, id: string): Promise<string> {
  const response = await checkAnswer(api, id, SEEDED_ANSWER);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  expect(response.body.result).toBe('match');
  return response.body.verificationId;
}

/** Verifies the caller, then acts; expects success and answers the result. */
export async function actVerified(
  api: ApiClient,
  id: string,
  action: ActionName,
  o: ActOptions = {},
): Promise<ActionResult> {
  const verificationId = await verifyCaller(api, id);
  const response = await act(api, id, action, { ...o, verificationId });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

/** Expects a success and answers the result. */
export function ok<T>(response: Answer<T>): T {
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

/** Expects a refusal with this status and code. */
export function refused(response: Answer<unknown>, status: number, code: string): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body.error?.code).toBe(code);
}

/** The first caught message to `address` whose subject matches. */
export function mailTo(smtp: SmtpCatcher, address: string, subject: RegExp): Promise<CaughtMail> {
  return smtp.waitFor((m) => m.to.includes(address) && subject.test(m.subject));
}

/** Every message caught so far to `address`. */
export const mailsTo = (smtp: SmtpCatcher, address: string): CaughtMail[] =>
  smtp.messages.filter((m) => m.to.includes(address));

/** The first link in a message that goes through `/reset/`. */
export function resetLinkIn(mail: CaughtMail): string {
  const link = linksIn(mail.text).find((l) => l.includes('/reset/'));
  if (!link) throw new Error(`no reset link in: ${mail.text}`);
  return link;
}

/** Signs in on the Log In page; answers the browser and where it was sent. */
export async function logIn(svc: TestService, identifier: string, password: string) {
  const browser = new WebClient(svc.url);
  const response = await browser.post('/login', { identifier, password });
  return { browser, status: response.status, location: response.location };
}

/** Five wrong passwords on the Log In page: the default policy's lockout. */
export async function lockOut(svc: TestService, username: string): Promise<void> {
  for (let i = 0; i < 5; i += 1)
    expect((await logIn(svc, username, `wrong guess number ${i}`)).status).toBe(401);
}

/** Audit events of an account, oldest first, with their detail parsed. */
export async function auditOf(svc: TestService, accountId: string, type?: AuditType) {
  let query = svc.ctx.db
    .selectFrom('audit_events')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('seq');
  if (type) query = query.where('type', '=', type);
  const rows = await query.execute();
  return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
}

/** Outbox rows of an account, oldest first. */
export function outboxOf(svc: TestService, accountId: string) {
  return svc.ctx.db
    .selectFrom('outbox')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('created_at')
    .execute();
}

/** The stored version of an account. */
export async function versionOf(svc: TestService, accountId: string): Promise<number> {
  const row = await svc.ctx.db
    .selectFrom('accounts')
    .select('version')
    .where('id', '=', accountId)
    .executeTakeFirstOrThrow();
  return row.version;
}
