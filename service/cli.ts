import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config.ts';
import type { ServiceContext } from './context.ts';
import { AccountInputError } from './domain/account-input.ts';
import { verifyAuditCommand } from './domain/admin/audit-verify.ts';
import { createAccount, ensureOrganization, PRODUCTS } from './domain/account-records.ts';
import {
  generateTemporaryPassword,
  TEMPORARY_PASSWORD_TTL_MS,
} from './domain/temporary-passwords.ts';
import { newId } from './ids.ts';
import { seedDemo } from './demo.ts';
import { clientCommand, keysCommand } from './oidc/cli-commands.ts';
import { demoClientsFile, registerDemoClients } from './oidc/demo-clients.ts';
import { importCsv } from './import/import-csv.ts';
import { importPreviewLines } from './import/import-preview.ts';
import { productCommand, PRODUCT_USAGE } from './product-commands.ts';
import { openService, startService } from './server.ts';

const USAGE = `Usage: npm run service -- [command]

  serve                 run the account service (the default)
  demo                  seed the demo organization and accounts (safe to run again)
  import FILE.csv [--create-products] [--dry-run]
                        import accounts: every row checked first, all or nothing;
                        --create-products registers product codes the file names;
                        --dry-run checks and previews, writing nothing
${PRODUCT_USAGE}
  create-admin --username NAME --email ADDRESS [--name "Full Name"] [--organization NAME]
                        create a super-administrator with a one-time temporary password
  verify-audit          check the audit log's keyed chain against its latest checkpoint;
                        exit 1 naming the first bad event
  client add --product CODE --redirect-uri URI [--redirect-uri URI…]
             [--backchannel-logout-uri URI] [--post-logout-redirect-uri URI…] [--public]
                        register a product's OpenID Connect client; prints one JSON object
                        {"client_id": …, "client_secret": …} (no secret for --public)
  client list           every registered client, as JSON (never a secret)
  client remove CLIENT_ID
                        remove a client: its codes and tokens stop working
  keys rotate           make a new signing key current; the previous one stays published
                        until the tokens it signed have expired

Environment: PORT, HOST, DATA_DIR, DATABASE_URL, PUBLIC_URL, SMTP_URL, MAIL_FROM, RESET_LINK_TTL,
CSRF_SECRET, AUDIT_KEY, AUDIT_KEY_FILE, AUDIT_CHECKPOINT_FILE (see README).`;

async function withContext<T>(
  config: Config,
  work: (ctx: ServiceContext) => Promise<T>,
): Promise<T> {
  const { store, ctx } = await openService(config);
  try {
    return await work(ctx);
  } finally {
    await store.close();
  }
}

async function serve(config: Config): Promise<void> {
  const service = await startService(config, { logger: true });
  console.log(
    `Latchkey account service: ${service.url}  (public URL ${service.ctx.config.publicUrl})`,
  );
  console.log(
    config.smtpUrl
      ? `Mail: SMTP ${new URL(config.smtpUrl).host}`
      : `Mail: .eml files in ${config.dataDir}/outbox`,
  );
  const stop = () => {
    void service.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function demo(config: Config): Promise<void> {
  const { accounts, clients } = await withContext(config, async (ctx) => ({
    accounts: await seedDemo(ctx),
    clients: await registerDemoClients(ctx),
  }));
  console.log('Demo organization ready. Accounts (see README):');
  console.table(
    accounts.map((a) => ({
      username: a.username,
      password: a.password,
      answer: a.answer ?? '',
      case: a.description,
    })),
  );
  console.log(
    `Demo product clients (OpenID Connect), also in ${demoClientsFile(config.dataDir)} for npm run demo:product:`,
  );
  console.table(
    clients.clients.map((c) => ({
      product: c.name,
      client_id: c.client_id,
      client_secret: c.client_secret,
      redirect_uri: c.redirect_uri,
    })),
  );
}

async function importFile(config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'create-products': { type: 'boolean' }, 'dry-run': { type: 'boolean' } },
  });
  const file = positionals[0];
  if (!file) return usageError('import needs a CSV file: npm run service -- import FILE.csv');
  const text = await readFile(file, 'utf8');
  const createMissingProducts = values['create-products'] === true;
  const dryRun = values['dry-run'] === true;
  const result = await withContext(config, (ctx) =>
    importCsv(ctx, text, { createMissingProducts, dryRun }),
  );
  for (const line of importPreviewLines(result)) console.log(line);
  if (result.ok) {
    const counts = `${result.organizations} organizations (${result.organizationsCreated} new).`;
    console.log(
      result.dryRun
        ? `Nothing was written (--dry-run). The file names ${counts}`
        : `Imported: ${result.counts.create} created, ${result.counts.update} updated, ${result.counts.unchanged} unchanged, in ${counts}`,
    );
    for (const n of result.notices) {
      const lines = n.lines.slice(0, 20).join(', ') + (n.lines.length > 20 ? ', …' : '');
      console.log(`  ${n.field}: ${n.message} Lines ${lines}.`);
    }
    return 0;
  }
  console.error(
    `${dryRun ? 'Would not import' : 'Nothing was imported'}: ${result.errors.length} problem(s) in ${file}:`,
  );
  for (const e of result.errors) console.error(`  line ${e.line}, ${e.field}: ${e.message}`);
  return 1;
}

async function createAdmin(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      username: { type: 'string' },
      email: { type: 'string' },
      name: { type: 'string' },
      organization: { type: 'string' },
    },
  });
  if (!values.username || !values.email)
    return usageError('create-admin needs --username and --email');
  const password = generateTemporaryPassword();
  await withContext(config, (ctx) =>
    ctx.db.transaction().execute(async (trx) => {
      const org = await ensureOrganization(
        trx,
        ctx.clock,
        values.organization ?? 'Latchkey Administrators',
      );
      const created = await createAccount(trx, ctx, {
        organizationId: org.id,
        username: values.username ?? '',
        email: values.email ?? '',
        name: values.name ?? values.username ?? '',
        products: PRODUCTS.map((p) => p.code),
        password,
        mustChangePassword: true,
      });
      await trx
        .updateTable('accounts')
        .set({ temp_password_expires_at: ctx.clock.now() + TEMPORARY_PASSWORD_TTL_MS })
        .where('id', '=', created.id)
        .execute();
      await trx
        .insertInto('role_grants')
        .values({
          id: newId(),
          account_id: created.id,
          role: 'super_admin',
          organization_id: null,
          created_at: ctx.clock.now(),
        })
        .execute();
    }),
  );
  console.log(`Super-administrator ${values.username} created.`);
  console.log(
    `Temporary password (shown once, valid 24 hours, must be changed at first sign-in): ${password}`,
  );
  return 0;
}

function usageError(message: string): number {
  console.error(`${message}\n\n${USAGE}`);
  return 2;
}

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h')
    return (console.log(USAGE), 0);
  const config = loadConfig();
  switch (command) {
    case 'serve':
      await serve(config);
      return -1;
    case 'demo':
      await demo(config);
      return 0;
    case 'import':
      return importFile(config, rest);
    case 'product':
      return withContext(config, (ctx) => productCommand(ctx, rest));
    case 'create-admin':
      return createAdmin(config, rest);
    case 'verify-audit':
      return withContext(config, (ctx) => verifyAuditCommand(ctx.db, config.auditCheckpointFile));
    case 'client':
      return withContext(config, (ctx) => clientCommand(ctx, rest, usageError));
    case 'keys':
      return withContext(config, (ctx) => keysCommand(ctx, rest, usageError));
    default:
      return usageError(`Unknown command "${command}".`);
  }
}

// process.exit does not wait for a pipe to take what was written: under load a long report was
// cut short. Exit once stdout and stderr have flushed everything before.
const exitAfterFlush = (code: number) =>
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) exitAfterFlush(code);
  },
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(error.message);
    else if (error instanceof AccountInputError) console.error(`Refused: ${error.message}`);
    else console.error(error instanceof Error ? error.message : error);
    exitAfterFlush(error instanceof ConfigError ? 2 : 1);
  },
);
