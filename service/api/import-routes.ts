import { PassThrough, Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  IMPORT_MAX_BYTES,
  ImportHeadersSchema,
  REASON_HEADER,
  TICKET_HEADER,
} from '../../common/api/imports.ts';
import type { RouteContract } from '../../common/api/contract.ts';
import type { AdminIdentity } from '../../common/api/auth.ts';
import { API } from '../../common/api/routes.ts';
import type { ServiceContext } from '../context.ts';
import { DomainError } from '../domain/domain-error.ts';
import { streamImport } from '../import/import-stream.ts';
import { bind } from './bind.ts';

/** A header value as sent: percent-encoded UTF-8, decoded; a malformed one is refused by name. */
function decoded(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  if (typeof value !== 'string') return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    throw new DomainError(
      'validation_failed',
      `${name}: percent-encode the text as UTF-8 (encodeURIComponent).`,
      name,
    );
  }
}

/** Everything checked before the file is read: permission, why, the media type, the size. */
function admitted(request: FastifyRequest, admin: AdminIdentity) {
  if (!admin.grants.some((g) => g.permissions.includes('import_accounts')))
    throw new DomainError('forbidden', 'Your role does not allow this (import accounts).');
  const headers = ImportHeadersSchema.safeParse({
    [REASON_HEADER]: decoded(request, REASON_HEADER),
    [TICKET_HEADER]: decoded(request, TICKET_HEADER),
  });
  if (!headers.success) {
    const issue = headers.error.issues[0];
    const field = String(issue?.path[0] ?? REASON_HEADER);
    throw new DomainError('validation_failed', `${field}: ${issue?.message ?? 'invalid'}`, field);
  }
  if (!(request.body instanceof Readable))
    throw new DomainError(
      'validation_failed',
      'body: send the import file itself, as text/csv.',
      'body',
    );
  const length = Number(request.headers['content-length'] ?? 0);
  if (length > IMPORT_MAX_BYTES)
    throw new DomainError(
      'validation_failed',
      `body: the file is larger than ${IMPORT_MAX_BYTES / 1024 / 1024} MB: split it into several imports.`,
      'body',
    );
  return {
    reason: headers.data[REASON_HEADER],
    ticket: headers.data[TICKET_HEADER],
    body: request.body,
  };
}

/**
 * The import routes (issue 16): the CSV arrives as a stream (the parser hands it over
 * unread, so the size limit and the administrator are checked before a byte is taken) and the
 * answer is NDJSON, written as the import goes.
 */
export function importRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.addContentTypeParser('text/csv', (_request, payload, done) => done(null, payload));
  const routes: Array<[RouteContract, boolean]> = [
    [API.previewImport, true],
    [API.applyImport, false],
  ];
  for (const [contract, dryRun] of routes) {
    // The body is read here, not by bind: it is a stream, not a parsed document.
    bind(app, ctx, { ...contract, body: undefined }, async ({ admin, request, reply }) => {
      const { reason, ticket, body } = admitted(request, admin);
      const out = new PassThrough();
      void streamImport(ctx, body, {
        admin,
        reason,
        ticket,
        dryRun,
        emit: (line) => out.write(`${JSON.stringify(line)}\n`),
        logError: (error) => request.log.error({ err: error }, 'import failed'),
      }).finally(() => out.end());
      reply.type('application/x-ndjson; charset=utf-8').header('cache-control', 'no-store');
      return out as unknown as undefined;
    });
  }
}
