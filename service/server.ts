import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { ServiceContext } from './context.ts';
import { AuditCheckpointWriter } from './domain/audit-checkpoints.ts';
import { bindAuditKeys, loadAuditKeys } from './domain/audit-keys.ts';
import { argon2Hasher, dummyPasswordHash, type Hasher } from './domain/passwords.ts';
import { AccountSearcher } from './search/index.ts';
import { MailDispatcher } from './mail/dispatcher.ts';
import { LogoutDispatcher } from './oidc/logout-dispatcher.ts';
import { emlFolderTransport, smtpTransport, type MailTransport } from './mail/transports.ts';
import { Readiness } from './readiness.ts';
import {
  listenStartupError,
  outageStartupError,
  prepareDataDir,
  storeStartupError,
} from './startup-errors.ts';
import { openStore, storeLabel, type Store } from './store/database.ts';
import { migrateToLatest } from './store/migrate.ts';
import { probeWrite } from './store/write-probe.ts';

export interface RunningService {
  app: FastifyInstance;
  ctx: ServiceContext;
  store: Store;
  dispatcher: MailDispatcher;
  /** Delivers back-channel logout tokens to the products (service/oidc). */
  logouts: LogoutDispatcher;
  /** Notes the audit chain's head outside the database (R78). */
  checkpoints: AuditCheckpointWriter;
  /** The address it listens on, e.g. http://127.0.0.1:8787. */
  url: string;
  close(): Promise<void>;
}

export interface ServiceOptions {
  clock?: Clock;
  hasher?: Hasher;
  logger?: boolean;
  /** Poll interval of the mail dispatcher. */
  mailPollMs?: number;
  /** How often the audit chain's head is checkpointed (default: the config's); 0: only at close. */
  auditCheckpointMs?: number;
  /** An already open store (tests); otherwise the config's DATABASE_URL or DATA_DIR. */
  store?: Store;
}

/** The transport SPEC §5 names: SMTP when SMTP_URL is set, else `.eml` files under DATA_DIR/outbox. */
export function mailTransportFor(config: Config): MailTransport {
  return config.smtpUrl
    ? smtpTransport(config.smtpUrl)
    : emlFolderTransport(path.join(config.dataDir, 'outbox'));
}

/**
 * Opens and migrates the store, then builds the context every domain function takes. A store
 * that cannot be opened or migrated stops it with a StartupError naming the store and the fix.
 */
export async function openService(
  config: Config,
  options: ServiceOptions = {},
): Promise<{ store: Store; ctx: ServiceContext; wake: (fn: () => void) => void }> {
  prepareDataDir(config.dataDir);
  const label = storeLabel(config.databaseUrl, config.dataDir);
  const store =
    options.store ??
    (await openStore(config.databaseUrl, config.dataDir).catch((error: unknown) => {
      throw storeStartupError(error, label);
    }));
  try {
    await migrateToLatest(store);
  } catch (error) {
    if (!options.store) await store.close().catch(() => {});
    throw storeStartupError(error, label);
  }
  const auditKeys = await loadAuditKeys({
    key: config.auditKey,
    previous: config.auditPreviousKeys,
    file: config.auditKeyFile,
  });
  bindAuditKeys(store.db, auditKeys);
  bindAuditKeys(store.plannedDb, auditKeys);
  let onMail = () => {};
  const clock = options.clock ?? systemClock;
  const ctx: ServiceContext = {
    db: store.db,
    plannedDb: store.plannedDb,
    dialect: store.dialect,
    search: new AccountSearcher(store.plannedDb, store.dialect, clock, config.searchIndex),
    clock,
    hasher: options.hasher ?? argon2Hasher,
    config,
    mailQueued: () => onMail(),
  };
  return { store, ctx, wake: (fn) => (onMail = fn) };
}

/** Starts the account service: store, mail dispatcher and HTTP listener. */
export async function startService(
  config: Config,
  options: ServiceOptions = {},
): Promise<RunningService> {
  const { store, ctx, wake } = await openService(config, options);
  // A file SQLite could open only read-only, or a store with no room, serves nothing: say so now
  // rather than at the first sign-in. (A busy or unreachable store may recover: /readyz tells.)
  const unwritable = await probeWrite(store);
  if (unwritable?.kind === 'read_only' || unwritable?.kind === 'full') {
    if (!options.store) await store.close();
    throw outageStartupError(unwritable, storeLabel(config.databaseUrl, config.dataDir));
  }
  // Made before the first request, or the first unknown sign-in would cost two hashes (R4).
  await dummyPasswordHash(ctx.hasher);
  const readiness = new Readiness({
    store,
    clock: ctx.clock,
    search: ctx.search,
    budgets: { indexBuildMs: config.readyIndexBuildMs, mailStallMs: config.readyMailStallMs },
  });
  // Loaded only to serve: oidc-provider warns on import under Node 20, and the CLI's other
  // commands (import, client, keys…) keep a clean stderr for scripts.
  const { buildApp } = await import('./app.ts');
  const app = await buildApp(ctx, { logger: options.logger ?? false, readiness });
  store.logTo((fields, message) => app.log.error(fields, message));
  ctx.search.logTo((message, fields) => app.log.info(fields, message));
  const dispatcher = new MailDispatcher(ctx, {
    transport: mailTransportFor(config),
    from: config.mailFrom,
    messageIdDomain: new URL(config.publicUrl).hostname,
    pollMs: options.mailPollMs ?? 1000,
    log: (message, fields) => app.log.warn(fields, message),
  });
  const logouts = new LogoutDispatcher(ctx, {
    pollMs: options.mailPollMs ?? 1000,
    log: (message, fields) => app.log.warn(fields, message),
  });
  wake(() => {
    dispatcher.wake();
    logouts.wake();
  });
  readiness.watchDispatcher(dispatcher);
  dispatcher.start();
  logouts.start();
  const checkpoints = new AuditCheckpointWriter(ctx.db, {
    file: config.auditCheckpointFile,
    intervalMs: options.auditCheckpointMs ?? config.auditCheckpointMs,
    clock: ctx.clock,
    log: app.log,
  });
  checkpoints.start();
  const close = async () => {
    await app.close();
    await ctx.search.close();
    await dispatcher.stop();
    await logouts.stop();
    // Last: the events the dispatcher wrote while stopping are in the final checkpoint.
    await checkpoints.stop();
    if (!options.store) await store.close();
  };
  const address = await app
    .listen({ port: config.port, host: config.host })
    .catch(async (error: unknown) => {
      await close().catch(() => {});
      throw listenStartupError(error, config.host, config.port);
    });
  ctx.search.warm();
  const url = address.replace('[::1]', '127.0.0.1');
  // Without PUBLIC_URL, links point at the address actually bound (port 0 picks one).
  if (!config.publicUrlFromEnv) ctx.config.publicUrl = url;
  return { app, ctx, store, dispatcher, logouts, checkpoints, url, close };
}
