import { randomInt } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { ServiceContext } from '../context.ts';
import type { Db } from '../store/schema.ts';
import { recordAudit } from '../domain/audit.ts';
import { RETRY_DELAYS_MS } from '../domain/outbox-delivery.ts';
import { pruneOidcModels } from './adapter.ts';
import { currentSigningKey, pruneRetiredKeys } from './keys.ts';
import { signLogoutToken } from './logout-token.ts';

/** A product that has not taken its logout token within this time is given up on (and shown). */
export const GIVE_UP_AFTER_MS = 24 * 60 * 60_000;
/** A claimed delivery is left alone by other processes this long. */
const LEASE_MS = 60_000;
const BATCH = 20;
/** Finished deliveries stay visible in the account view this long. */
const KEPT_MS = 30 * 24 * 60 * 60_000;

/**
 * Drops what has expired: the provider's records, retired keys nothing valid was signed with,
 * and finished deliveries older than KEPT_MS. Every idle dispatcher pass runs it.
 */
export async function pruneProviderState(db: Db, clock: Clock): Promise<void> {
  await pruneOidcModels(db, clock);
  await pruneRetiredKeys(db, clock);
  await db
    .deleteFrom('oidc_logout_deliveries')
    .where('status', '!=', 'queued')
    .where('created_at', '<', clock.now() - KEPT_MS)
    .execute();
}

export interface LogoutDispatcherOptions {
  pollMs?: number;
  /** How long one POST to a product may take. */
  timeoutMs?: number;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

interface Due {
  id: string;
  account_id: string;
  organization_id: string;
  client_id: string;
  sid: string | null;
  created_at: number;
  attempts: number;
  uri: string | null;
}

/**
 * Works off `oidc_logout_deliveries` the way the mail dispatcher works off the outbox: each due
 * delivery is claimed with a conditional update (a lease, so several processes never send one
 * twice at once), a freshly signed logout token is POSTed to the product, and a failure is
 * retried with backoff, surviving restarts, until the product answers 200 or 24 hours pass.
 * Each pass also prunes the provider's expired records and its retired keys.
 */
export class LogoutDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = true;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly options: LogoutDispatcherOptions = {},
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Asks for a pass soon: deliveries were just queued. */
  wake(): void {
    if (!this.stopped) this.schedule(0);
  }

  /** Runs passes until nothing is due; answers how many deliveries were attempted. */
  async drain(): Promise<number> {
    await this.running?.catch(() => undefined);
    let total = 0;
    for (;;) {
      const handled = await this.pass();
      total += handled;
      if (handled === 0) return total;
    }
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      while (!this.stopped && (await this.pass()) > 0);
      if (!this.stopped) await pruneProviderState(this.ctx.db, this.ctx.clock);
    } catch (error) {
      this.options.log?.('back-channel logout pass failed', { error: String(error) });
    }
    if (!this.stopped) this.schedule(this.options.pollMs ?? 1000);
  }

  private pass(): Promise<number> {
    this.running ??= this.runPass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runPass(): Promise<number> {
    const now = this.ctx.clock.now();
    const due = await this.ctx.db
      .selectFrom('oidc_logout_deliveries as d')
      .innerJoin('oidc_clients as c', 'c.client_id', 'd.client_id')
      .innerJoin('accounts as a', 'a.id', 'd.account_id')
      .select([
        'd.id',
        'd.account_id',
        'a.organization_id',
        'd.client_id',
        'd.sid',
        'd.created_at',
        'd.attempts',
        'c.backchannel_logout_uri as uri',
      ])
      .where('d.status', '=', 'queued')
      .where('d.next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<', now)]))
      .orderBy('d.created_at')
      .limit(BATCH)
      .execute();
    let handled = 0;
    for (const delivery of due) {
      if (!(await this.claim(delivery))) continue;
      await this.deliver(delivery);
      handled += 1;
    }
    return handled;
  }

  private async claim(delivery: Due): Promise<boolean> {
    const result = await this.ctx.db
      .updateTable('oidc_logout_deliveries')
      .set({
        lease_until: this.ctx.clock.now() + LEASE_MS,
        attempts: delivery.attempts + 1,
      })
      .where('id', '=', delivery.id)
      .where('status', '=', 'queued')
      .where('attempts', '=', delivery.attempts)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  private async deliver(delivery: Due): Promise<void> {
    if (!delivery.uri) return this.settle(delivery, 'the product no longer has a back-channel URI');
    let problem: string | null;
    try {
      problem = await this.post(delivery, delivery.uri);
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
    return this.settle(delivery, problem);
  }

  /** POSTs a freshly signed token; answers null when the product took it, else why not. */
  private async post(delivery: Due, uri: string): Promise<string | null> {
    const { db, clock, config } = this.ctx;
    const token = await signLogoutToken(await currentSigningKey(db, clock), {
      issuer: config.publicUrl,
      clientId: delivery.client_id,
      sub: delivery.account_id,
      sid: delivery.sid,
      now: clock.now(),
    });
    const response = await fetch(uri, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: token }).toString(),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
    });
    await response.body?.cancel();
    // Back-Channel Logout §2.8: the product answers 200 (oidc-provider also accepts 204).
    return response.status === 200 || response.status === 204
      ? null
      : `the product answered HTTP ${response.status}`;
  }

  /** Records the outcome: delivered, queued again with backoff, or given up after a day. */
  private async settle(delivery: Due, problem: string | null): Promise<void> {
    const { db, clock } = this.ctx;
    const attempts = delivery.attempts + 1;
    const now = clock.now();
    const giveUp = problem !== null && now - delivery.created_at >= GIVE_UP_AFTER_MS;
    const base = RETRY_DELAYS_MS[Math.min(attempts - 1, RETRY_DELAYS_MS.length - 1)] ?? 3_600_000;
    const delay = base + randomInt(0, Math.floor(base / 5) + 1);
    if (problem) this.options.log?.('back-channel logout failed', { id: delivery.id, problem });
    await db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('oidc_logout_deliveries')
        .set({
          status: problem === null ? 'delivered' : giveUp ? 'failed' : 'queued',
          delivered_at: problem === null ? now : null,
          next_attempt_at: now + delay,
          lease_until: null,
          last_error: problem?.slice(0, 500) ?? null,
        })
        .where('id', '=', delivery.id)
        .where('status', '=', 'queued')
        .where('attempts', '=', attempts)
        .executeTakeFirst();
      // A POST that outlived its lease must not undo the outcome of the process that took over.
      if (Number(result.numUpdatedRows) === 0 || (problem !== null && !giveUp)) return;
      await recordAudit(trx, clock, {
        type: problem === null ? 'product_logout_delivered' : 'product_logout_failed',
        accountId: delivery.account_id,
        organizationId: delivery.organization_id,
        actor: 'system',
        detail: {
          deliveryId: delivery.id,
          clientId: delivery.client_id,
          attempts,
          ...(problem ? { reason: problem.slice(0, 200) } : {}),
        },
      });
    });
  }
}
