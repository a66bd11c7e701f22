import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { AdminIdentity } from '../../common/api/auth.ts';
import type { RouteContract } from '../../common/api/contract.ts';
import { CONTROL_CHARACTER_MESSAGE, controlCharacterPath } from '../../common/api/text.ts';
import type { ServiceContext } from '../context.ts';
import { findAccountById } from '../domain/accounts.ts';
import { recordAudit } from '../domain/audit.ts';
import { adminOfAccessToken } from '../domain/admin/permissions.ts';
import { hashToken } from '../ids.ts';
import { DomainError } from '../domain/domain-error.ts';
import { ApiProblem } from './api-problem.ts';

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;

export interface Call<C extends RouteContract> {
  params: Infer<C['params']>;
  query: Infer<C['query']>;
  body: Infer<C['body']>;
  /** The signed-in administrator (routes with `auth: false` get a placeholder they must not use). */
  admin: AdminIdentity;
  request: FastifyRequest;
  reply: FastifyReply;
}

/** Refuses a request, naming the path at fault (or the whole body, query or path). */
function refuse(path: readonly PropertyKey[], where: string, message: string): never {
  const field = path.map(String).join('.') || where;
  throw new ApiProblem('validation_failed', `${field}: ${message}`, field);
}

function parse<T extends z.ZodType | undefined>(
  schema: T,
  value: unknown,
  where: string,
): Infer<T> {
  if (!schema) return undefined as Infer<T>;
  // Whatever a schema allows, no control character reaches a handler (R77; and PostgreSQL's
  // text refuses NUL, which made any lookup with one a 500).
  const control = controlCharacterPath(value);
  if (control) refuse(control, where, CONTROL_CHARACTER_MESSAGE);
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data as Infer<T>;
  const issue = parsed.error.issues[0];
  if (!issue) refuse([], where, `invalid ${where}`);
  // A strict schema's unknown key is named itself; a wrong whole is named by where it came.
  refuse(
    issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path,
    where,
    issue.message,
  );
}

async function authenticate(ctx: ServiceContext, request: FastifyRequest): Promise<AdminIdentity> {
  const header = request.headers.authorization ?? '';
  const token = /^Bearer ([\w-]{20,100})$/.exec(header)?.[1];
  const found = token
    ? await adminOfAccessToken(ctx.plannedDb, ctx.clock.now(), hashToken(token))
    : undefined;
  if (!found)
    throw new ApiProblem(
      'unauthorized',
      'Sign in again: the session has ended or the token is not valid.',
    );
  return found;
}

const NOBODY: AdminIdentity = {
  accountId: '',
  username: '',
  name: '',
  superAdmin: false,
  grants: [],
  idleLockMinutes: 15,
};

/** The account a request is about: the one its path names, or the body's (a role change). */
function accountAbout(contract: RouteContract, call: Call<RouteContract>): string | null {
  const params = (call.params ?? {}) as Record<string, unknown>;
  if (typeof params.id === 'string' && contract.path.startsWith('/api/v1/accounts/'))
    return params.id;
  const body = (call.body ?? {}) as Record<string, unknown>;
  return typeof body.accountId === 'string' ? body.accountId : null;
}

/**
 * The organization a refusal belongs to, so the Audit screen's organization filter finds it:
 * the account's, else the organization the path names, else the administrator's only one.
 */
async function refusalOrganization(
  ctx: ServiceContext,
  contract: RouteContract,
  call: Call<RouteContract>,
  accountId: string | null,
): Promise<string | null> {
  const account = accountId ? await findAccountById(ctx.db, accountId) : undefined;
  if (account) return account.organization_id;
  const params = (call.params ?? {}) as Record<string, unknown>;
  if (typeof params.id === 'string' && contract.path.startsWith('/api/v1/organizations/')) {
    const named = await ctx.db
      .selectFrom('organizations')
      .select('id')
      .where('id', '=', params.id)
      .executeTakeFirst();
    if (named) return named.id;
  }
  const scopes = new Set(call.admin.grants.map((g) => g.organizationId));
  return scopes.size === 1 ? ([...scopes][0] ?? null) : null;
}

/** A refused request is audited (R67, R75): who asked for what, on which account, and why not. */
async function recordRefusal(
  ctx: ServiceContext,
  contract: RouteContract,
  call: Call<RouteContract>,
  error: DomainError,
): Promise<void> {
  const accountId = accountAbout(contract, call);
  await recordAudit(ctx.db, ctx.clock, {
    type: 'authz_fail',
    actor: call.admin.accountId,
    accountId,
    organizationId: await refusalOrganization(ctx, contract, call, accountId),
    ip: call.request.ip,
    detail: { route: `${contract.method} ${contract.path}`, reason: error.message },
  });
}

/**
 * Registers a handler for a contract: auth, parsing with the shared schemas, the documented
 * status.
 */
export function bind<C extends RouteContract>(
  app: FastifyInstance,
  ctx: ServiceContext,
  contract: C,
  handler: (call: Call<C>) => Promise<Infer<C['response']>>,
): void {
  app.route({
    method: contract.method,
    url: contract.path,
    handler: async (request, reply) => {
      const admin = contract.auth ? await authenticate(ctx, request) : NOBODY;
      const call = {
        params: parse(contract.params, request.params, 'path'),
        query: parse(contract.query, request.query, 'query'),
        body: parse(contract.body, request.body, 'body'),
        admin,
        request,
        reply,
      } as Call<C>;
      const result = await handler(call).catch(async (error: unknown) => {
        if (contract.auth && error instanceof DomainError && error.code === 'forbidden')
          await recordRefusal(ctx, contract, call, error);
        throw error;
      });
      if (reply.sent) return reply;
      return reply
        .code(reply.statusCode !== 200 ? reply.statusCode : (contract.status ?? 200))
        .send(result);
    },
  });
}
