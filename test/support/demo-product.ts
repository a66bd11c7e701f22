import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DemoProduct } from '../../scripts/demo-product/app.ts';
import { registerClient } from '../../service/oidc/clients.ts';
import type { TestService } from './service.ts';

/** The demo product (scripts/demo-product.ts) running on a free loopback port for one test file. */
export interface RunningDemoProduct {
  origin: string;
  clientId: string;
  /** Every line the product logged, oldest first. */
  logs: string[];
  /** The first log line (already written or still to come) matching `pattern`. */
  logged(pattern: RegExp, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts the demo product as `npm run demo:product` does, but on a port of its own: it listens
 * first, then its client is registered for that address (`client add` with the callback,
 * back-channel and signed-out addresses `npm run service -- demo` gives the demo clients).
 */
export async function startDemoProduct(
  svc: TestService,
  product = 'emresource',
): Promise<RunningDemoProduct> {
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end();
  };
  const server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const registered = await registerClient(svc.ctx.db, svc.ctx.clock, {
    product,
    redirectUris: [`${origin}/callback`],
    postLogoutRedirectUris: [`${origin}/`],
    backchannelLogoutUri: `${origin}/backchannel-logout`,
  });
  if (!registered.ok || !registered.clientSecret) throw new Error(JSON.stringify(registered));
  const { name } = await svc.ctx.db
    .selectFrom('products')
    .select('name')
    .where('code', '=', product)
    .executeTakeFirstOrThrow();
  const logs: string[] = [];
  const waiters: Array<() => void> = [];
  const app = new DemoProduct({
    issuer: svc.ctx.config.publicUrl,
    productName: name,
    clientId: registered.clientId,
    clientSecret: registered.clientSecret,
    redirectUri: `${origin}/callback`,
    postLogoutRedirectUri: `${origin}/`,
    log: (line) => {
      logs.push(line);
      for (const wake of waiters.splice(0)) wake();
    },
  });
  handle = app.handle;
  return {
    origin,
    clientId: registered.clientId,
    logs,
    async logged(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = logs.find((l) => pattern.test(l));
        if (line) return line;
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`the demo product never logged ${pattern}: ${logs.join(' | ')}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => (clearTimeout(timer), resolve()));
        });
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
