import type { FastifyError, FastifyInstance } from 'fastify';
import { API } from '../../common/api/routes.ts';
import type { ServiceContext } from '../context.ts';
import { ApiProblem } from './api-problem.ts';
import { accountRoutes } from './account-routes.ts';
import { auditRoutes } from './audit-routes.ts';
import { authRoutes } from './auth-routes.ts';
import { openApiDocument } from './openapi.ts';
import { policyRoutes } from './policy-routes.ts';
import { roleRoutes } from './role-routes.ts';
import { sharedLoginRoutes } from './shared-login-routes.ts';
import { verificationRoutes } from './verification-routes.ts';

/** The admin API under /api: JSON in and out, every error as `{ error: { code, message, field? } }`. */
export async function apiPlugin(app: FastifyInstance, ctx: ServiceContext): Promise<void> {
  app.setErrorHandler((error: FastifyError | ApiProblem, request, reply) => {
    if (error instanceof ApiProblem) {
      return reply.code(error.status).send({
        ...error.extra,
        error: {
          code: error.code,
          message: error.message,
          ...(error.field ? { field: error.field } : {}),
        },
      });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'api request failed');
      return reply.code(500).send({
        error: {
          code: 'internal',
          message: 'Something went wrong on the server. Try again in a moment.',
        },
      });
    }
    const code = status === 429 ? 'rate_limited' : 'validation_failed';
    return reply.code(status).send({
      error: { code, message: status === 413 ? 'The request is too large.' : error.message },
    });
  });

  app.get('/api/openapi.json', async () => openApiDocument(API, ctx.config.publicUrl));
  authRoutes(app, ctx);
  accountRoutes(app, ctx);
  verificationRoutes(app, ctx);
  auditRoutes(app, ctx);
  roleRoutes(app, ctx);
  policyRoutes(app, ctx);
  sharedLoginRoutes(app, ctx);
}
