import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type Provider from 'oidc-provider';
import type { ServiceContext } from '../context.ts';
import type { SecurityHeaders } from '../security-headers.ts';
import { KEY_RELOAD_MS, loadProviderKeys } from './keys.ts';
import { createProvider, PROVIDER_PREFIX } from './provider.ts';

const PROVIDER_PATH = new RegExp(
  `^(?:/\\.well-known/openid-configuration|${PROVIDER_PREFIX})(?:[/?#]|$)`,
);

/** True for the addresses oidc-provider answers itself. */
export const isProviderUrl = (url: string): boolean => PROVIDER_PATH.test(url);

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * The running provider of this process. It is rebuilt when the store's keys change (`keys
 * rotate` in another process: seen within KEY_RELOAD_MS) or when the issuer does (without
 * PUBLIC_URL the issuer is the address bound, known only once the service listens).
 */
export class ProviderHolder {
  private current: { provider: Provider; handler: Handler; fingerprint: string } | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly log: (message: string, fields: Record<string, unknown>) => void,
  ) {}

  /** The issuer: PUBLIC_URL (or the address bound, without one). */
  get issuer(): string {
    return this.ctx.config.publicUrl;
  }

  get trustProxy(): boolean {
    return this.ctx.config.trustProxy;
  }

  /** The provider for this request: rebuilt first when the issuer changed. */
  async provider(): Promise<Provider> {
    if (!this.current || this.current.provider.issuer !== this.ctx.config.publicUrl)
      await this.reload(true);
    return (this.current as { provider: Provider }).provider;
  }

  async handler(): Promise<Handler> {
    await this.provider();
    return (this.current as { handler: Handler }).handler;
  }

  /** Reads the keys; rebuilds the provider when they changed (or when `force`). */
  async reload(force = false): Promise<void> {
    const keys = await loadProviderKeys(this.ctx.db, this.ctx.clock);
    if (!force && this.current?.fingerprint === keys.fingerprint) return;
    const provider = createProvider(this.ctx, keys, this.log);
    this.current = { provider, handler: provider.callback(), fingerprint: keys.fingerprint };
  }

  start(): void {
    this.timer = setInterval(() => {
      this.reload().catch((error: unknown) =>
        this.log('openid provider key reload failed', { error: String(error) }),
      );
    }, KEY_RELOAD_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/**
 * Makes the request name the issuer's origin, whatever its Host and X-Forwarded-* headers say:
 * the provider builds absolute addresses (discovery, the resume step, logout forms) from the
 * request, and they must never come from a header a client chose (R18), while its cookies are
 * Secure exactly when PUBLIC_URL is https (behind a TLS proxy, with or without TRUST_PROXY). The
 * provider runs with `proxy` on, so it reads these pinned values; X-Forwarded-For, which gives
 * the client address, is kept only when TRUST_PROXY says a proxy sets it.
 */
export function pinToIssuer(req: IncomingMessage, issuer: string, trustProxy: boolean): void {
  const url = new URL(issuer);
  req.headers.host = url.host;
  req.headers['x-forwarded-host'] = url.host;
  req.headers['x-forwarded-proto'] = url.protocol.slice(0, -1);
  if (!trustProxy) delete req.headers['x-forwarded-for'];
}

/**
 * Hands the provider's addresses to oidc-provider before Fastify does anything with them: the
 * reply is hijacked in the first onRequest hook, so the body is not parsed (the provider reads
 * the raw stream), no page CSRF check or page error handler applies (the provider has its own
 * state and xsrf checks), and the security headers are written to the raw response here. Its
 * inline form-post script gets a hash in `script-src` from the provider itself.
 */
export function mountProvider(
  app: FastifyInstance,
  holder: ProviderHolder,
  headers: SecurityHeaders,
): void {
  // Without the pages' `cache-control: no-store`: the provider sets it where it matters (tokens,
  // authorization), and discovery and the JWKS may be cached.
  const rest = { ...headers };
  delete rest['cache-control'];
  const providerHeaders = {
    ...rest,
    'content-security-policy': (rest['content-security-policy'] ?? '').replace(
      'default-src',
      "script-src 'self';default-src",
    ),
  };
  app.addHook('onRequest', async (request, reply) => {
    if (!isProviderUrl(request.url)) return;
    pinToIssuer(request.raw, holder.issuer, holder.trustProxy);
    reply.hijack();
    for (const [name, value] of Object.entries(providerHeaders)) reply.raw.setHeader(name, value);
    const handle = await holder.handler();
    await handle(request.raw, reply.raw);
  });
  app.addHook('onClose', async () => holder.stop());
}
