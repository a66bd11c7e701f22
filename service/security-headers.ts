import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify, { type FastifyInstance } from 'fastify';
import { servedOverHttps, type Config } from './config.ts';

/** The headers every answer carries, by lower-case name. */
export type SecurityHeaders = Record<string, string>;

/**
 * helmet's settings: nothing from elsewhere may load, frame or receive a form (the pages run no
 * script); DENY and frame-ancestors against clickjacking; no Referer, since reset tokens travel in
 * links (R19); HSTS only when people reach the service over https.
 */
export function helmetOptions(config: Config): FastifyHelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: servedOverHttps(config)
      ? { maxAge: 31_536_000, includeSubDomains: true }
      : false,
  };
}

// helmet writes no Permissions-Policy: the pages use none of these.
const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=()';

/** Registers helmet and the two headers it leaves out, on every answer that passes the hooks. */
export async function registerSecurityHeaders(app: FastifyInstance, config: Config): Promise<void> {
  await app.register(helmet, helmetOptions(config));
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('permissions-policy', PERMISSIONS_POLICY);
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    // Pages hold tokens and personal details: no cache keeps them, unless a route says otherwise.
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
}

const NOT_SECURITY = new Set([
  'content-type',
  'content-length',
  'date',
  'connection',
  'keep-alive',
]);

/**
 * The same headers as data, for the answers Fastify's hooks never see (router errors, and Node's
 * parser errors written straight to the socket): read once from a probe app with the same
 * registration, so the policy is written only in `helmetOptions`.
 */
export async function securityHeadersOf(config: Config): Promise<SecurityHeaders> {
  const probe = Fastify();
  await registerSecurityHeaders(probe, config);
  probe.get('/', async () => '');
  const response = await probe.inject({ method: 'GET', url: '/' });
  await probe.close();
  const headers: SecurityHeaders = {};
  for (const [name, value] of Object.entries(response.headers))
    if (typeof value === 'string' && !NOT_SECURITY.has(name)) headers[name] = value;
  return headers;
}

/**
 * The CSP with `form-action` allowing these origins besides 'self'. A page whose form leads, through
 * redirects, to a product (a product's sign-in: Log In → provider → the product's redirect URI)
 * needs it: browsers apply form-action to every redirect that follows a form submission.
 */
export function withFormAction(csp: string, origins: readonly string[]): string {
  const allowed = ["'self'", ...new Set(origins)].join(' ');
  return csp
    .split(';')
    .map((directive) =>
      directive.trim().startsWith('form-action') ? `form-action ${allowed}` : directive,
    )
    .join(';');
}
