import { z } from 'zod';
import { ApiErrorSchema } from '../../common/api/errors.ts';
import type { RouteContract } from '../../common/api/contract.ts';

const schema = (s: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' });

function parameters(contract: RouteContract) {
  const params: Array<Record<string, unknown>> = [];
  const add = (s: z.ZodType | undefined, where: 'path' | 'query' | 'header') => {
    const json = s
      ? (schema(s, 'input') as { properties?: Record<string, unknown>; required?: string[] })
      : undefined;
    for (const [name, prop] of Object.entries(json?.properties ?? {})) {
      params.push({
        name,
        in: where,
        required: where === 'path' || (json?.required ?? []).includes(name),
        schema: prop,
      });
    }
  };
  add(contract.params, 'path');
  add(contract.query, 'query');
  add(contract.headers, 'header');
  if (contract.ifMatch)
    params.push({
      name: 'If-Match',
      in: 'header',
      required: true,
      schema: { type: 'string' },
      description: 'The ETag of what the caller saw: the account view, policy or product',
    });
  if (contract.idempotent)
    params.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      schema: { type: 'string', maxLength: 200 },
    });
  return params;
}

const errorResponse = {
  description: 'An error',
  content: { 'application/json': { schema: schema(ApiErrorSchema, 'output') } },
};

/** The OpenAPI 3.1 document of the admin API, generated from the schemas that validate it. */
export function openApiDocument(routes: Record<string, RouteContract>, serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [operationId, contract] of Object.entries(routes)) {
    const path = contract.path.replace(/:(\w+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][contract.method.toLowerCase()] = {
      operationId,
      summary: contract.summary,
      tags: [contract.tag],
      ...(contract.auth ? { security: [{ bearer: [] }] } : { security: [] }),
      parameters: parameters(contract),
      ...(contract.body
        ? {
            requestBody: {
              required: true,
              content: {
                [contract.bodyType ?? 'application/json']: {
                  schema: schema(contract.body, 'input'),
                },
              },
            },
          }
        : {}),
      responses: {
        [String(contract.status ?? 200)]: {
          description: 'Success',
          content: {
            [contract.responseType ?? 'application/json']: {
              schema: schema(contract.response, 'output'),
            },
          },
        },
        default: errorResponse,
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Latchkey admin API',
      version: '1.0.0',
      description:
        'Helpdesk and administrator actions on accounts. Every error is `{error: {code, message, field?}}`.',
    },
    servers: [{ url: serverUrl }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
