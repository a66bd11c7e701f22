import type { FastifyError, FastifyInstance } from 'fastify';
import { API } from '../../common/api/routes.ts';
import type { ServiceContext } from '../context.ts';
import { apiErrorBody, statusOf } from '../error-answers.ts';
import { DomainError } from '../domain/domain-error.ts';
import { statusOfCode } from './api-problem.ts';
import { accountAdminRoutes } from './account-admin-routes.ts';
import { accountRoutes } from './account-routes.ts';
import { auditRoutes } from './audit-routes.ts';
import { authRoutes } from './auth-routes.ts';
import { importRoutes } from './import-routes.ts';
import { openApiDocument } from './openapi.ts';
import { policyRoutes } from './policy-routes.ts';
import { productClientRoutes } from './product-client-routes.ts';
import { productRoutes } from './product-routes.ts';
import { roleRoutes } from './role-routes.ts';
import { sharedLoginRoutes } from './shared-login-routes.ts';
import { verificationRoutes } from './verification-routes.ts';

/** The admin API under /api: JSON in and out, every error as `{ error: { code, message, field? } }`. */
export async function apiPlugin(app: FastifyInstance, ctx: ServiceContext): Promise<void> {
  app.setErrorHandler((error: FastifyError | DomainError, request, reply) => {
    if (error instanceof DomainError) {
      return reply.code(statusOfCode(error.code)).send({
        ...error.extra,
        error: {
          code: error.code,
          message: error.message,
          ...(error.field ? { field: error.field } : {}),
        },
      });
    }
    // Anything else is the framework's (a body too large, malformed or of the wrong type): its
    // message and FST_ERR_ code stay in the log, never in the answer (R80).
    const status = statusOf(error);
    // A store outage (503) is logged by the app's onError hook.
    if (status === 500) request.log.error({ err: error }, 'api request failed');
    const answer = apiErrorBody(status);
    // The body could not be parsed at all (not JSON, empty, a prototype key): name it (R68).
    if ('code' in error && error.code.startsWith('FST_ERR_CTP_')) answer.error.field = 'body';
    return reply.code(status).send(answer);
  });

  app.get('/api/openapi.json', async () => openApiDocument(API, ctx.config.publicUrl));
  authRoutes(app, ctx);
  accountRoutes(app, ctx);
  accountAdminRoutes(app, ctx);
  importRoutes(app, ctx);
  verificationRoutes(app, ctx);
  auditRoutes(app, ctx);
  roleRoutes(app, ctx);
  policyRoutes(app, ctx);
  sharedLoginRoutes(app, ctx);
  productRoutes(app, ctx);
  productClientRoutes(app, ctx);
}
