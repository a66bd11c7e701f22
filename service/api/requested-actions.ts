import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ActionRequest } from '../../common/api/actions.ts';
import type { AdminIdentity } from '../../common/api/auth.ts';
import { etagOf, versionFromIfMatch } from '../../common/api/etags.ts';
import type { ServiceContext } from '../context.ts';
import {
  runAction,
  type ActionSpec,
  type RunnableAction,
  type RunResult,
} from '../domain/admin/action-runner.ts';

// The one place a route turns a request into an action on an account: the account actions, the
// account changes of account administration and the shared-login conversion all come through.

/** One action on one account, as a route asks for it. */
export interface RequestedAction<A extends RunnableAction> {
  accountId: string;
  action: A;
  spec: ActionSpec;
  /** The reason and ticket (and, for some actions, the verification or the holder). */
  body: ActionRequest;
  /** What the request said besides the body: it belongs in the Idempotency-Key's hash (R84). */
  fingerprint?: unknown;
}

const header = (value: string | string[] | undefined) =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

/** Runs an action with the request's If-Match, Idempotency-Key and address. */
export function runRequested<A extends RunnableAction>(
  ctx: ServiceContext,
  admin: AdminIdentity,
  request: FastifyRequest,
  a: RequestedAction<A>,
): Promise<RunResult<A>> {
  const ifMatch = header(request.headers['if-match']);
  const key = header(request.headers['idempotency-key']);
  return runAction(ctx, admin, {
    accountId: a.accountId,
    action: a.action,
    spec: a.spec,
    request: a.body,
    ifMatchPresent: ifMatch !== undefined,
    ifMatch: versionFromIfMatch(ifMatch),
    idempotencyKey: key && key.length <= 200 ? key : undefined,
    ip: request.ip,
    fingerprint: a.fingerprint,
  });
}

/** The answer to an action: its result, with the account's new version as the ETag. */
export function withEtag<T extends { version: number }>(reply: FastifyReply, result: T): T {
  reply.header('etag', etagOf(result.version));
  return result;
}
