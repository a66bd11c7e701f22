import { parseArgs } from 'node:util';
import type { ServiceContext } from '../context.ts';
import { listClients, registerClient, removeClient, type ClientField } from './clients.ts';
import { RETIRED_KEY_KEPT_MS, rotateSigningKey } from './keys.ts';

/** The CLI option each registration field comes from, so a refusal names what to fix. */
const OPTION_OF: Record<ClientField, string> = {
  product: '--product',
  redirectUris: '--redirect-uri',
  postLogoutRedirectUris: '--post-logout-redirect-uri',
  backchannelLogoutUri: '--backchannel-logout-uri',
};

type UsageError = (message: string) => number;

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      product: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      'backchannel-logout-uri': { type: 'string' },
      public: { type: 'boolean' },
    },
  });
}

async function add(ctx: ServiceContext, args: string[], usageError: UsageError): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    return usageError(`client add: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length) return usageError(`client add: unexpected "${positionals.join(' ')}"`);
  if (!values.product)
    return usageError('client add: --product: give the product code, e.g. --product emresource');
  const result = await registerClient(ctx.db, ctx.clock, {
    product: values.product,
    redirectUris: values['redirect-uri'] ?? [],
    postLogoutRedirectUris: values['post-logout-redirect-uri'] ?? [],
    backchannelLogoutUri: values['backchannel-logout-uri'],
    public: values.public === true,
  });
  if (!result.ok) {
    for (const p of result.problems) console.error(`${OPTION_OF[p.field]}: ${p.message}`);
    return 1;
  }
  // Exactly one JSON object on stdout: scripts read it (SPEC §5). The secret is shown only here.
  console.log(
    JSON.stringify(
      result.clientSecret === undefined
        ? { client_id: result.clientId }
        : { client_id: result.clientId, client_secret: result.clientSecret },
    ),
  );
  return 0;
}

/** `client add | list | remove` (SPEC §5). */
export async function clientCommand(
  ctx: ServiceContext,
  args: string[],
  usageError: UsageError,
): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'add') return add(ctx, rest, usageError);
  if (sub === 'list') {
    const clients = await listClients(ctx.db);
    console.log(
      JSON.stringify(
        clients.map(({ secretHash: _hash, ...client }) => client),
        null,
        2,
      ),
    );
    return 0;
  }
  if (sub === 'remove') {
    const [clientId] = rest;
    if (!clientId || rest.length > 1) return usageError('client remove takes one CLIENT_ID');
    if (!(await removeClient(ctx.db, ctx.clock, clientId))) {
      console.error(`No client has the id "${clientId}" (npm run service -- client list).`);
      return 1;
    }
    console.log(`Client ${clientId} removed: its codes and tokens no longer work.`);
    return 0;
  }
  return usageError(`Unknown client command "${sub ?? ''}": use add, list or remove.`);
}

/** `keys rotate`. */
export async function keysCommand(
  ctx: ServiceContext,
  args: string[],
  usageError: UsageError,
): Promise<number> {
  if (args.length !== 1 || args[0] !== 'rotate') return usageError('Usage: keys rotate');
  const { kid, retired, signsFrom } = await rotateSigningKey(ctx.db, ctx.clock);
  const at = (ms: number) => new Date(ms).toISOString();
  console.log(
    `New signing key ${kid} is published now and signs from ${at(signsFrom)}, once every running service has loaded it.`,
  );
  if (retired.length)
    console.log(
      `Previous key ${retired.join(', ')} stays published until ${at(signsFrom + RETIRED_KEY_KEPT_MS)}, then is dropped.`,
    );
  return 0;
}
