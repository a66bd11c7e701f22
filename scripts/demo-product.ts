/**
 * A demo product that signs people in with Latchkey (OpenID Connect), the way EMResource, eICS
 * or EMTrack would: `npm run demo:product [-- --product eics]`, after `npm run service -- demo`
 * (which registers the demo clients) and with the service running. README: "Single sign-on for
 * the products".
 *
 * Environment: LATCHKEY_URL (the service's PUBLIC_URL; default http://127.0.0.1:8787) and
 * DATA_DIR (the service's, where demo-clients.json is; default ./data).
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../service/config.ts';
import { demoClientsFile, readDemoClients } from '../service/oidc/demo-clients.ts';
import { DemoProduct } from './demo-product/app.ts';

const Env = z.object({
  // The service's own default PUBLIC_URL (HOST and PORT unset).
  LATCHKEY_URL: z
    .url({
      protocol: /^https?$/,
      message: "must be the service's PUBLIC_URL, e.g. http://127.0.0.1:8787",
    })
    .default(loadConfig({}).publicUrl)
    .transform((url) => url.replace(/\/+$/, '')),
  DATA_DIR: z.string().min(1).default('./data'),
});

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function settings() {
  const env = Env.safeParse(process.env);
  if (!env.success)
    fail(env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  const { values } = parseArgs({ options: { product: { type: 'string', default: 'emresource' } } });
  const file = demoClientsFile(env.data.DATA_DIR);
  let clients: ReturnType<typeof readDemoClients>;
  try {
    clients = readDemoClients(env.data.DATA_DIR);
  } catch {
    clients = undefined;
  }
  if (!clients)
    fail(
      `No demo clients in ${file}. Run "npm run service -- demo" first (with the same DATA_DIR), then start the service with "npm run service".`,
    );
  const client = clients.clients.find((c) => c.product === values.product);
  if (!client)
    fail(
      `--product: no demo client for "${values.product}" in ${file}. Choose one of: ${clients.clients.map((c) => c.product).join(', ')}.`,
    );
  return { issuer: env.data.LATCHKEY_URL, client };
}

const { issuer, client } = settings();
const product = new DemoProduct({
  issuer,
  productName: client.name,
  clientId: client.client_id,
  clientSecret: client.client_secret,
  redirectUri: client.redirect_uri,
  postLogoutRedirectUri: client.post_logout_redirect_uri,
  log: (message) => console.log(`${new Date().toISOString()} ${message}`),
});
// It listens where its registered redirect URI points: nowhere else would Latchkey send people.
const { hostname, port, origin } = new URL(client.redirect_uri);
const server = createServer(product.handle);
server.on('error', (error) => fail(`Cannot listen on ${origin}: ${error.message}`));
server.listen(Number(port), hostname, () => {
  console.log(`${client.name} (demo product): ${origin}/  signs in with Latchkey at ${issuer}`);
});
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
