import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ServiceContext } from '../context.ts';
import { PRODUCTS } from '../domain/account-records.ts';
import { findClient, registerClient } from './clients.ts';

/** The demo product's address (scripts/demo-product.ts listens there). */
export const DEMO_PRODUCT_ORIGIN = 'http://127.0.0.1:4100';

const DemoClientsSchema = z.object({
  clients: z.array(
    z.object({
      product: z.string(),
      name: z.string(),
      client_id: z.string(),
      client_secret: z.string(),
      redirect_uri: z.string(),
      backchannel_logout_uri: z.string(),
      post_logout_redirect_uri: z.string(),
    }),
  ),
});

export type DemoClients = z.infer<typeof DemoClientsSchema>;

/** Where `demo` leaves the demo clients' ids and secrets for the demo product to read. */
export const demoClientsFile = (dataDir: string): string => path.join(dataDir, 'demo-clients.json');

/** The demo clients file, or undefined when there is none (or it is not one). */
export function readDemoClients(dataDir: string): DemoClients | undefined {
  const file = demoClientsFile(dataDir);
  if (!existsSync(file)) return undefined;
  const parsed = DemoClientsSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return parsed.success ? parsed.data : undefined;
}

/**
 * Registers EMResource, eICS and EMTrack as confidential clients of the demo product (callback
 * `/callback`, back-channel logout `/backchannel-logout`, signed-out page `/`) and writes their
 * ids and secrets to DATA_DIR/demo-clients.json (mode 0600, like the audit key): the store keeps
 * only hashes, so that file is the one place a secret can be read again. Idempotent: a client
 * the file names that still exists is kept.
 */
export async function registerDemoClients(ctx: ServiceContext): Promise<DemoClients> {
  const known = readDemoClients(ctx.config.dataDir)?.clients ?? [];
  const clients: DemoClients['clients'] = [];
  for (const product of PRODUCTS) {
    const kept = known.find((c) => c.product === product.code);
    if (kept && (await findClient(ctx.db, kept.client_id))) {
      clients.push(kept);
      continue;
    }
    const uris = {
      redirect_uri: `${DEMO_PRODUCT_ORIGIN}/callback`,
      backchannel_logout_uri: `${DEMO_PRODUCT_ORIGIN}/backchannel-logout`,
      post_logout_redirect_uri: `${DEMO_PRODUCT_ORIGIN}/`,
    };
    const result = await registerClient(ctx.db, ctx.clock, {
      product: product.code,
      redirectUris: [uris.redirect_uri],
      postLogoutRedirectUris: [uris.post_logout_redirect_uri],
      backchannelLogoutUri: uris.backchannel_logout_uri,
    });
    if (!result.ok || !result.clientSecret)
      throw new Error(`demo client for ${product.code}: ${JSON.stringify(result)}`);
    clients.push({
      product: product.code,
      name: product.name,
      client_id: result.clientId,
      client_secret: result.clientSecret,
      ...uris,
    });
  }
  const file = demoClientsFile(ctx.config.dataDir);
  writeFileSync(file, `${JSON.stringify({ clients }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { clients };
}
